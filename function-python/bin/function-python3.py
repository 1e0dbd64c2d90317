#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""
Baetyl function runtime for Python.

Serves the gRPC service ``baetyl.Function/Call`` (see function.proto) and runs the
user's ``handler(event, context)`` functions listed in the service config.

Usage: function-python3.py [-c etc/baetyl/service.yml]

The gRPC message and service are described at run time (no generated *_pb2 files),
so the only dependencies are grpcio, protobuf and PyYAML (Debian: python3-grpcio,
python3-protobuf, python3-yaml). The code stays Python 2.7 compatible where cheap.
"""

from __future__ import print_function

import argparse
import importlib
import json
import logging
import logging.handlers
import multiprocessing
import os
import re
import signal
import sys
import threading
import time

import grpc
import yaml
from concurrent import futures
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

SERVICE_NAME = 'baetyl.Function'
METHOD_NAME = 'Call'
METHOD_PATH = '/baetyl.Function/Call'

DEFAULT_CONFIG = os.path.join('etc', 'baetyl', 'service.yml')
LEGACY_CONFIG = os.path.join('etc', 'openedge', 'service.yml')
DEFAULT_NAME = 'baetyl-function-python'
DEFAULT_MESSAGE_LENGTH_MAX = 4 * 1024 * 1024
DEFAULT_GRACE_SECONDS = 10.0
ERR_PREFIX = 'Exception calling application: '

# Env variables, first one set (and non-empty) wins; OPENEDGE_* are the 0.x names.
NAME_ENVS = ('BAETYL_SERVICE_INSTANCE_NAME', 'OPENEDGE_SERVICE_INSTANCE_NAME', 'OPENEDGE_SERVICE_NAME')
ADDRESS_ENVS = ('BAETYL_SERVICE_INSTANCE_ADDRESS', 'OPENEDGE_SERVICE_INSTANCE_ADDRESS', 'OPENEDGE_SERVICE_ADDRESS')

# (name, number, type) of baetyl.FunctionMessage, identical to function.proto
_FIELDS = (
    ('ID', 1, descriptor_pb2.FieldDescriptorProto.TYPE_UINT64),
    ('QOS', 2, descriptor_pb2.FieldDescriptorProto.TYPE_UINT32),
    ('Topic', 3, descriptor_pb2.FieldDescriptorProto.TYPE_STRING),
    ('Payload', 4, descriptor_pb2.FieldDescriptorProto.TYPE_BYTES),
    ('Timestamp', 10, descriptor_pb2.FieldDescriptorProto.TYPE_SINT64),
    ('FunctionName', 11, descriptor_pb2.FieldDescriptorProto.TYPE_STRING),
    ('FunctionInvokeID', 12, descriptor_pb2.FieldDescriptorProto.TYPE_STRING),
)


class ConfigError(Exception):
    """A configuration or startup problem; reported as one clear line, exit code 1."""


def _build_message_class():
    """Describe function.proto with a FileDescriptorProto in a private pool and
    return the FunctionMessage class. A private pool cannot clash with a generated
    function_pb2 that user code might import."""
    fdp = descriptor_pb2.FileDescriptorProto()
    fdp.name = 'baetyl/function.proto'
    fdp.package = 'baetyl'
    fdp.syntax = 'proto3'
    msg = fdp.message_type.add()
    msg.name = 'FunctionMessage'
    for name, number, ftype in _FIELDS:
        field = msg.field.add()
        field.name = name
        field.number = number
        field.type = ftype
        field.label = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
        field.json_name = name
    svc = fdp.service.add()
    svc.name = 'Function'
    method = svc.method.add()
    method.name = METHOD_NAME
    method.input_type = '.baetyl.FunctionMessage'
    method.output_type = '.baetyl.FunctionMessage'
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    desc = pool.FindMessageTypeByName('baetyl.FunctionMessage')
    if hasattr(message_factory, 'GetMessageClass'):  # protobuf >= 4.22
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


FunctionMessage = _build_message_class()


# ---------------------------------------------------------------------------
# config value parsing (same grammar as the Java sdk: Go durations, Docker sizes)

_SIZE_RE = re.compile(r'^(\d+(?:\.\d+)?)\s*([kmgtp])?(?:i?b)?$')
_SIZE_UNITS = {None: 1, 'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30, 't': 1 << 40, 'p': 1 << 50}
_DURATION_PART_RE = re.compile(u'(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)')
_DURATION_UNITS = {'ns': 1e-9, 'us': 1e-6, u'\u00b5s': 1e-6, u'\u03bcs': 1e-6, 'ms': 1e-3, 's': 1.0,
                   'm': 60.0, 'h': 3600.0}


def parse_size(key, value):
    """4m, 32k, 1.5g, 512 -> bytes (binary multiples)."""
    if isinstance(value, bool):
        raise ConfigError('config invalid, %s: %r is not a size' % (key, value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0:
            raise ConfigError('config invalid, %s: %r must be positive' % (key, value))
        return int(value)
    m = _SIZE_RE.match(str(value).strip().lower())
    if not m:
        raise ConfigError('config invalid, %s: "%s" is not a size (use a number with an optional k, m or g suffix)'
                          % (key, value))
    size = int(float(m.group(1)) * _SIZE_UNITS[m.group(2)])
    if size <= 0:
        raise ConfigError('config invalid, %s: "%s" must be positive' % (key, value))
    return size


def parse_duration(key, value):
    """Go duration (30s, 1m30s, 500ms) -> seconds. A bare number is nanoseconds, as Go reads it."""
    if isinstance(value, bool):
        raise ConfigError('config invalid, %s: %r is not a duration' % (key, value))
    if isinstance(value, (int, float)):
        return float(value) / 1e9
    text = u'%s' % value
    text = text.strip()
    if text in ('0', '+0', '-0'):
        return 0.0
    body = text.lstrip('+')
    if body.startswith('-'):
        raise ConfigError('config invalid, %s: "%s" must not be negative' % (key, value))
    pos, total = 0, 0.0
    while pos < len(body):
        m = _DURATION_PART_RE.match(body, pos)
        if not m:
            break
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    if not body or pos != len(body):
        raise ConfigError('config invalid, %s: "%s" is not a duration (e.g. 30s, 1m, 500ms)' % (key, value))
    return total


def parse_positive_int(key, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError('config invalid, %s: %r must be a positive integer' % (key, value))
    return value


def _get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d or d[k] is None:
            return None
        d = d[k]
    return d


def _env_first(names):
    for n in names:
        v = os.environ.get(n)
        if v:
            return n, v
    return None, None


def load_config(path):
    try:
        with open(path, 'rb') as f:
            text = f.read().decode('utf-8')
    except (IOError, OSError) as err:
        raise ConfigError('cannot read config file (%s): %s' % (path, err))
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError('config file (%s) is not valid YAML: %s' % (path, err))
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ConfigError('config file (%s) must be a YAML mapping' % path)

    _, name = _env_first(NAME_ENVS)
    if name:
        config['name'] = name
    _, address = _env_first(ADDRESS_ENVS)
    if address:
        if not isinstance(config.get('server'), dict):
            config['server'] = {}
        config['server']['address'] = address

    if not config.get('name'):
        config['name'] = DEFAULT_NAME
    if not isinstance(config.get('server'), dict) or not config['server'].get('address'):
        raise ConfigError('config invalid, missing server address (set server.address in %s or the env '
                          'BAETYL_SERVICE_INSTANCE_ADDRESS)' % path)
    if 'functions' not in config or config['functions'] is None:
        raise ConfigError('config invalid, missing functions')
    if not isinstance(config['functions'], list):
        raise ConfigError('config invalid, functions must be a list')
    return config


# ---------------------------------------------------------------------------
# logging

class _AgedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotates by size and, on each rollover, also drops backups older than max_age days."""

    def __init__(self, filename, max_bytes, backup_count, max_age_days):
        logging.handlers.RotatingFileHandler.__init__(self, filename, maxBytes=max_bytes,
                                                      backupCount=backup_count, encoding='utf-8')
        self.max_age = max_age_days * 86400.0

    def doRollover(self):
        logging.handlers.RotatingFileHandler.doRollover(self)
        if self.max_age <= 0:
            return
        now = time.time()
        for i in range(1, self.backupCount + 1):
            backup = '%s.%d' % (self.baseFilename, i)
            try:
                if now - os.path.getmtime(backup) > self.max_age:
                    os.remove(backup)
            except OSError:
                pass


