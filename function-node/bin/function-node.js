#!/bin/sh
// 2>/dev/null; exec node --max-semi-space-size=1 "$0" "$@"
'use strict';
/*
 * Baetyl function runtime for Node.js.
 *
 * Serves the gRPC service baetyl.Function/Call (function.proto) and runs the user's
 * `(event, context, callback)` handlers listed in the service config.
 *
 * Usage: function-node.js [-c etc/baetyl/service.yml]
 *
 * The first two lines are for sh (a JS comment for node): run as a program, the script re-runs itself with
 * node and V8's young generation capped at 2 x 1 MB (default: grows to 2 x 16 MB under load; measured -5.5 MB RSS
 * after 5,000 calls at no CPU cost, docs/PERFORMANCE.md "Fifth pass"). exec keeps the PID and environment. A
 * shebang with "env -S node --flag" would need GNU env >= 8.30 (not BusyBox); /bin/sh works everywhere.
 */

const fs = require('fs');
const path = require('path');

const DEFAULT_CONFIG = path.join('etc', 'baetyl', 'service.yml');
const LEGACY_CONFIG = path.join('etc', 'openedge', 'service.yml');
const DEFAULT_NAME = 'baetyl-function-node';
const DEFAULT_MESSAGE_LENGTH_MAX = 4 * 1024 * 1024;
const DEFAULT_GRACE_MS = 10000;
const ERR_PREFIX = 'Exception calling application: ';

// First non-empty one wins; OPENEDGE_* are the 0.x names.
const NAME_ENVS = ['BAETYL_SERVICE_INSTANCE_NAME', 'OPENEDGE_SERVICE_INSTANCE_NAME', 'OPENEDGE_SERVICE_NAME'];
const ADDRESS_ENVS = ['BAETYL_SERVICE_INSTANCE_ADDRESS', 'OPENEDGE_SERVICE_INSTANCE_ADDRESS', 'OPENEDGE_SERVICE_ADDRESS'];

// Where function.proto may be: next to this script, in the package root (one level up, where the
// install copies it), or in this repository's proto module.
const PROTO_CANDIDATES = [
    path.join(__dirname, 'function.proto'),
    path.join(__dirname, '..', 'function.proto'),
    path.join(__dirname, '..', '..', 'proto', 'src', 'main', 'proto', 'function.proto'),
];

class ConfigError extends Error {}

function requireDependency(name) {
    try {
        return require(name);
    } catch (err) {
        throw new ConfigError(`cannot load the runtime's dependency ${name} (${err.message.split('\n')[0]}); ` +
            `run "npm ci --omit=dev" in ${path.dirname(__dirname)}`);
    }
}

// ---------------------------------------------------------------------------
// config value parsing (same grammar as the Java sdk: Docker sizes, Go durations)

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([kmgtp])?(?:i?b)?$/;
const SIZE_UNITS = {k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50};
const DURATION_PART_RE = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
const DURATION_MS = {ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6};

function parseSize(key, value) {
    if (typeof value === 'number') {
        if (!(value > 0)) throw new ConfigError(`config invalid, ${key}: ${value} must be positive`);
        return Math.floor(value);
    }
    const m = SIZE_RE.exec(String(value).trim().toLowerCase());
    const size = m ? Math.floor(parseFloat(m[1]) * (m[2] ? SIZE_UNITS[m[2]] : 1)) : 0;
    if (!m || !(size > 0)) {
        throw new ConfigError(`config invalid, ${key}: "${value}" is not a size (use a number with an optional k, m or g suffix)`);
    }
    return size;
}

