"""Post-processing functions for video-infer's tests, run by the real Python runtime.

Each reads the SSD output of the test model the way the docs' analyse.py does (float32, rows of 7) and tells
frames with the object (center score >= 0.6) from the others.
"""
import struct
import time


def _center_score(event):
    floats = struct.unpack('<%df' % (len(event) // 4), event)
    return floats[2]


def raise_on_object(event, context):
    if _center_score(event) >= 0.6:
        raise ValueError('object')
    return {'publishTopic': 'test/ok', 'imageDiscard': True}


def slow_on_object(event, context):
    if _center_score(event) >= 0.6:
        time.sleep(3)
    return {'publishTopic': 'test/ok', 'imageDiscard': True}


def no_topic(event, context):
    return {'imageLocation': 'var/db/baetyl/image/%d.jpg' % context['messageTimestamp']}


def outside(event, context):
    if _center_score(event) >= 0.6:
        return {'imageLocation': '../escape-%d.jpg' % context['messageTimestamp'], 'publishTopic': 'test/out'}
    return {'imageLocation': '/tmp/video-infer-test-%d.jpg' % context['messageTimestamp'], 'publishTopic': 'test/out'}


def raw(event, context):
    return {'publishTopic': 'test/raw', 'publishQOS': 1, 'score': _center_score(event),
            'frameTimestamp': context['messageTimestamp']}


def not_json(event, context):
    return b'hello'


def nothing(event, context):
    return None


def slow(event, context):
    time.sleep(0.5)
    return {'publishTopic': 'test/slow', 'imageDiscard': True}