_LEVELS = {'debug': logging.DEBUG, 'info': logging.INFO, 'warn': logging.WARNING,
           'warning': logging.WARNING, 'error': logging.ERROR}


def get_logger(config):
    log = logging.getLogger(config['name'])
    log.propagate = False
    for h in list(log.handlers):
        log.removeHandler(h)
    lc = config.get('logger') or {}
    if not isinstance(lc, dict):
        raise ConfigError('config invalid, logger must be a mapping')
    level_name = str(lc.get('level') or 'info').lower()
    if level_name not in _LEVELS:
        raise ConfigError('config invalid, logger.level: "%s" (use debug, info, warn or error)' % lc.get('level'))
    level = _LEVELS[level_name]
    if lc.get('path'):
        filename = os.path.abspath(str(lc['path']))
        dirname = os.path.dirname(filename)
        try:
            if not os.path.isdir(dirname):
                os.makedirs(dirname)
            handler = _AgedRotatingFileHandler(
                filename,
                max_bytes=int(_get(lc, 'size', 'max') or 50) * 1024 * 1024,
                backup_count=int(_get(lc, 'backup', 'max') or 15),
                max_age_days=float(_get(lc, 'age', 'max') or 15))
        except (IOError, OSError, ValueError, TypeError) as err:
            raise ConfigError('cannot open log file (%s): %s' % (filename, err))
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter('%(asctime)s - %(name)s - %(levelname)s - %(message)s'))
    log.addHandler(handler)
    log.setLevel(level)
    return log


