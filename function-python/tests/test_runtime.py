"""End-to-end tests of bin/function-python3.py: the real runtime process, called over real gRPC."""

import json
import os
import re
import shutil
import sys
import threading
import time
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import FunctionMessage, Runtime, Workdir, free_port, run_to_exit  # noqa: E402

MISC_PY = r'''
import json, os, threading, time

def echo_type(event, context):
    return {"type": type(event).__name__, "event": event if not isinstance(event, bytes) else list(event)}

def ret_bytes(event, context):
    return b"\x00raw\xff"

def ret_none(event, context):
    return None

def ret_set(event, context):
    return {1, 2}

def ret_str(event, context):
    return "hi"

def raise_value(event, context):
    raise ValueError("bad value")

def context_keys(event, context):
    return context

_barrier = threading.Barrier(4, timeout=10)

def barrier(event, context):
    # passes only if 4 calls run at the same time
    _barrier.wait()
    return {"ok": True}

def slow(event, context):
    with open(event["marker"], "w") as f:
        f.write("started")
    time.sleep(1.0)
    return {"slow": "done"}
'''

OTHER_INDEX_PY = '''
def handler(event, context):
    return {"from": "other codedir"}
'''

PKG_MOD_PY = '''
from . import helper
def handler(event, context):
    return {"dotted": helper.NAME}
'''


