'use strict';
// End-to-end tests of bin/function-node.js: the real runtime process, called over real gRPC.

const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const {describe, it, before, after, beforeEach, afterEach} = require('node:test');
const h = require('./harness');

const {grpc} = h;

const MISC_JS = `
const fs = require('fs');
exports.echoType = (event, context, callback) => {
  callback(null, {type: Buffer.isBuffer(event) ? 'Buffer' : Array.isArray(event) ? 'array' : typeof event,
                  event: Buffer.isBuffer(event) ? [...event] : event});
};
exports.retBuffer = (event, context, callback) => callback(null, Buffer.from([0, 114, 97, 119, 255]));
exports.retNull = (event, context, callback) => callback(null, null);
exports.retUndefined = (event, context, callback) => callback();
exports.retEmptyString = (event, context, callback) => callback(null, '');
exports.retZero = (event, context, callback) => callback(null, 0);
exports.retString = (event, context, callback) => callback(null, 'hi');
exports.retCircular = (event, context, callback) => { const o = {}; o.self = o; callback(null, o); };
exports.retFunction = (event, context, callback) => callback(null, () => 1);
exports.throwSync = (event, context, callback) => { throw new RangeError('too far'); };
exports.callbackString = (event, context, callback) => callback('plain failure');
exports.twice = (event, context, callback) => { callback(null, {n: 1}); callback(null, {n: 2}); };
exports.asyncReturn = async (event, context) => ({async: true, topic: context.messageTopic});
exports.asyncThrow = async (event, context) => { throw new Error('async boom'); };
exports.contextKeys = (event, context, callback) => callback(null, context);
let waiting = [];
exports.gather = (event, context, callback) => {
  // answers only when 4 calls are in flight at the same time
  waiting.push(callback);
  if (waiting.length === 4) { const all = waiting; waiting = []; all.forEach((cb) => cb(null, {ok: true})); }
};
exports.slow = (event, context, callback) => {
  fs.writeFileSync(event.marker, 'started');
  setTimeout(() => callback(null, {slow: 'done'}), 1000);
};
`;

const OTHER_INDEX_JS = `exports.handler = (event, context, callback) => callback(null, {from: 'other codedir'});\n`;
const NESTED_JS = `exports.handler = (event, context, callback) => callback(null, {nested: require('./helper').NAME});\n`;

const FAKE_LODASH = {
    'package.json': '{"name": "lodash", "version": "0.0.0-fake", "main": "lodash.js"}\n',
    'lodash.js': `// tiny stand-in for lodash, installed in codedir/node_modules as in chapter 15
exports.uniq = (arr) => Array.from(new Set(arr));
exports.sortBy = (arr, key) => arr.slice().sort((a, b) => key(a) - key(b));
exports.filter = (arr, pred) => arr.filter(pred);
`,
};

const SAYJS = {name: 'node85-sayhi', handler: 'index.handler', codedir: 'var/db/baetyl/function-sayhi'};

function assertUnknown(err, details) {
    assert.ok(err && err.code !== undefined, `expected a gRPC error, got ${err}`);
    assert.equal(err.code, grpc.status.UNKNOWN);
    assert.equal(err.details, details);
    return true;
}

