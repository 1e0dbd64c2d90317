"""baetyl-function-python27 on Python 3: the docs' 2.7-style handlers run unchanged, and the end of life is logged once."""

import json
import os
import unittest

import grpc

from harness import RUNTIME27, Runtime, Workdir, free_port

PY2_HANDLER = '''# -*- coding: utf-8 -*-
"""A handler as written for Baetyl's python27 runtime."""


def handler(event, context):
    print "python27 handler called with", event
    try:
        total = long(0)
        for i in xrange(3):
            total += i
        name = unicode(context['functionName'])
        kind = 'text' if isinstance(name, basestring) else 'other'
        if 'err' in event:
            raise ValueError(event['err'])
    except KeyError, e:
        return {'missing': str(e)}
    event['total'] = total
    event['kind'] = kind
    event['mode'] = 0644
    event['Say'] = 'Hello Baetyl'
    return event
'''


class Python27Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.wd = Workdir()
        cls.wd.copy_example_code('function-sayhi-code', 'var/db/baetyl/function-sayhi')
        cls.wd.write('var/db/baetyl/function-py2/py2.py', PY2_HANDLER)
        cls.wd.config({
            'functions': [
                {'name': 'python27-sayhi', 'handler': 'index.handler', 'codedir': 'var/db/baetyl/function-sayhi'},
                {'name': 'py2-style', 'handler': 'py2.handler', 'codedir': 'var/db/baetyl/function-py2'},
            ],
        })
        cls.rt = Runtime(cls.wd, port=free_port(), script=RUNTIME27).start()
        try:
            cls.rt.wait_ready()
        except BaseException:
            cls.rt.close()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.rt.terminate()
        finally:
            cls.rt.close()
            cls.wd.cleanup()

    def test_the_seed_handler_answers_as_on_python27(self):
        reply = self.rt.call('python27-sayhi', b'{"id":1}', QOS=0, Topic='t', FunctionInvokeID='inv')
        self.assertEqual(json.loads(reply.Payload.decode()), {
            'id': 1, 'messageQOS': 0, 'messageTopic': 't', 'messageTimestamp': 0,
            'functionName': 'python27-sayhi', 'functionInvokeID': 'inv', 'Say': 'Hello Baetyl'})

    def test_python2_syntax_and_builtins_run(self):
        out = json.loads(self.rt.call('py2-style', b'{"id":2}').Payload.decode())
        self.assertEqual(out, {'id': 2, 'total': 3, 'kind': 'text', 'mode': 0o644, 'Say': 'Hello Baetyl'})
        with self.assertRaises(grpc.RpcError) as cm:
            self.rt.call('py2-style', b'{"err":"boom"}')
        self.assertEqual(cm.exception.details(),
                         "Exception calling application: ('[UserCodeInvoke] ', ValueError('boom'))")

    def test_end_of_life_is_logged_once_with_the_functions(self):
        log = self.rt.stderr()
        self.assertEqual(log.count('Python 2.7 reached its end of life on 2020-01-01'), 1, log)
        self.assertIn('(python27-sayhi, py2-style) run on Python 3.', log)
        self.assertIn('py2.py is Python 2 code', log)
        self.assertNotIn('index.py is Python 2 code', log)  # valid Python 3 is not translated


class Python27StartupErrorTest(unittest.TestCase):
    def test_code_that_is_neither_python2_nor_python3_is_one_clear_line(self):
        wd = Workdir()
        try:
            wd.write('code/bad.py', 'def handler(event, context):\n    return {{{\n')
            wd.config({'functions': [{'name': 'bad', 'handler': 'bad.handler', 'codedir': 'code'}]})
            r = Runtime(wd, port=free_port(), script=RUNTIME27).start()
            try:
                self.assertEqual(r.wait_exit(), 1)
                err = r.stderr()
            finally:
                r.close()
            self.assertIn('function-python: function (bad): cannot import module (bad) for handler (bad.handler) '
                          'from codedir (code): SyntaxError:', err)
            self.assertIn('not valid Python 2 either', err)
            self.assertNotIn('Traceback', err)
        finally:
            wd.cleanup()


if __name__ == '__main__':
    unittest.main()
