#!/usr/bin/env python3
# -*- coding:utf-8 -*-
"""
Handlers for the end-to-end tests of the function manager: slow or hanging calls, a runtime that dies mid-call,
a function that returns nothing.
"""

import os
import time


def slow(event, context):
    """sleeps event['sleep'] ms, then answers with the instance's pid; creates the file event['started'] names first
    (a test waits for it to know the call is under way)"""
    if event.get('started'):
        open(event['started'], 'w').close()
    time.sleep(event.get('sleep', 0) / 1000.0)
    event['pid'] = os.getpid()
    event['functionName'] = context['functionName']
    return event


def crash(event, context):
    """kills its own runtime process mid-call when asked to"""
    if event.get('crash'):
        os._exit(3)
    return {'ok': True, 'pid': os.getpid()}


def nothing(event, context):
    """returns None: the function manager publishes nothing"""
    return None
