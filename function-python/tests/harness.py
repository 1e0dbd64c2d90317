"""Starts the real runtime as a child process on a free 127.0.0.1 port and talks to it over gRPC."""

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import grpc
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE_DIR = os.path.dirname(HERE)
REPO_DIR = os.path.dirname(MODULE_DIR)
RUNTIME = os.path.join(MODULE_DIR, 'bin', 'function-python3.py')
RUNTIME27 = os.path.join(MODULE_DIR, 'bin', 'function-python27.py')
PROTO = os.path.join(REPO_DIR, 'proto', 'src', 'main', 'proto', 'function.proto')
FIXTURES = os.path.join(HERE, 'fixtures')
# The docs' function code as the native example installs it, so the tests run exactly what users get.
EXAMPLE_DB = os.path.join(REPO_DIR, 'example', 'native', 'var', 'db', 'baetyl')
PYTHON = os.environ.get('BAETYL_TEST_PYTHON', '/usr/bin/python3')

START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0
CALL_TIMEOUT = 10.0

_spec = importlib.util.spec_from_file_location('function_python3_runtime', RUNTIME)
rt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rt)
FunctionMessage = rt.FunctionMessage

# Env variables the runtime reads; scrubbed from the child env unless a test sets them.
RUNTIME_ENVS = rt.NAME_ENVS + rt.ADDRESS_ENVS


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
    finally:
        s.close()


def port_open(port):
    try:
        socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
        return True
    except OSError:
        return False


class Workdir(object):
    """A service working directory like the native engine's: etc/baetyl/service.yml + code dirs."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix='fp-test-')

    def join(self, *parts):
        return os.path.join(self.path, *parts)

    def write(self, rel, text):
        p = self.join(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'w', encoding='utf-8') as f:
            f.write(text)
        return p

    def copy_fixture(self, name, rel):
        shutil.copytree(os.path.join(FIXTURES, name), self.join(rel), dirs_exist_ok=True)

    def copy_example_code(self, name, rel):
        shutil.copytree(os.path.join(EXAMPLE_DB, name), self.join(rel), dirs_exist_ok=True)

    def config(self, cfg, rel='etc/baetyl/service.yml'):
        return self.write(rel, yaml.safe_dump(cfg) if not isinstance(cfg, str) else cfg)

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


class Runtime(object):
    def __init__(self, workdir, env=None, args=None, port=None, script=RUNTIME):
        self.workdir = workdir
        self.script = script
        self.port = port
        self.env = dict((k, v) for k, v in os.environ.items() if k not in RUNTIME_ENVS)
        self.env.pop('PYTHONPATH', None)
        if port is not None:
            self.env['BAETYL_SERVICE_INSTANCE_ADDRESS'] = '127.0.0.1:%d' % port
        self.env.update(env or {})
        self.args = args or []
        self.proc = None
        self.channel = None
        self._stderr_path = workdir.join('runtime.stderr')

    def start(self):
        self._stderr = open(self._stderr_path, 'wb')
        self.proc = subprocess.Popen([PYTHON, self.script] + self.args, cwd=self.workdir.path, env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr)
        return self

    def stderr(self):
        with open(self._stderr_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def wait_ready(self, port=None, timeout=START_TIMEOUT, credentials=None):
        """Poll until the port accepts connections and the gRPC channel is ready; fail early if the process exits."""
        port = port or self.port
        deadline = time.monotonic() + timeout
        while True:
            code = self.proc.poll()
            if code is not None:
                raise AssertionError('runtime exited with %d before listening:\n%s' % (code, self.stderr()))
            if port_open(port):
                break
            if time.monotonic() > deadline:
                raise AssertionError('runtime did not listen on %d within %.0fs:\n%s' % (port, timeout, self.stderr()))
            time.sleep(0.05)
        target = '127.0.0.1:%d' % port
        self.channel = grpc.secure_channel(target, credentials) if credentials else grpc.insecure_channel(target)
        grpc.channel_ready_future(self.channel).result(timeout=max(1.0, deadline - time.monotonic()))
        return self

    def stub(self):
        return self.channel.unary_unary(rt.METHOD_PATH,
                                        request_serializer=FunctionMessage.SerializeToString,
                                        response_deserializer=FunctionMessage.FromString)

    def call(self, function_name, payload=b'', timeout=CALL_TIMEOUT, **fields):
        msg = FunctionMessage(FunctionName=function_name, Payload=payload, **fields)
        return self.stub()(msg, timeout=timeout)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            raise AssertionError('runtime did not exit within %.0fs:\n%s' % (timeout, self.stderr()))

    def terminate(self, timeout=STOP_TIMEOUT):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def close(self):
        if self.channel is not None:
            self.channel.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=5)
        if getattr(self, '_stderr', None):
            self._stderr.close()


def make_certs(directory):
    """A CA plus server and client certificates for 127.0.0.1 (openssl CLI); returns the directory."""
    os.makedirs(directory, exist_ok=True)
    ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

    def openssl(*args):
        subprocess.run(['openssl'] + list(args), cwd=directory, check=True, timeout=30,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    openssl('req', '-x509', *(ec + ['-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=baetyl-test-ca']))
    with open(os.path.join(directory, 'san.ext'), 'w') as f:
        f.write('subjectAltName=IP:127.0.0.1,DNS:localhost\n')
    for n in ('server', 'client'):
        openssl('req', *(ec + ['-keyout', n + '.key', '-out', n + '.csr', '-subj', '/CN=' + n]))
        openssl('x509', '-req', '-in', n + '.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
                '-out', n + '.pem', '-days', '2', '-extfile', 'san.ext')
    return directory


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def run_to_exit(workdir, env=None, args=None, timeout=STOP_TIMEOUT):
    """Run a runtime that is expected to fail at startup; returns (exit code, stderr)."""
    r = Runtime(workdir, env=env, args=args).start()
    try:
        code = r.wait_exit(timeout)
        return code, r.stderr()
    finally:
        r.close()