/** Go duration (30s, 1m30s, 500ms) -> milliseconds. A bare number is nanoseconds, as Go reads it. */
function parseDuration(key, value) {
    if (typeof value === 'number') {
        if (value < 0) throw new ConfigError(`config invalid, ${key}: ${value} must not be negative`);
        return value / 1e6;
    }
    const text = String(value).trim().replace(/^\+/, '');
    if (text === '0') return 0;
    let pos = 0;
    let total = 0;
    DURATION_PART_RE.lastIndex = 0;
    while (pos < text.length) {
        DURATION_PART_RE.lastIndex = pos;
        const m = DURATION_PART_RE.exec(text);
        if (!m) break;
        total += parseFloat(m[1]) * DURATION_MS[m[2]];
        pos = DURATION_PART_RE.lastIndex;
    }
    if (!text || pos !== text.length) {
        throw new ConfigError(`config invalid, ${key}: "${value}" is not a duration (e.g. 30s, 1m, 500ms)`);
    }
    return total;
}

function parsePositiveInt(key, value) {
    if (!Number.isInteger(value) || value <= 0) {
        throw new ConfigError(`config invalid, ${key}: ${JSON.stringify(value)} must be a positive integer`);
    }
    return value;
}

function get(obj, ...keys) {
    for (const k of keys) {
        if (obj === null || typeof obj !== 'object' || obj[k] === undefined || obj[k] === null) return undefined;
        obj = obj[k];
    }
    return obj;
}

function envFirst(names) {
    for (const n of names) {
        if (process.env[n]) return process.env[n];
    }
    return undefined;
}

function loadConfig(file, yaml) {
    let text;
    try {
        text = fs.readFileSync(file, 'utf8');
    } catch (err) {
        throw new ConfigError(`cannot read config file (${file}): ${err.message}`);
    }
    let config;
    try {
        config = yaml.load(text);
    } catch (err) {
        throw new ConfigError(`config file (${file}) is not valid YAML: ${err.message}`);
    }
    if (config === undefined || config === null) config = {};
    if (typeof config !== 'object' || Array.isArray(config)) {
        throw new ConfigError(`config file (${file}) must be a YAML mapping`);
    }
    const name = envFirst(NAME_ENVS);
    if (name) config.name = name;
    // The original node8 runtime fell back to OPENEDGE_SERVICE_NAME here (a bug); we use the address envs.
    const address = envFirst(ADDRESS_ENVS);
    if (address) {
        if (typeof config.server !== 'object' || config.server === null) config.server = {};
        config.server.address = address;
    }
    if (!config.name) config.name = DEFAULT_NAME;
    if (typeof config.server !== 'object' || config.server === null || !config.server.address) {
        throw new ConfigError(`config invalid, missing server address (set server.address in ${file} or the env BAETYL_SERVICE_INSTANCE_ADDRESS)`);
    }
    if (config.functions === undefined || config.functions === null) {
        throw new ConfigError('config invalid, missing functions');
    }
    if (!Array.isArray(config.functions)) throw new ConfigError('config invalid, functions must be a list');
    return config;
}

// ---------------------------------------------------------------------------
// logging: "YYYY-MM-DD HH:mm:ss - name - LEVEL - message", to a file (rotated by size) or stderr

const LEVELS = {debug: 10, info: 20, warn: 30, warning: 30, error: 40};

function pad(n, w = 2) {
    return String(n).padStart(w, '0');
}

