#!/usr/bin/env python3
# -*- coding:utf-8 -*-
"""Handlers for bench/functions-bench.sh: echo the event, or sleep 10 ms first."""

import time


def echo(event, context):
    return event


def sleep10(event, context):
    time.sleep(0.01)
    return event