class CallTests(unittest.TestCase):
    """One runtime process with several functions, like a function-sayhi-conf service."""

    @classmethod
    def setUpClass(cls):
        cls.wd = Workdir()
        wd = cls.wd
        wd.copy_example_code('function-sayhi-code', 'var/db/baetyl/function-sayhi')
        wd.copy_fixture('function-sayhi', 'var/db/baetyl/function-sayhi')  # sayhi.py: a second handler beside the docs' index.py
        # native mode mounts volumes as symlinks: the codedir is one here
        wd.copy_fixture('function-get', 'var/db/baetyl/function-get-code')
        os.symlink(wd.join('var/db/baetyl/function-get-code'), wd.join('var/db/baetyl/function-get'))
        wd.write('var/db/baetyl/function-misc/misc.py', MISC_PY)
        wd.write('var/db/baetyl/function-misc/index.py', OTHER_INDEX_PY)
        wd.write('var/db/baetyl/function-misc/pkg/__init__.py', '')
        wd.write('var/db/baetyl/function-misc/pkg/sub/__init__.py', 'NAME_ = 1\n')
        wd.write('var/db/baetyl/function-misc/pkg/sub/helper.py', 'NAME = "pkg.sub.mod"\n')
        wd.write('var/db/baetyl/function-misc/pkg/sub/mod.py', PKG_MOD_PY)
        misc = [(n, 'misc.' + n) for n in ('echo_type', 'ret_bytes', 'ret_none', 'ret_set', 'ret_str',
                                           'raise_value', 'context_keys', 'barrier', 'slow')]
        functions = [
            # the seed tutorials' function-sayhi-conf, exactly
            {'name': 'python36-sayhi', 'handler': 'index.handler', 'codedir': 'var/db/baetyl/function-sayhi'},
            {'name': 'sayhi', 'handler': 'sayhi.handler', 'codedir': 'var/db/baetyl/function-sayhi'},
            {'name': 'sayhi3', 'handler': 'get.handler', 'codedir': 'var/db/baetyl/function-get'},
            {'name': 'other-index', 'handler': 'index.handler', 'codedir': 'var/db/baetyl/function-misc'},
            {'name': 'dotted', 'handler': 'pkg.sub.mod.handler', 'codedir': 'var/db/baetyl/function-misc'},
        ] + [{'name': n, 'handler': h, 'codedir': 'var/db/baetyl/function-misc'} for n, h in misc]
        wd.config({'functions': functions, 'server': {'workers': {'max': 6}, 'message': {'length': {'max': '64k'}}}})
        cls.port = free_port()
        cls.rt = Runtime(wd, port=cls.port, env={'USER_ID': 'u-42'}).start()
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

    def call_json(self, name, payload, **fields):
        reply = self.rt.call(name, payload, **fields)
        return json.loads(reply.Payload.decode('utf-8'))

    def assert_rpc_error(self, name, payload, detail):
        with self.assertRaises(grpc.RpcError) as cm:
            self.rt.call(name, payload)
        self.assertEqual(cm.exception.code(), grpc.StatusCode.UNKNOWN)
        self.assertEqual(cm.exception.details(), detail)

    # --- the seed tutorial (chapter 9 index.py)

    def test_seed_json_payload(self):
        reply = self.rt.call('python36-sayhi', b'{"id":1}', ID=7, QOS=1, Topic='t', Timestamp=1569246549,
                             FunctionInvokeID='8a2c-invoke')
        self.assertEqual(json.loads(reply.Payload.decode()), {
            'id': 1, 'messageQOS': 1, 'messageTopic': 't', 'messageTimestamp': 1569246549,
            'functionName': 'python36-sayhi', 'functionInvokeID': '8a2c-invoke', 'Say': 'Hello Baetyl'})
        # the reply echoes the request's envelope
        self.assertEqual((reply.ID, reply.QOS, reply.Topic, reply.Timestamp, reply.FunctionName, reply.FunctionInvokeID),
                         (7, 1, 't', 1569246549, 'python36-sayhi', '8a2c-invoke'))

    def test_seed_err_raises_user_code_invoke(self):
        self.assert_rpc_error('python36-sayhi', b'{"err":"boom"}',
                              "Exception calling application: ('[UserCodeInvoke] ', TypeError('boom'))")

    def test_seed_bytes_payload(self):
        out = self.call_json('python36-sayhi', b'hello, not json', Topic='t')
        self.assertEqual(out['bytes'], 'hello, not json')
        self.assertEqual(out['Say'], 'Hello Baetyl')
        self.assertEqual(out['messageTopic'], 't')

    def test_seed_empty_payload_is_empty_dict(self):
        out = self.call_json('python36-sayhi', b'', QOS=0, Topic='t')
        self.assertEqual(out, {'messageQOS': 0, 'messageTopic': 't', 'messageTimestamp': 0,
                               'functionName': 'python36-sayhi', 'functionInvokeID': '', 'Say': 'Hello Baetyl'})

    def test_seed_sayhi_invokeid_env_and_unicode(self):
        out = self.call_json('sayhi', b'{"id": 2}', QOS=1, Topic='t', FunctionInvokeID='inv-1')
        self.assertEqual(out['invokeid'], 'inv-1')
        self.assertEqual(out['USER_ID'], 'u-42')
        self.assertEqual(out['py'], u'\u4f60\u597d\uff0c\u4e16\u754c\uff01')

    def test_vendored_package_in_codedir(self):
        out = self.call_json('sayhi3', b'{"action": "A"}')
        self.assertEqual(out['info']['X-Fake-Requests'], 'vendored')
        self.assertEqual(self.call_json('sayhi3', b'{"action": "B"}')['info'], 'action error')

    # --- payload decoding

    def test_non_json_payload_is_raw_bytes(self):
        out = self.call_json('echo_type', b'\xff\x00abc')
        self.assertEqual(out, {'type': 'bytes', 'event': [255, 0, 97, 98, 99]})

    def test_json_scalars_and_lists_pass_through(self):
        self.assertEqual(self.call_json('echo_type', b'123'), {'type': 'int', 'event': 123})
        self.assertEqual(self.call_json('echo_type', b'[1, "a"]'), {'type': 'list', 'event': [1, 'a']})
        self.assertEqual(self.call_json('echo_type', b''), {'type': 'dict', 'event': {}})

    def test_context_keys(self):
        out = self.call_json('context_keys', b'{}', QOS=1, Topic='a/b', Timestamp=-5, FunctionInvokeID='x')
        self.assertEqual(out, {'messageQOS': 1, 'messageTopic': 'a/b', 'messageTimestamp': -5,
                               'functionName': 'context_keys', 'functionInvokeID': 'x', 'invokeid': 'x'})

    # --- results

    def test_return_bytes_as_is(self):
        self.assertEqual(self.rt.call('ret_bytes', b'{}').Payload, b'\x00raw\xff')

    def test_return_none_is_empty_payload(self):
        reply = self.rt.call('ret_none', b'{"a":1}', Topic='t')
        self.assertEqual(reply.Payload, b'')
        self.assertEqual(reply.Topic, 't')

    def test_return_string_is_json(self):
        self.assertEqual(self.rt.call('ret_str', b'').Payload, b'"hi"')

    def test_unserialisable_return(self):
        self.assert_rpc_error('ret_set', b'{}',
                              "Exception calling application: ('[UserCodeReturn] ', "
                              "TypeError('Object of type set is not JSON serializable'))")

    # --- errors

    def test_handler_raising(self):
        self.assert_rpc_error('raise_value', b'{}',
                              "Exception calling application: ('[UserCodeInvoke] ', ValueError('bad value'))")

    def test_unknown_function(self):
        self.assert_rpc_error('nope', b'{}', 'Exception calling application: function (nope) not found')

    def test_message_over_length_max(self):
        with self.assertRaises(grpc.RpcError) as cm:
            self.rt.call('echo_type', b'"' + b'x' * (70 * 1024) + b'"')
        self.assertEqual(cm.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        # still serving afterwards
        self.assertEqual(self.call_json('echo_type', b'1'), {'type': 'int', 'event': 1})

    # --- loading

    def test_same_module_name_in_two_codedirs(self):
        self.assertEqual(self.call_json('other-index', b'{}'), {'from': 'other codedir'})
        self.assertEqual(self.call_json('python36-sayhi', b'{}')['Say'], 'Hello Baetyl')

    def test_dotted_handler(self):
        self.assertEqual(self.call_json('dotted', b''), {'dotted': 'pkg.sub.mod'})

    # --- concurrency

    def test_calls_run_concurrently(self):
        results, errors = [], []

        def one():
            try:
                results.append(self.call_json('barrier', b'{}'))
            except Exception as err:  # pragma: no cover - reported below
                errors.append(err)

        threads = [threading.Thread(target=one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        self.assertEqual(errors, [])
        self.assertEqual(results, [{'ok': True}] * 4)


class ProtoTests(unittest.TestCase):
    def test_runtime_descriptor_matches_function_proto(self):
        with open(harness.PROTO) as f:
            text = f.read()
        self.assertIn('package baetyl;', text)
        self.assertRegex(text, r'service Function \{\s*rpc Call\(FunctionMessage\) returns \(FunctionMessage\)')
        fields = re.findall(r'^\s*(\w+)\s+(\w+)\s*=\s*(\d+);', text, re.M)
        type_names = {'uint64': 4, 'uint32': 13, 'string': 9, 'bytes': 12, 'sint64': 18}
        expected = sorted((name, int(num), type_names[typ]) for typ, name, num in fields)
        desc = FunctionMessage.DESCRIPTOR
        actual = sorted((f.name, f.number, f.type) for f in desc.fields)
        self.assertEqual(actual, expected)
        self.assertEqual(desc.full_name, 'baetyl.FunctionMessage')


def seed_workdir():
    wd = Workdir()
    wd.copy_example_code('function-sayhi-code', 'var/db/baetyl/function-sayhi')
    wd.copy_fixture('function-sayhi', 'var/db/baetyl/function-sayhi')  # sayhi.py: a second handler beside the docs' index.py
    return wd


SAYHI = {'name': 'python3-sayhi', 'handler': 'index.handler', 'codedir': 'var/db/baetyl/function-sayhi'}


class LifecycleTests(unittest.TestCase):
    def setUp(self):
        self.wd = seed_workdir()
        self.runtimes = []

    def tearDown(self):
        for r in self.runtimes:
            r.close()
        self.wd.cleanup()

    def runtime(self, **kw):
        r = Runtime(self.wd, **kw)
        self.runtimes.append(r)
        return r.start()

    def assert_startup_error(self, *needles, **kw):
        code, err = run_to_exit(self.wd, **kw)
        self.assertNotEqual(code, 0, err)
        for n in needles:
            self.assertIn(n, err)
        return err

    def test_sigterm_exits_zero(self):
        self.wd.config({'functions': [SAYHI]})
        port = free_port()
        r = self.runtime(port=port).wait_ready()
        self.assertEqual(r.call('python3-sayhi', b'{"id":1}').FunctionName, 'python3-sayhi')
        self.assertEqual(r.terminate(), 0)
        self.assertIn('service closed', r.stderr())

    def test_sigterm_lets_inflight_call_finish(self):
        self.wd.write('var/db/baetyl/function-sayhi/slow.py', MISC_PY)
        self.wd.config({'functions': [{'name': 'slow', 'handler': 'slow.slow',
                                       'codedir': 'var/db/baetyl/function-sayhi'}],
                        'server': {'timeout': '5s'}})
        port = free_port()
        r = self.runtime(port=port).wait_ready()
        marker = self.wd.join('started.marker')
        future = r.stub().future(FunctionMessage(FunctionName='slow', Payload=json.dumps({'marker': marker}).encode()),
                                 timeout=15)
        deadline = time.monotonic() + 10
        while not os.path.exists(marker):
            self.assertLess(time.monotonic(), deadline, 'handler never started')
            time.sleep(0.02)
        r.proc.send_signal(15)
        self.assertEqual(json.loads(future.result(timeout=15).Payload.decode()), {'slow': 'done'})
        self.assertEqual(r.wait_exit(), 0)

    def test_sigterm_with_a_hung_handler_exits_after_grace(self):
        self.wd.write('var/db/baetyl/function-sayhi/hang.py',
                      'import time\ndef handler(event, context):\n'
                      '    open(event["marker"], "w").close()\n    time.sleep(60)\n')
        self.wd.config({'functions': [{'name': 'hang', 'handler': 'hang.handler',
                                       'codedir': 'var/db/baetyl/function-sayhi'}],
                        'server': {'timeout': '500ms'}})
        r = self.runtime(port=free_port()).wait_ready()
        marker = self.wd.join('hang.marker')
        future = r.stub().future(FunctionMessage(FunctionName='hang', Payload=json.dumps({'marker': marker}).encode()),
                                 timeout=30)
        deadline = time.monotonic() + 10
        while not os.path.exists(marker):
            self.assertLess(time.monotonic(), deadline, 'handler never started')
            time.sleep(0.02)
        started = time.monotonic()
        r.proc.send_signal(15)
        self.assertEqual(r.wait_exit(timeout=10), 0)
        self.assertLess(time.monotonic() - started, 8)
        with self.assertRaises(grpc.RpcError):
            future.result(timeout=10)

    def test_address_from_config_and_name_from_env(self):
        port = free_port()
        self.wd.config({'name': 'from-config', 'server': {'address': '127.0.0.1:%d' % port}, 'functions': [SAYHI],
                        'logger': {'path': 'var/log/baetyl/service.log', 'level': 'debug'}})
        r = self.runtime(env={'BAETYL_SERVICE_INSTANCE_NAME': 'python3-sayhi.1'}).wait_ready(port)
        self.assertEqual(r.call('python3-sayhi', b'{}').FunctionName, 'python3-sayhi')
        self.assertEqual(r.terminate(), 0)
        with open(self.wd.join('var/log/baetyl/service.log')) as f:
            log = f.read()
        self.assertRegex(log, r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ - python3-sayhi\.1 - INFO - service starting')

    def test_address_env_precedence(self):
        cases = [
            # env set -> port the runtime must listen on; the others point at a port nobody uses
            ('BAETYL_SERVICE_INSTANCE_ADDRESS', ['OPENEDGE_SERVICE_INSTANCE_ADDRESS', 'OPENEDGE_SERVICE_ADDRESS']),
            ('OPENEDGE_SERVICE_INSTANCE_ADDRESS', ['OPENEDGE_SERVICE_ADDRESS']),
            ('OPENEDGE_SERVICE_ADDRESS', []),
        ]
        for winner, losers in cases:
            with self.subTest(winner=winner):
                config_port, port, loser_port = free_port(), free_port(), free_port()
                self.wd.config({'server': {'address': '127.0.0.1:%d' % config_port}, 'functions': [SAYHI]})
                env = {winner: '127.0.0.1:%d' % port}
                env.update((l, '127.0.0.1:%d' % loser_port) for l in losers)
                r = self.runtime(env=env).wait_ready(port)
                self.assertFalse(harness.port_open(config_port))
                self.assertFalse(harness.port_open(loser_port))
                self.assertEqual(r.terminate(), 0)

    def test_config_flag(self):
        port = free_port()
        self.wd.config({'server': {'address': '127.0.0.1:%d' % port}, 'functions': [SAYHI]}, rel='conf/other.yml')
        r = self.runtime(args=['-c', 'conf/other.yml']).wait_ready(port)
        self.assertEqual(r.terminate(), 0)

    def test_missing_codedir(self):
        self.wd.config({'functions': [dict(SAYHI, codedir='var/db/baetyl/nowhere')]})
        self.assert_startup_error('function (python3-sayhi)', 'codedir (var/db/baetyl/nowhere) not found',
                                  env={'BAETYL_SERVICE_INSTANCE_ADDRESS': '127.0.0.1:%d' % free_port()})

    def test_missing_module(self):
        self.wd.config({'functions': [dict(SAYHI, handler='indx.handler')]})
        self.assert_startup_error('function (python3-sayhi)', 'cannot import module (indx)', 'handler (indx.handler)',
                                  'codedir (var/db/baetyl/function-sayhi)', 'ModuleNotFoundError',
                                  env={'BAETYL_SERVICE_INSTANCE_ADDRESS': '127.0.0.1:%d' % free_port()})

    def test_missing_handler_function(self):
        self.wd.config({'functions': [dict(SAYHI, handler='index.handle')]})
        self.assert_startup_error('function (python3-sayhi)', 'handler (index.handle) not found',
                                  'codedir (var/db/baetyl/function-sayhi)', 'no function (handle)',
                                  env={'BAETYL_SERVICE_INSTANCE_ADDRESS': '127.0.0.1:%d' % free_port()})

    def test_module_failing_at_import(self):
        self.wd.write('var/db/baetyl/function-sayhi/broken.py', 'import not_a_module_xyz\n')
        self.wd.config({'functions': [dict(SAYHI, handler='broken.handler')]})
        self.assert_startup_error('function (python3-sayhi)', 'not_a_module_xyz',
                                  env={'BAETYL_SERVICE_INSTANCE_ADDRESS': '127.0.0.1:%d' % free_port()})

    def test_missing_address(self):
        self.wd.config({'functions': [SAYHI]})
        self.assert_startup_error('missing server address')

    def test_missing_config_file(self):
        self.assert_startup_error('cannot read config file (etc/baetyl/service.yml)')

    def test_bad_values(self):
        env = {'BAETYL_SERVICE_INSTANCE_ADDRESS': '127.0.0.1:%d' % free_port()}
        self.wd.config({'functions': [SAYHI], 'server': {'message': {'length': {'max': 'lots'}}}})
        self.assert_startup_error('server.message.length.max', 'lots', env=env)
        self.wd.config({'functions': [SAYHI], 'server': {'timeout': 'soon'}})
        self.assert_startup_error('server.timeout', 'soon', env=env)
        self.wd.config({'functions': [SAYHI, SAYHI]})
        self.assert_startup_error('function name (python3-sayhi) is used twice', env=env)

    def test_port_in_use(self):
        port = free_port()
        self.wd.config({'functions': [SAYHI]})
        first = self.runtime(port=port).wait_ready()
        self.assert_startup_error('cannot listen on server address (127.0.0.1:%d)' % port,
                                  env={'BAETYL_SERVICE_INSTANCE_ADDRESS': '127.0.0.1:%d' % port})
        self.assertEqual(first.terminate(), 0)


@unittest.skipIf(shutil.which('openssl') is None, 'openssl CLI not installed')
class TlsTests(unittest.TestCase):
    def setUp(self):
        self.wd = seed_workdir()
        self.certs = harness.make_certs(self.wd.join('var/db/baetyl/cert'))
        self.runtime = None

    def tearDown(self):
        if self.runtime:
            self.runtime.close()
        self.wd.cleanup()

    def creds(self, client_cert):
        ca = harness.read(os.path.join(self.certs, 'ca.pem'))
        if not client_cert:
            return grpc.ssl_channel_credentials(root_certificates=ca)
        return grpc.ssl_channel_credentials(root_certificates=ca,
                                            private_key=harness.read(os.path.join(self.certs, 'client.key')),
                                            certificate_chain=harness.read(os.path.join(self.certs, 'client.pem')))

    def start(self, server):
        self.wd.config({'functions': [SAYHI], 'server': server})
        self.runtime = Runtime(self.wd, port=free_port()).start()
        return self.runtime

    def test_tls_server(self):
        r = self.start({'key': 'var/db/baetyl/cert/server.key', 'cert': 'var/db/baetyl/cert/server.pem'})
        r.wait_ready(credentials=self.creds(False))
        self.assertEqual(json.loads(r.call('python3-sayhi', b'{"id":1}').Payload.decode())['id'], 1)
        self.assertEqual(r.terminate(), 0)

    def test_tls_with_ca_requires_client_certificate(self):
        r = self.start({'key': 'var/db/baetyl/cert/server.key', 'cert': 'var/db/baetyl/cert/server.pem',
                        'ca': 'var/db/baetyl/cert/ca.pem'})
        r.wait_ready(credentials=self.creds(True))
        self.assertEqual(json.loads(r.call('python3-sayhi', b'{}').Payload.decode())['Say'], 'Hello Baetyl')
        anonymous = grpc.secure_channel('127.0.0.1:%d' % r.port, self.creds(False))
        try:
            call = anonymous.unary_unary(harness.rt.METHOD_PATH,
                                         request_serializer=FunctionMessage.SerializeToString,
                                         response_deserializer=FunctionMessage.FromString)
            with self.assertRaises(grpc.RpcError) as cm:
                call(FunctionMessage(FunctionName='python3-sayhi'), timeout=5)
            self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAVAILABLE)
        finally:
            anonymous.close()
        self.assertEqual(r.terminate(), 0)

    def test_key_without_cert(self):
        self.wd.config({'functions': [SAYHI], 'server': {'key': 'var/db/baetyl/cert/server.key'}})
        code, err = run_to_exit(self.wd, env={'BAETYL_SERVICE_INSTANCE_ADDRESS': '127.0.0.1:%d' % free_port()})
        self.assertNotEqual(code, 0)
        self.assertIn('server.key and server.cert must be set together', err)


if __name__ == '__main__':
    unittest.main()