function timestamp(d = new Date()) {
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
        `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

class Logger {
    constructor(config) {
        const lc = config.logger || {};
        if (typeof lc !== 'object') throw new ConfigError('config invalid, logger must be a mapping');
        const levelName = String(lc.level || 'info').toLowerCase();
        if (!(levelName in LEVELS)) {
            throw new ConfigError(`config invalid, logger.level: "${lc.level}" (use debug, info, warn or error)`);
        }
        this.name = config.name;
        this.level = LEVELS[levelName];
        this.fd = null;
        if (lc.path) {
            this.file = path.resolve(String(lc.path));
            this.maxBytes = Number(get(lc, 'size', 'max') || 50) * 1024 * 1024;
            this.backups = Number(get(lc, 'backupCount', 'max') || get(lc, 'backup', 'max') || 15);
            try {
                fs.mkdirSync(path.dirname(this.file), {recursive: true});
                this.fd = fs.openSync(this.file, 'a');
                this.size = fs.fstatSync(this.fd).size;
            } catch (err) {
                throw new ConfigError(`cannot open log file (${this.file}): ${err.message}`);
            }
        }
    }

    rotate() {
        fs.closeSync(this.fd);
        for (let i = this.backups - 1; i >= 1; i--) {
            const from = `${this.file}.${i}`;
            if (fs.existsSync(from)) fs.renameSync(from, `${this.file}.${i + 1}`);
        }
        if (this.backups > 0) fs.renameSync(this.file, `${this.file}.1`);
        else fs.truncateSync(this.file, 0);
        this.fd = fs.openSync(this.file, 'a');
        this.size = 0;
    }

    write(levelName, args) {
        if (LEVELS[levelName] < this.level) return;
        const message = args.map((a) => (a instanceof Error ? (a.stack || String(a)) : String(a))).join(' ');
        const line = `${timestamp()} - ${this.name} - ${levelName.toUpperCase()} - ${message}\n`;
        if (this.fd === null) {
            process.stderr.write(line);
            return;
        }
        try {
            if (this.size + line.length > this.maxBytes && this.size > 0) this.rotate();
            this.size += fs.writeSync(this.fd, line);
        } catch (err) {
            process.stderr.write(line);
        }
    }

    debug(...a) { this.write('debug', a); }
    info(...a) { this.write('info', a); }
    warn(...a) { this.write('warn', a); }
    error(...a) { this.write('error', a); }
}

// ---------------------------------------------------------------------------
// handlers

function loadFunction(fc, index) {
    if (fc === null || typeof fc !== 'object') {
        throw new ConfigError(`config invalid, functions[${index}] must be a mapping`);
    }
    if (!fc.name || !fc.handler || !fc.codedir) {
        throw new ConfigError(`config invalid, functions[${index}] (${fc.name || '?'}): missing function name, handler or codedir`);
    }
    const name = String(fc.name);
    const handler = String(fc.handler);
    const codedir = String(fc.codedir);
    const absCodedir = path.resolve(process.cwd(), codedir);
    let isDir = false;
    try {
        isDir = fs.statSync(absCodedir).isDirectory();
    } catch (err) {
        isDir = false;
    }
    if (!isDir) {
        throw new ConfigError(`function (${name}): codedir (${codedir}) not found (resolved to ${absCodedir})`);
    }
    const dot = handler.lastIndexOf('.');
    if (dot <= 0 || dot === handler.length - 1) {
        throw new ConfigError(`function (${name}): handler (${handler}) must be 'module.function' (codedir ${codedir})`);
    }
    const moduleName = handler.slice(0, dot);
    const exportName = handler.slice(dot + 1);
    let mod;
    try {
        mod = require(path.join(absCodedir, moduleName));
    } catch (err) {
        const first = String(err && err.message || err).split('\n')[0];
        throw new ConfigError(`function (${name}): cannot load module (${moduleName}) for handler (${handler}) ` +
            `from codedir (${codedir}): ${err && err.name || 'Error'}: ${first}`);
    }
    const fn = mod === null || mod === undefined ? undefined : mod[exportName];
    if (fn === undefined) {
        throw new ConfigError(`function (${name}): handler (${handler}) not found: module (${moduleName}) ` +
            `in codedir (${codedir}) has no export (${exportName})`);
    }
    if (typeof fn !== 'function') {
        throw new ConfigError(`function (${name}): handler (${handler}) in codedir (${codedir}) is not a function`);
    }
    return [name, fn];
}

function loadFunctions(config) {
    const functions = new Map();
    config.functions.forEach((fc, i) => {
        const [name, fn] = loadFunction(fc, i);
        if (functions.has(name)) throw new ConfigError(`config invalid, function name (${name}) is used twice`);
        functions.set(name, fn);
    });
    return functions;
}

const utf8 = new TextDecoder('utf-8', {fatal: true});

function decodeEvent(payload) {
    if (!payload || payload.length === 0) return {};
    try {
        return JSON.parse(utf8.decode(payload));
    } catch (err) {
        return Buffer.from(payload); // raw data, not JSON
    }
}

function encodeResult(result) {
    if (result === undefined || result === null || result === '') return Buffer.alloc(0);
    if (Buffer.isBuffer(result)) return result;
    if (result instanceof Uint8Array) return Buffer.from(result.buffer, result.byteOffset, result.byteLength);
    const json = JSON.stringify(result);
    if (json === undefined) throw new TypeError(`a value of type ${typeof result} cannot be JSON-encoded`);
    return Buffer.from(json, 'utf8');
}

// ---------------------------------------------------------------------------
// the service

class NodeRuntime {
    constructor(config, logger, functions, grpc, proto) {
        this.config = config;
        this.log = logger;
        this.functions = functions;
        this.grpc = grpc;
        this.proto = proto;
        this.server = null;
    }

    fail(callback, detail) {
        callback({code: this.grpc.status.UNKNOWN, details: ERR_PREFIX + detail});
    }

    call(call, callback) {
        const req = call.request;
        const fn = this.functions.get(req.FunctionName);
        if (!fn) {
            this.log.error(`function (${req.FunctionName}) not found`);
            return this.fail(callback, `function (${req.FunctionName}) not found`);
        }
        const ctx = {
            messageQOS: req.QOS,
            messageTopic: req.Topic,
            messageTimestamp: Number(req.Timestamp),
            functionName: req.FunctionName,
            functionInvokeID: req.FunctionInvokeID,
            invokeid: req.FunctionInvokeID,
        };
        const event = decodeEvent(req.Payload);

        let done = false;
        const finish = (err, result) => {
            if (done) {
                this.log.warn(`function (${req.FunctionName}) called back more than once; ignored`);
                return;
            }
            done = true;
            if (err !== undefined && err !== null) {
                this.log.error(`error when invoking function (${req.FunctionName}):`, err);
                return this.fail(callback, `('[UserCodeInvoke]', ${String(err)})`);
            }
            let payload;
            try {
                payload = encodeResult(result);
            } catch (e) {
                this.log.error(`function (${req.FunctionName}) returned a value that cannot be JSON-encoded:`, e);
                return this.fail(callback, `('[UserCodeReturn]', ${String(e)})`);
            }
            callback(null, Object.assign({}, req, {Payload: payload}));
        };

        try {
            const ret = fn(event, ctx, finish);
            // async handlers that do not take a callback: use the promise's value
            if (fn.length < 3 && ret && typeof ret.then === 'function') {
                ret.then((v) => finish(null, v), (e) => finish(e === undefined || e === null ? new Error(String(e)) : e));
            }
        } catch (err) {
            if (done) {
                this.log.error(`function (${req.FunctionName}) threw after calling back:`, err);
                return;
            }
            finish(err === undefined || err === null ? new Error(String(err)) : err);
        }
        return undefined;
    }

    start() {
        const grpc = this.grpc;
        const sc = this.config.server;
        const address = String(sc.address);
        const length = get(sc, 'message', 'length', 'max') !== undefined
            ? parseSize('server.message.length.max', sc.message.length.max) : DEFAULT_MESSAGE_LENGTH_MAX;
        const options = {
            'grpc.max_send_message_length': length,
            'grpc.max_receive_message_length': length,
        };
        if (get(sc, 'concurrent', 'max') !== undefined) {
            options['grpc.max_concurrent_streams'] = parsePositiveInt('server.concurrent.max', sc.concurrent.max);
        }
        let credentials;
        if (sc.key || sc.cert) {
            if (!(sc.key && sc.cert)) throw new ConfigError('config invalid, server.key and server.cert must be set together');
            const pem = {};
            for (const k of ['ca', 'key', 'cert']) {
                if (!sc[k]) continue;
                try {
                    pem[k] = fs.readFileSync(String(sc[k]));
                } catch (err) {
                    throw new ConfigError(`cannot read server.${k} (${sc[k]}): ${err.message}`);
                }
            }
            credentials = grpc.ServerCredentials.createSsl(pem.ca || null,
                [{private_key: pem.key, cert_chain: pem.cert}], Boolean(pem.ca));
        } else {
            credentials = grpc.ServerCredentials.createInsecure();
        }
        this.graceMs = get(sc, 'timeout') !== undefined ? parseDuration('server.timeout', sc.timeout) : DEFAULT_GRACE_MS;

        const server = new grpc.Server(options);
        server.addService(this.proto.baetyl.Function.service, {Call: (call, cb) => this.call(call, cb)});
        return new Promise((resolve, reject) => {
            server.bindAsync(address, credentials, (err) => {
                if (err) {
                    reject(new ConfigError(`cannot listen on server address (${address}): ${err.message}`));
                    return;
                }
                this.server = server;
                this.log.info(`service starting: address ${address}, functions ${[...this.functions.keys()].sort().join(', ') || '(none)'}`);
                resolve();
            });
        });
    }

    stop() {
        return new Promise((resolve) => {
            if (!this.server) {
                resolve();
                return;
            }
            const timer = setTimeout(() => {
                this.log.warn(`calls still running after ${this.graceMs}ms; closing anyway`);
                this.server.forceShutdown();
                resolve();
            }, this.graceMs);
            this.server.tryShutdown(() => {
                clearTimeout(timer);
                resolve();
            });
        });
    }
}

function parseArgs(argv) {
    let conf;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === '-c' || a === '--conf') {
            if (i + 1 >= argv.length) throw new ConfigError(`${a} needs a file path`);
            conf = argv[++i];
        } else if (a.startsWith('--conf=')) {
            conf = a.slice('--conf='.length);
        } else if (a === '-h' || a === '--help') {
            process.stdout.write(`usage: function-node.js [-c config] (default ${DEFAULT_CONFIG})\n`);
            process.exit(0);
        } else {
            throw new ConfigError(`unknown argument ${a} (usage: function-node.js [-c config])`);
        }
    }
    if (conf === undefined) {
        conf = DEFAULT_CONFIG;
        if (!fs.existsSync(conf) && fs.existsSync(LEGACY_CONFIG)) conf = LEGACY_CONFIG;
    }
    return conf;
}

function loadProto(grpc, protoLoader) {
    const file = PROTO_CANDIDATES.find((p) => fs.existsSync(p));
    if (!file) throw new ConfigError(`function.proto not found (looked in ${PROTO_CANDIDATES.join(', ')})`);
    const def = protoLoader.loadSync(file, {keepCase: true, longs: String, enums: String, defaults: true});
    return grpc.loadPackageDefinition(def);
}

async function main() {
    let log = null;
    let runtime = null;
    let stopping = false;
    const onSignal = () => {
        if (stopping) return;
        stopping = true;
        const stop = runtime ? runtime.stop() : Promise.resolve();
        stop.then(() => {
            if (log) log.info('service closed');
            process.exit(0);
        });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
        const conf = parseArgs(process.argv.slice(2));
        const grpc = requireDependency('@grpc/grpc-js');
        const protoLoader = requireDependency('@grpc/proto-loader');
        const yaml = requireDependency('js-yaml');
        const config = loadConfig(conf, yaml);
        log = new Logger(config);
        const functions = loadFunctions(config);
        const proto = loadProto(grpc, protoLoader);
        runtime = new NodeRuntime(config, log, functions, grpc, proto);
        await runtime.start();
    } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        if (log) log.error(err.message);
        process.stderr.write(`function-node: ${err.message}\n`);
        process.exit(1);
    }
}

if (require.main === module) {
    main().catch((err) => {
        process.stderr.write(`function-node: ${err && err.stack || err}\n`);
        process.exit(1);
    });
}

module.exports = {parseSize, parseDuration, decodeEvent, encodeResult, PROTO_CANDIDATES};
