'use strict';
// Starts the real runtime as a child process on a free 127.0.0.1 port and talks to it over gRPC.

const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const {spawn, execFileSync} = require('child_process');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const yaml = require('js-yaml');

const MODULE_DIR = path.resolve(__dirname, '..');
const RUNTIME = path.join(MODULE_DIR, 'bin', 'function-node.js');
const PROTO = path.resolve(MODULE_DIR, '..', 'proto', 'src', 'main', 'proto', 'function.proto');
const FIXTURES = path.join(__dirname, 'fixtures');
// The docs' function code as the native example installs it, so the tests run exactly what users get.
const EXAMPLE_DB = path.resolve(MODULE_DIR, '..', 'example', 'native', 'var', 'db', 'baetyl');
const START_TIMEOUT = 20000;
const STOP_TIMEOUT = 15000;
const CALL_TIMEOUT = 10000;
const RUNTIME_ENVS = ['BAETYL_SERVICE_INSTANCE_NAME', 'OPENEDGE_SERVICE_INSTANCE_NAME', 'OPENEDGE_SERVICE_NAME',
    'BAETYL_SERVICE_INSTANCE_ADDRESS', 'OPENEDGE_SERVICE_INSTANCE_ADDRESS', 'OPENEDGE_SERVICE_ADDRESS'];

const FunctionClient = grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO, {keepCase: true, longs: String, defaults: true})).baetyl.Function;

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const {port} = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

function portOpen(port) {
    return new Promise((resolve) => {
        const sock = net.connect({host: '127.0.0.1', port});
        sock.setTimeout(300);
        sock.on('connect', () => { sock.destroy(); resolve(true); });
        sock.on('timeout', () => { sock.destroy(); resolve(false); });
        sock.on('error', () => resolve(false));
    });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Workdir {
    constructor() {
        this.path = fs.mkdtempSync(path.join(os.tmpdir(), 'fn-test-'));
    }

    join(...parts) {
        return path.join(this.path, ...parts);
    }

    write(rel, text) {
        const p = this.join(rel);
        fs.mkdirSync(path.dirname(p), {recursive: true});
        fs.writeFileSync(p, text);
        return p;
    }

    copyFixture(name, rel) {
        fs.cpSync(path.join(FIXTURES, name), this.join(rel), {recursive: true});
    }

    copyExampleCode(name, rel) {
        fs.cpSync(path.join(EXAMPLE_DB, name), this.join(rel), {recursive: true});
    }

    config(cfg, rel = 'etc/baetyl/service.yml') {
        return this.write(rel, typeof cfg === 'string' ? cfg : yaml.dump(cfg));
    }

    cleanup() {
        fs.rmSync(this.path, {recursive: true, force: true});
    }
}

class Runtime {
    /** exec: run the script as a program (its first lines re-exec node with the runtime's flags), as the native
     * engine and the Docker image do; otherwise `node script`. */
    constructor(workdir, {env = {}, args = [], port, script = RUNTIME, exec = false} = {}) {
        this.workdir = workdir;
        this.port = port;
        this.env = {...process.env};
        for (const k of RUNTIME_ENVS) delete this.env[k];
        delete this.env.NODE_OPTIONS;
        delete this.env.NODE_TEST_CONTEXT;
        if (port !== undefined) this.env.BAETYL_SERVICE_INSTANCE_ADDRESS = `127.0.0.1:${port}`;
        Object.assign(this.env, env);
        this.args = args;
        this.script = script;
        this.exec = exec;
        this.output = '';
        this.client = null;
    }

    start() {
        this.proc = spawn(this.exec ? this.script : process.execPath, this.exec ? this.args : [this.script, ...this.args],
            {cwd: this.workdir.path, env: this.env, stdio: ['ignore', 'pipe', 'pipe']});
        this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({code, signal})));
        this.proc.stdout.on('data', (d) => { this.output += d; });
        this.proc.stderr.on('data', (d) => { this.output += d; });
        return this;
    }

    get running() {
        return this.proc.exitCode === null && this.proc.signalCode === null;
    }

    async waitReady(port = this.port, timeout = START_TIMEOUT, credentials = grpc.credentials.createInsecure()) {
        const deadline = Date.now() + timeout;
        for (;;) {
            if (!this.running) throw new Error(`runtime exited with ${this.proc.exitCode} before listening:\n${this.output}`);
            if (await portOpen(port)) break;
            if (Date.now() > deadline) throw new Error(`runtime did not listen on ${port} within ${timeout}ms:\n${this.output}`);
            await sleep(50);
        }
        this.client = new FunctionClient(`127.0.0.1:${port}`, credentials);
        await new Promise((resolve, reject) => this.client.waitForReady(deadline, (err) => (err ? reject(err) : resolve())));
        return this;
    }

    call(functionName, payload = Buffer.alloc(0), fields = {}, timeout = CALL_TIMEOUT) {
        const msg = {FunctionName: functionName, Payload: Buffer.from(payload), ...fields};
        return new Promise((resolve, reject) => {
            this.client.Call(msg, {deadline: Date.now() + timeout}, (err, reply) => (err ? reject(err) : resolve(reply)));
        });
    }

    async callJson(functionName, payload, fields) {
        const reply = await this.call(functionName, payload, fields);
        return JSON.parse(reply.Payload.toString('utf8'));
    }

    async waitExit(timeout = STOP_TIMEOUT) {
        let timer;
        const timedOut = new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeout); });
        const result = await Promise.race([this.exited, timedOut]);
        clearTimeout(timer);
        if (result === null) {
            this.proc.kill('SIGKILL');
            throw new Error(`runtime did not exit within ${timeout}ms:\n${this.output}`);
        }
        return result;
    }

    async terminate(timeout = STOP_TIMEOUT) {
        if (this.running) this.proc.kill('SIGTERM');
        return this.waitExit(timeout);
    }

    close() {
        if (this.client) this.client.close();
        if (this.proc && this.running) this.proc.kill('SIGKILL');
    }
}

/** A CA plus server and client certificates for 127.0.0.1, made with the openssl CLI. */
function makeCerts(dir) {
    fs.mkdirSync(dir, {recursive: true});
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    const openssl = (...args) => execFileSync('openssl', args, {cwd: dir, stdio: 'ignore', timeout: 30000});
    openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=baetyl-test-ca');
    fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    for (const n of ['server', 'client']) {
        openssl('req', ...ec, '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/CN=${n}`);
        openssl('x509', '-req', '-in', `${n}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
            '-out', `${n}.pem`, '-days', '2', '-extfile', 'san.ext');
    }
    const read = (f) => fs.readFileSync(path.join(dir, f));
    return {ca: read('ca.pem'), clientKey: read('client.key'), clientCert: read('client.pem')};
}

function hasOpenssl() {
    try {
        execFileSync('openssl', ['version'], {stdio: 'ignore', timeout: 10000});
        return true;
    } catch (err) {
        return false;
    }
}

async function runToExit(workdir, opts) {
    const r = new Runtime(workdir, opts).start();
    try {
        const {code} = await r.waitExit();
        return {code, output: r.output};
    } finally {
        r.close();
    }
}

module.exports = {Workdir, Runtime, runToExit, makeCerts, hasOpenssl, FunctionClient, freePort, portOpen, sleep, grpc, MODULE_DIR, PROTO, RUNTIME};