describe('calls', () => {
    const wd = new h.Workdir();
    let rt;

    before(async () => {
        wd.copyExampleCode('function-sayjs-code', 'var/db/baetyl/function-sayhi');
        // native mode mounts volumes as symlinks: the codedir is one here
        wd.copyFixture('function-lodash', 'var/db/baetyl/function-sayjs-code');
        for (const [f, text] of Object.entries(FAKE_LODASH)) {
            wd.write(`var/db/baetyl/function-sayjs-code/node_modules/lodash/${f}`, text);
        }
        fs.symlinkSync(wd.join('var/db/baetyl/function-sayjs-code'), wd.join('var/db/baetyl/function-lodash'));
        wd.write('var/db/baetyl/function-misc/misc.js', MISC_JS);
        wd.write('var/db/baetyl/function-misc/index.js', OTHER_INDEX_JS);
        wd.write('var/db/baetyl/function-misc/lib/mod.js', NESTED_JS);
        wd.write('var/db/baetyl/function-misc/lib/helper.js', "exports.NAME = 'lib/mod';\n");
        const misc = ['echoType', 'retBuffer', 'retNull', 'retUndefined', 'retEmptyString', 'retZero', 'retString',
            'retCircular', 'retFunction', 'throwSync', 'callbackString', 'twice', 'asyncReturn', 'asyncThrow',
            'contextKeys', 'gather', 'slow'];
        wd.config({
            functions: [
                SAYJS,
                {name: 'sayhi', handler: 'index.handler', codedir: 'var/db/baetyl/function-lodash'},
                {name: 'other-index', handler: 'index.handler', codedir: 'var/db/baetyl/function-misc'},
                {name: 'nested', handler: 'lib/mod.handler', codedir: 'var/db/baetyl/function-misc'},
                ...misc.map((n) => ({name: n, handler: `misc.${n}`, codedir: 'var/db/baetyl/function-misc'})),
            ],
            server: {message: {length: {max: '64k'}}},
        });
        rt = new h.Runtime(wd, {port: await h.freePort()}).start();
        await rt.waitReady();
    });

    after(async () => {
        try {
            if (rt) assert.equal((await rt.terminate()).code, 0);
        } finally {
            if (rt) rt.close();
            wd.cleanup();
        }
    });

    // --- the seed tutorial (chapter 9 index.js)

    it('seed index.js: JSON payload gets the context keys and Say', async () => {
        const reply = await rt.call('node85-sayhi', '{"id":1}',
            {ID: 7, QOS: 1, Topic: 't', Timestamp: 1569246549, FunctionInvokeID: '8a2c-invoke'});
        assert.deepEqual(JSON.parse(reply.Payload.toString()), {
            id: 1, messageQOS: 1, messageTopic: 't', messageTimestamp: 1569246549,
            functionName: 'node85-sayhi', functionInvokeID: '8a2c-invoke', Say: 'Hello Baetyl'});
        assert.deepEqual([reply.ID, reply.QOS, reply.Topic, reply.Timestamp, reply.FunctionName, reply.FunctionInvokeID],
            ['7', 1, 't', '1569246549', 'node85-sayhi', '8a2c-invoke']);
    });

    it('seed index.js: {"err":...} is a [UserCodeInvoke] error', async () => {
        await assert.rejects(rt.call('node85-sayhi', '{"err":"boom"}'),
            (e) => assertUnknown(e, "Exception calling application: ('[UserCodeInvoke]', TypeError: boom)"));
    });

    it('seed index.js: non-JSON payload arrives as a Buffer', async () => {
        const out = await rt.callJson('node85-sayhi', 'hello, not json', {Topic: 't'});
        assert.equal(out.bytes, 'hello, not json');
        assert.equal(out.Say, 'Hello Baetyl');
        assert.equal(out.messageTopic, 't');
    });

    it('seed index.js: empty payload is {}', async () => {
        const out = await rt.callJson('node85-sayhi', '', {QOS: 0, Topic: 't'});
        assert.deepEqual(out, {messageQOS: 0, messageTopic: 't', messageTimestamp: 0,
            functionName: 'node85-sayhi', functionInvokeID: '', Say: 'Hello Baetyl'});
    });

    it('chapter 15: a package in codedir/node_modules loads (lodash example)', async () => {
        const input = {
            array: ['Jane', 1, 'Jane', 1, 2],
            users: [{user: 'barney', age: 36, active: true}, {user: 'fred', age: 40, active: false},
                {user: 'Jane', age: 32, active: true}],
        };
        assert.deepEqual(await rt.callJson('sayhi', JSON.stringify(input)), {
            unique_array: ['Jane', 1, 2],
            sorted_users: [input.users[2], input.users[0], input.users[1]],
            filtered_users: [input.users[1]],
        });
    });

    // --- payload decoding

    it('non-JSON and non-UTF-8 payloads are Buffers', async () => {
        assert.deepEqual(await rt.callJson('echoType', Buffer.from([0x22, 0xff, 0x22])), {type: 'Buffer', event: [34, 255, 34]});
        assert.deepEqual(await rt.callJson('echoType', 'abc'), {type: 'Buffer', event: [97, 98, 99]});
    });

    it('JSON scalars and arrays pass through; empty is {}', async () => {
        assert.deepEqual(await rt.callJson('echoType', '123'), {type: 'number', event: 123});
        assert.deepEqual(await rt.callJson('echoType', '[1,"a"]'), {type: 'array', event: [1, 'a']});
        assert.deepEqual(await rt.callJson('echoType', ''), {type: 'object', event: {}});
    });

    it('context keys', async () => {
        assert.deepEqual(await rt.callJson('contextKeys', '{}', {QOS: 1, Topic: 'a/b', Timestamp: -5, FunctionInvokeID: 'x'}), {
            messageQOS: 1, messageTopic: 'a/b', messageTimestamp: -5, functionName: 'contextKeys',
            functionInvokeID: 'x', invokeid: 'x'});
    });

    // --- results

    it('Buffer result is sent as is', async () => {
        assert.deepEqual([...(await rt.call('retBuffer')).Payload], [0, 114, 97, 119, 255]);
    });

    it('null, undefined and "" give an empty payload', async () => {
        for (const fn of ['retNull', 'retUndefined', 'retEmptyString']) {
            const reply = await rt.call(fn, '{"a":1}', {Topic: 't'});
            assert.equal(reply.Payload.length, 0, fn);
            assert.equal(reply.Topic, 't');
        }
    });

    it('other values are JSON.stringify-ed (0 included)', async () => {
        assert.equal((await rt.call('retZero')).Payload.toString(), '0');
        assert.equal((await rt.call('retString')).Payload.toString(), '"hi"');
    });

    it('an unserialisable result is a [UserCodeReturn] error', async () => {
        await assert.rejects(rt.call('retCircular'), (e) => {
            assert.equal(e.code, grpc.status.UNKNOWN);
            assert.match(e.details, /^Exception calling application: \('\[UserCodeReturn\]', TypeError: Converting circular structure to JSON/);
            return true;
        });
        await assert.rejects(rt.call('retFunction'), (e) => assertUnknown(e,
            "Exception calling application: ('[UserCodeReturn]', TypeError: a value of type function cannot be JSON-encoded)"));
    });

    // --- errors

    it('a handler that throws is a [UserCodeInvoke] error', async () => {
        await assert.rejects(rt.call('throwSync'),
            (e) => assertUnknown(e, "Exception calling application: ('[UserCodeInvoke]', RangeError: too far)"));
        await assert.rejects(rt.call('callbackString'),
            (e) => assertUnknown(e, "Exception calling application: ('[UserCodeInvoke]', plain failure)"));
    });

    it('async handlers without a callback', async () => {
        assert.deepEqual(await rt.callJson('asyncReturn', '{}', {Topic: 'x'}), {async: true, topic: 'x'});
        await assert.rejects(rt.call('asyncThrow'),
            (e) => assertUnknown(e, "Exception calling application: ('[UserCodeInvoke]', Error: async boom)"));
    });

    it('a second callback is ignored', async () => {
        assert.deepEqual(await rt.callJson('twice'), {n: 1});
        assert.deepEqual(await rt.callJson('twice'), {n: 1});
    });

    it('unknown function', async () => {
        await assert.rejects(rt.call('nope'), (e) => assertUnknown(e, 'Exception calling application: function (nope) not found'));
    });

    it('a message over message.length.max is refused and the runtime keeps serving', async () => {
        await assert.rejects(rt.call('echoType', `"${'x'.repeat(70 * 1024)}"`),
            (e) => { assert.equal(e.code, grpc.status.RESOURCE_EXHAUSTED); return true; });
        assert.deepEqual(await rt.callJson('echoType', '1'), {type: 'number', event: 1});
    });

    // --- loading

    it('same module name in two codedirs, and a module in a subfolder', async () => {
        assert.deepEqual(await rt.callJson('other-index', '{}'), {from: 'other codedir'});
        assert.equal((await rt.callJson('node85-sayhi', '{}')).Say, 'Hello Baetyl');
        assert.deepEqual(await rt.callJson('nested'), {nested: 'lib/mod'});
    });

    it('calls run concurrently', async () => {
        const results = await Promise.all([1, 2, 3, 4].map(() => rt.callJson('gather', '{}')));
        assert.deepEqual(results, [{ok: true}, {ok: true}, {ok: true}, {ok: true}]);
    });
});

describe('lifecycle', () => {
    let wd;
    let runtimes;

    beforeEach(() => {
        wd = new h.Workdir();
        wd.copyExampleCode('function-sayjs-code', 'var/db/baetyl/function-sayhi');
        runtimes = [];
    });

    afterEach(() => {
        runtimes.forEach((r) => r.close());
        wd.cleanup();
    });

    function start(opts) {
        const r = new h.Runtime(wd, opts).start();
        runtimes.push(r);
        return r;
    }

    async function assertStartupError(opts, ...needles) {
        const {code, output} = await h.runToExit(wd, opts);
        assert.notEqual(code, 0, output);
        for (const n of needles) assert.ok(output.includes(n), `expected ${JSON.stringify(n)} in:\n${output}`);
        return output;
    }

    const addressEnv = async () => ({env: {BAETYL_SERVICE_INSTANCE_ADDRESS: `127.0.0.1:${await h.freePort()}`}});

    it('SIGTERM exits 0', async () => {
        wd.config({functions: [SAYJS]});
        const r = await start({port: await h.freePort()}).waitReady();
        assert.equal((await r.call('node85-sayhi', '{"id":1}')).FunctionName, 'node85-sayhi');
        assert.deepEqual(await r.terminate(), {code: 0, signal: null});
        assert.match(r.output, /service closed/);
    });

    it('SIGTERM lets an in-flight call finish', async () => {
        wd.write('var/db/baetyl/function-sayhi/misc.js', MISC_JS);
        wd.config({functions: [{name: 'slow', handler: 'misc.slow', codedir: 'var/db/baetyl/function-sayhi'}],
            server: {timeout: '5s'}});
        const r = await start({port: await h.freePort()}).waitReady();
        const marker = wd.join('started.marker');
        const pending = r.callJson('slow', JSON.stringify({marker}));
        const deadline = Date.now() + 10000;
        while (!fs.existsSync(marker)) {
            assert.ok(Date.now() < deadline, 'handler never started');
            await h.sleep(20);
        }
        r.proc.kill('SIGTERM');
        assert.deepEqual(await pending, {slow: 'done'});
        assert.equal((await r.waitExit()).code, 0);
    });

    it('SIGTERM with a handler that never answers exits 0 after the grace period', async () => {
        wd.write('var/db/baetyl/function-sayhi/hang.js',
            "exports.handler = (event, context, callback) => { require('fs').writeFileSync(event.marker, ''); };\n");
        wd.config({functions: [{name: 'hang', handler: 'hang.handler', codedir: 'var/db/baetyl/function-sayhi'}],
            server: {timeout: '500ms'}});
        const r = await start({port: await h.freePort()}).waitReady();
        const marker = wd.join('hang.marker');
        const pending = r.call('hang', JSON.stringify({marker}), {}, 30000);
        pending.catch(() => {});
        const deadline = Date.now() + 10000;
        while (!fs.existsSync(marker)) {
            assert.ok(Date.now() < deadline, 'handler never started');
            await h.sleep(20);
        }
        const started = Date.now();
        r.proc.kill('SIGTERM');
        assert.equal((await r.waitExit(10000)).code, 0);
        assert.ok(Date.now() - started < 8000);
        await assert.rejects(pending);
    });

    it('address from config, name from env (logged to the configured file)', async () => {
        const port = await h.freePort();
        wd.config({name: 'from-config', server: {address: `127.0.0.1:${port}`}, functions: [SAYJS],
            logger: {path: 'var/log/baetyl/service.log', level: 'debug'}});
        const r = await start({env: {BAETYL_SERVICE_INSTANCE_NAME: 'node85-sayhi.1'}}).waitReady(port);
        await r.call('node85-sayhi', '{}');
        assert.equal((await r.terminate()).code, 0);
        const log = fs.readFileSync(wd.join('var/log/baetyl/service.log'), 'utf8');
        assert.match(log, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d - node85-sayhi\.1 - INFO - service starting/m);
    });

    it('address env precedence; OPENEDGE_SERVICE_NAME is not an address', async () => {
        const cases = [
            ['BAETYL_SERVICE_INSTANCE_ADDRESS', ['OPENEDGE_SERVICE_INSTANCE_ADDRESS', 'OPENEDGE_SERVICE_ADDRESS']],
            ['OPENEDGE_SERVICE_INSTANCE_ADDRESS', ['OPENEDGE_SERVICE_ADDRESS']],
            ['OPENEDGE_SERVICE_ADDRESS', []],
        ];
        for (const [winner, losers] of cases) {
            const configPort = await h.freePort();
            const port = await h.freePort();
            const loserPort = await h.freePort();
            wd.config({server: {address: `127.0.0.1:${configPort}`}, functions: [SAYJS]});
            const env = {[winner]: `127.0.0.1:${port}`, OPENEDGE_SERVICE_NAME: 'function-sayjs'};
            for (const l of losers) env[l] = `127.0.0.1:${loserPort}`;
            const r = await start({env}).waitReady(port);
            assert.equal(await h.portOpen(configPort), false, winner);
            assert.equal(await h.portOpen(loserPort), false, winner);
            assert.equal((await r.terminate()).code, 0);
        }
        // only OPENEDGE_SERVICE_NAME set: the config's address is used (the original used the name as address)
        const port = await h.freePort();
        wd.config({server: {address: `127.0.0.1:${port}`}, functions: [SAYJS]});
        const r = await start({env: {OPENEDGE_SERVICE_NAME: 'function-sayjs'}}).waitReady(port);
        assert.equal((await r.terminate()).code, 0);
    });

    it('-c selects the config file', async () => {
        const port = await h.freePort();
        wd.config({server: {address: `127.0.0.1:${port}`}, functions: [SAYJS]}, 'conf/other.yml');
        const r = await start({args: ['-c', 'conf/other.yml']}).waitReady(port);
        assert.equal((await r.terminate()).code, 0);
    });

    it('runs from an installed package layout (bin/ + function.proto + node_modules), executed as the native engine does', async () => {
        const pkg = wd.join('lib/baetyl/baetyl-function-node');
        fs.mkdirSync(path.join(pkg, 'bin'), {recursive: true});
        fs.copyFileSync(h.RUNTIME, path.join(pkg, 'bin', 'function-node.js'));
        fs.chmodSync(path.join(pkg, 'bin', 'function-node.js'), 0o755);
        fs.copyFileSync(h.PROTO, path.join(pkg, 'function.proto'));
        fs.symlinkSync(path.join(h.MODULE_DIR, 'node_modules'), path.join(pkg, 'node_modules'));
        const port = await h.freePort();
        wd.config({functions: [SAYJS]});
        const r = await start({port, script: path.join(pkg, 'bin', 'function-node.js'), exec: true}).waitReady();
        assert.equal((await r.callJson('node85-sayhi', '{}')).Say, 'Hello Baetyl');
        // the same process (exec), now node with the runtime's V8 flag
        const cmdline = fs.readFileSync(`/proc/${r.proc.pid}/cmdline`, 'utf8').split('\0');
        assert.deepEqual(cmdline.slice(1, 3), ['--max-semi-space-size=1', path.join(pkg, 'bin', 'function-node.js')]);
        assert.equal((await r.terminate()).code, 0);
    });

    it('missing codedir is a startup error', async () => {
        wd.config({functions: [{...SAYJS, codedir: 'var/db/baetyl/nowhere'}]});
        await assertStartupError(await addressEnv(), 'function (node85-sayhi)', 'codedir (var/db/baetyl/nowhere) not found');
    });

    it('missing module is a startup error', async () => {
        wd.config({functions: [{...SAYJS, handler: 'indx.handler'}]});
        await assertStartupError(await addressEnv(), 'function (node85-sayhi)', 'cannot load module (indx)',
            'handler (indx.handler)', 'codedir (var/db/baetyl/function-sayhi)', 'Cannot find module');
    });

    it('missing handler export is a startup error', async () => {
        wd.config({functions: [{...SAYJS, handler: 'index.handle'}]});
        await assertStartupError(await addressEnv(), 'function (node85-sayhi)', 'handler (index.handle) not found',
            'codedir (var/db/baetyl/function-sayhi)', 'no export (handle)');
    });

    it('a module that fails to load is a startup error', async () => {
        wd.write('var/db/baetyl/function-sayhi/broken.js', "require('not-a-module-xyz');\n");
        wd.config({functions: [{...SAYJS, handler: 'broken.handler'}]});
        await assertStartupError(await addressEnv(), 'function (node85-sayhi)', 'not-a-module-xyz');
    });

    it('missing address, missing config file, bad values', async () => {
        await assertStartupError({}, 'cannot read config file (etc/baetyl/service.yml)');
        wd.config({functions: [SAYJS]});
        await assertStartupError({}, 'missing server address');
        wd.config({functions: [SAYJS], server: {message: {length: {max: 'lots'}}}});
        await assertStartupError(await addressEnv(), 'server.message.length.max', 'lots');
        wd.config({functions: [SAYJS], server: {timeout: 'soon'}});
        await assertStartupError(await addressEnv(), 'server.timeout', 'soon');
        wd.config({functions: [SAYJS, SAYJS]});
        await assertStartupError(await addressEnv(), 'function name (node85-sayhi) is used twice');
    });

    it('port in use is a startup error', async () => {
        const port = await h.freePort();
        wd.config({functions: [SAYJS]});
        const first = await start({port}).waitReady();
        await assertStartupError({port}, `cannot listen on server address (127.0.0.1:${port})`);
        assert.equal((await first.terminate()).code, 0);
    });
});

describe('tls', {skip: !h.hasOpenssl() && 'openssl CLI not installed'}, () => {
    let wd;
    let certs;
    let r;

    beforeEach(() => {
        wd = new h.Workdir();
        wd.copyExampleCode('function-sayjs-code', 'var/db/baetyl/function-sayhi');
        certs = h.makeCerts(wd.join('var/db/baetyl/cert'));
        r = null;
    });

    afterEach(() => {
        if (r) r.close();
        wd.cleanup();
    });

    const KEY = {key: 'var/db/baetyl/cert/server.key', cert: 'var/db/baetyl/cert/server.pem'};

    it('serves TLS with key and cert', async () => {
        wd.config({functions: [SAYJS], server: KEY});
        r = await new h.Runtime(wd, {port: await h.freePort()}).start()
            .waitReady(undefined, undefined, grpc.credentials.createSsl(certs.ca));
        assert.equal((await r.callJson('node85-sayhi', '{"id":1}')).id, 1);
        assert.equal((await r.terminate()).code, 0);
    });

    it('with a ca, clients must present a certificate', async () => {
        wd.config({functions: [SAYJS], server: {...KEY, ca: 'var/db/baetyl/cert/ca.pem'}});
        const port = await h.freePort();
        r = await new h.Runtime(wd, {port}).start()
            .waitReady(undefined, undefined, grpc.credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert));
        assert.equal((await r.callJson('node85-sayhi', '{}')).Say, 'Hello Baetyl');
        const anonymous = new h.FunctionClient(`127.0.0.1:${port}`, grpc.credentials.createSsl(certs.ca));
        try {
            await assert.rejects(new Promise((resolve, reject) => anonymous.Call({FunctionName: 'node85-sayhi'},
                {deadline: Date.now() + 5000}, (err, reply) => (err ? reject(err) : resolve(reply)))),
            (e) => { assert.equal(e.code, grpc.status.UNAVAILABLE); return true; });
        } finally {
            anonymous.close();
        }
        assert.equal((await r.terminate()).code, 0);
    });

    it('key without cert is a startup error', async () => {
        wd.config({functions: [SAYJS], server: {key: KEY.key}});
        const {code, output} = await h.runToExit(wd, {port: await h.freePort()});
        assert.notEqual(code, 0);
        assert.match(output, /server.key and server.cert must be set together/);
    });
});
