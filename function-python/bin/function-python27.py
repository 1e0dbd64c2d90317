#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""
Baetyl's ``baetyl-function-python27`` on Python 3.

Python 2.7 reached its end of life on 2020-01-01 and Debian no longer ships it, so the functions of a
``baetyl-function-python27`` service run on the Python 3 runtime (function-python3.py, same config, same
gRPC service), with what most Python 2.7 handlers need to run unchanged:

- the Python 2 builtins ``unicode``, ``basestring``, ``long``, ``xrange``, ``unichr``, ``raw_input``,
  ``reduce``, ``intern``, ``cmp`` and ``file``;
- a handler module (or any module of its codedir) that is not valid Python 3 (``print "x"``,
  ``except E, e:``, ``0777``, ...) is translated with lib2to3 when it is imported (Debian: python3-lib2to3).

The runtime logs once, at start, that Python 2.7 is end-of-life and which functions run this way.

Usage: function-python27.py [-c etc/baetyl/service.yml]
"""

import builtins
import functools
import importlib.machinery
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

_spec = importlib.util.spec_from_file_location('function_python3_runtime', os.path.join(HERE, 'function-python3.py'))
rt = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rt)

PYTHON2_BUILTINS = {
    'unicode': str,
    'basestring': str,
    'long': int,
    'xrange': range,
    'unichr': chr,
    'raw_input': input,
    'reduce': functools.reduce,
    'intern': sys.intern,
    'cmp': lambda a, b: (a > b) - (a < b),
    'file': open,
}


def install_builtins():
    """The Python 2 names, for every module (builtins are looked up last, so a module's own name still wins)."""
    for name, value in PYTHON2_BUILTINS.items():
        if not hasattr(builtins, name):
            setattr(builtins, name, value)


class Python2SourceLoader(importlib.machinery.SourceFileLoader):
    """Compiles a module as Python 3 and, only when that fails with a SyntaxError, as the 2to3 translation of it."""

    log = None
    translated = set()

    def source_to_code(self, data, path, *, _optimize=-1):
        try:
            return compile(data, path, 'exec', dont_inherit=True, optimize=_optimize)
        except SyntaxError as err:
            translated = translate(data, path, err)
            Python2SourceLoader.translated.add(path)
            if Python2SourceLoader.log is not None:
                Python2SourceLoader.log.warning('%s is Python 2 code (%s, line %s): translated with 2to3 at import; '
                                                'port it to Python 3', path, err.msg, err.lineno)
            return compile(translated, path, 'exec', dont_inherit=True, optimize=_optimize)


    def _cache_bytecode(self, source_path, bytecode_path, data):
        # A translation stays in this process: cached, it would be what a Python 3 runtime sharing the codedir runs.
        if source_path not in Python2SourceLoader.translated:
            super()._cache_bytecode(source_path, bytecode_path, data)


def translate(data, path, err):
    try:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning, append=False)
            from lib2to3 import refactor
    except ImportError:
        raise SyntaxError('%s (Python 2 syntax; install python3-lib2to3 to have it translated, or port it to '
                          'Python 3)' % err.msg, (path, err.lineno, err.offset, err.text))
    source = data.decode('utf-8') if isinstance(data, bytes) else data
    if not source.endswith('\n'):
        source += '\n'
    tool = refactor.RefactoringTool(refactor.get_fixers_from_package('lib2to3.fixes'))
    try:
        return str(tool.refactor_string(source, path))
    except Exception as terr:  # lib2to3's parse errors: the original error is the one the user can act on
        raise SyntaxError('%s (not valid Python 2 either: %s)' % (err.msg, terr),
                          (path, err.lineno, err.offset, err.text))


def install_loader(codedirs):
    """Modules found in the functions' codedirs load through Python2SourceLoader; other paths are untouched."""
    roots = [os.path.abspath(d) for d in codedirs]
    plain_hook = importlib.machinery.FileFinder.path_hook(
        (Python2SourceLoader, importlib.machinery.SOURCE_SUFFIXES))

    def hook(path):
        p = os.path.abspath(path)
        if not any(p == r or p.startswith(r + os.sep) for r in roots):
            raise ImportError('not a function codedir')  # the next hook handles it
        return plain_hook(path)

    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.clear()


def prepare(config, log):
    functions = [f for f in (config.get('functions') or []) if isinstance(f, dict)]
    names = ', '.join(str(f.get('name')) for f in functions) or '(none)'
    log.warning('Python 2.7 reached its end of life on 2020-01-01: the functions of this baetyl-function-python27 '
                'service (%s) run on Python %d.%d with Python 2 builtins, and modules with Python 2 syntax are '
                'translated with 2to3; port them to Python 3 (baetyl-function-python3)', names,
                sys.version_info[0], sys.version_info[1])
    install_builtins()
    Python2SourceLoader.log = log
    install_loader([str(f.get('codedir')) for f in functions if f.get('codedir')])


if __name__ == '__main__':
    rt._exit_now(rt.main(prepare=prepare))