# ---------------------------------------------------------------------------
# handlers

def _module_dir_is_under(module, codedir):
    paths = []
    if getattr(module, '__file__', None):
        paths.append(os.path.dirname(os.path.abspath(module.__file__)))
    paths.extend(os.path.abspath(p) for p in (getattr(module, '__path__', None) or []))
    for p in paths:
        if p == codedir or p.startswith(codedir + os.sep):
            return True
    return False


def load_function(fc, index):
    """Resolve one functions[] entry to (name, callable). Raises ConfigError naming
    the function, the codedir and the handler."""
    if not isinstance(fc, dict):
        raise ConfigError('config invalid, functions[%d] must be a mapping' % index)
    name, handler, codedir = fc.get('name'), fc.get('handler'), fc.get('codedir')
    if not name or not handler or not codedir:
        raise ConfigError('config invalid, functions[%d] (%s): missing function name, handler or codedir'
                          % (index, name or '?'))
    name, handler, codedir = str(name), str(handler), str(codedir)
    abs_codedir = os.path.abspath(codedir)
    if not os.path.isdir(abs_codedir):
        raise ConfigError('function (%s): codedir (%s) not found (resolved to %s)' % (name, codedir, abs_codedir))
    parts = handler.split('.')
    if len(parts) < 2 or not all(parts):
        raise ConfigError("function (%s): handler (%s) must be 'module.function' (codedir %s)"
                          % (name, handler, codedir))
    func_name = parts.pop()
    module_name = '.'.join(parts)

    # codedir first on sys.path, so its modules and vendored packages win
    if abs_codedir in sys.path:
        sys.path.remove(abs_codedir)
    sys.path.insert(0, abs_codedir)
    # two functions with a same-named module in different codedirs must not share it
    top = parts[0]
    cached = sys.modules.get(top)
    if cached is not None and not _module_dir_is_under(cached, abs_codedir):
        for key in [k for k in sys.modules if k == top or k.startswith(top + '.')]:
            del sys.modules[key]
    try:
        module = importlib.import_module(module_name)
    except BaseException as err:
        raise ConfigError('function (%s): cannot import module (%s) for handler (%s) from codedir (%s): %s: %s'
                          % (name, module_name, handler, codedir, type(err).__name__, err))
    func = getattr(module, func_name, None)
    if func is None:
        raise ConfigError('function (%s): handler (%s) not found: module (%s) in codedir (%s) has no function (%s)'
                          % (name, handler, module_name, codedir, func_name))
    if not callable(func):
        raise ConfigError('function (%s): handler (%s) in codedir (%s) is not callable' % (name, handler, codedir))
    return name, func


def load_functions(config):
    functions = {}
    for i, fc in enumerate(config['functions']):
        name, func = load_function(fc, i)
        if name in functions:
            raise ConfigError('config invalid, function name (%s) is used twice' % name)
        functions[name] = func
    return functions


# ---------------------------------------------------------------------------
# the service

class FunctionRuntime(object):
    def __init__(self, config, log, functions):
        self.config = config
        self.log = log
        self.functions = functions
        self.server = None

    def _fail(self, context, err):
        detail = ERR_PREFIX + str(err)
        context.abort(grpc.StatusCode.UNKNOWN, detail)
        raise err  # abort() raises; kept for old grpcio without abort

    def call(self, request, context):
        func = self.functions.get(request.FunctionName)
        if func is None:
            self.log.error('function (%s) not found', request.FunctionName)
            self._fail(context, Exception('function (%s) not found' % request.FunctionName))

        ctx = {
            'messageQOS': request.QOS,
            'messageTopic': request.Topic,
            'messageTimestamp': request.Timestamp,
            'functionName': request.FunctionName,
            'functionInvokeID': request.FunctionInvokeID,
            'invokeid': request.FunctionInvokeID,
        }
        event = {}
        if request.Payload:
            try:
                event = json.loads(request.Payload.decode('utf-8'))
            except ValueError:  # includes UnicodeDecodeError and JSONDecodeError
                event = request.Payload  # raw data, not JSON

        try:
            result = func(event, ctx)
        except BaseException as err:
            self.log.error('error when invoking function (%s): %r', request.FunctionName, err, exc_info=True)
            self._fail(context, Exception('[UserCodeInvoke] ', err))

        reply = FunctionMessage()
        reply.CopyFrom(request)
        if result is None:
            reply.Payload = b''
        elif isinstance(result, (bytes, bytearray)):
            reply.Payload = bytes(result)
        else:
            try:
                reply.Payload = json.dumps(result).encode('utf-8')
            except BaseException as err:
                self.log.error('function (%s) returned a value that cannot be JSON-encoded: %r',
                               request.FunctionName, err)
                self._fail(context, Exception('[UserCodeReturn] ', err))
        return reply

    def start(self):
        sc = self.config['server']
        address = str(sc['address'])
        workers = parse_positive_int('server.workers.max', _get(sc, 'workers', 'max')) \
            if _get(sc, 'workers', 'max') is not None else multiprocessing.cpu_count() * 5
        concurrent = parse_positive_int('server.concurrent.max', _get(sc, 'concurrent', 'max')) \
            if _get(sc, 'concurrent', 'max') is not None else None
        length = parse_size('server.message.length.max', _get(sc, 'message', 'length', 'max')) \
            if _get(sc, 'message', 'length', 'max') is not None else DEFAULT_MESSAGE_LENGTH_MAX

        credentials = None
        if sc.get('key') or sc.get('cert'):
            if not (sc.get('key') and sc.get('cert')):
                raise ConfigError('config invalid, server.key and server.cert must be set together')
            pem = {}
            for k in ('ca', 'key', 'cert'):
                if sc.get(k):
                    try:
                        with open(str(sc[k]), 'rb') as f:
                            pem[k] = f.read()
                    except (IOError, OSError) as err:
                        raise ConfigError('cannot read server.%s (%s): %s' % (k, sc[k], err))
            credentials = grpc.ssl_server_credentials(((pem['key'], pem['cert']),),
                                                      root_certificates=pem.get('ca'),
                                                      require_client_auth='ca' in pem)

        server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers),
                             options=[('grpc.max_send_message_length', length),
                                      ('grpc.max_receive_message_length', length),
                                      ('grpc.so_reuseport', 0)],
                             maximum_concurrent_rpcs=concurrent)
        handler = grpc.method_handlers_generic_handler(SERVICE_NAME, {
            METHOD_NAME: grpc.unary_unary_rpc_method_handler(
                self.call,
                request_deserializer=FunctionMessage.FromString,
                response_serializer=FunctionMessage.SerializeToString),
        })
        server.add_generic_rpc_handlers((handler,))
        try:
            if credentials is not None:
                port = server.add_secure_port(address, credentials)
            else:
                port = server.add_insecure_port(address)
        except Exception as err:  # newer grpcio raises instead of returning 0
            raise ConfigError('cannot listen on server address (%s): %s' % (address, err))
        if not port:
            raise ConfigError('cannot listen on server address (%s)' % address)
        server.start()
        self.server = server
        self.log.info('service starting: address %s, functions %s, workers %d', address,
                      ', '.join(sorted(self.functions)) or '(none)', workers)

    def stop(self):
        grace = DEFAULT_GRACE_SECONDS
        if _get(self.config, 'server', 'timeout') is not None:
            grace = parse_duration('server.timeout', self.config['server']['timeout'])
        if self.server is not None:
            self.server.stop(grace).wait(grace + 5)
        self.log.info('service closed')


def main(argv=None, prepare=None):
    """Runs the runtime until SIGTERM/SIGINT. ``prepare(config, log)``, if given, runs before the handlers are
    imported (the Python 2.7 package sets up its compatibility there)."""
    parser = argparse.ArgumentParser(description='Baetyl function runtime for Python')
    parser.add_argument('-c', '--conf', dest='conf', default=None,
                        help='config file path (default: %s)' % DEFAULT_CONFIG)
    args = parser.parse_args(argv)
    conf = args.conf
    if conf is None:
        conf = DEFAULT_CONFIG
        if not os.path.exists(conf) and os.path.exists(LEGACY_CONFIG):
            conf = LEGACY_CONFIG

    stopping = threading.Event()

    def on_signal(signum, frame):
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    log = None
    try:
        config = load_config(conf)
        log = get_logger(config)
        if prepare is not None:
            prepare(config, log)
        functions = load_functions(config)
        runtime = FunctionRuntime(config, log, functions)
        if _get(config, 'server', 'timeout') is not None:  # validate before serving
            parse_duration('server.timeout', config['server']['timeout'])
        runtime.start()
    except ConfigError as err:
        if log is not None:
            log.error('%s', err)
        print('function-python: %s' % err, file=sys.stderr)
        return 1

    while not stopping.is_set():
        stopping.wait(1.0)
    runtime.stop()
    return 0


def _exit_now(code):
    """Exit without waiting for worker threads: a handler still running after the grace
    period must not keep the process alive."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


if __name__ == '__main__':
    _exit_now(main())
