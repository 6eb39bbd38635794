// A CouchDB-compatible server for the sync tests: PouchDB Server (npm `pouchdb-server`,
// in memory) started on loopback, reached through a recording pass-through that keeps
// every request the app made (method, path, headers, body) and can cut the connection
// the way a network does: refuse connections (the server down), or break one reply off
// halfway after the server acted on the request (a connection lost mid-batch).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'pouchdb-server');

function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.on('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

/** Starts the server; resolves once it answers. */
export async function startCouch() {
  const port = await freePort();
  // Its config.json and log land in a directory of its own, removed at close.
  const dir = await mkdtemp(join(tmpdir(), 'pocket-chat-couch-'));
  const child = spawn(BIN, ['--in-memory', '--port', String(port), '--host', '127.0.0.1', '--no-stdout-logs'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const direct = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(direct)).ok) break;
    } catch { /* not listening yet */ }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pouchdb-server did not start: ${stderr}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }

  const couch = {
    /** Every request the app sent: `{ method, path, headers, body }`. */
    requests: [],
    /** Bytes of request bodies the app sent, and of reply bodies it received. */
    bytes: { sent: 0, received: 0 },
    /** Called with each of the app's requests (`{ method, path }`) before it goes on:
     *  what another device or tab does meanwhile. */
    beforeForward: null,
    /** Errors thrown by `beforeForward`. */
    hookErrors: [],
    /** While true, every connection is refused: the server is down. */
    down: false,
    /** The next request whose `METHOD /path` includes this loses its reply, after the
     *  server acted on it. */
    dropReplyOf: null,
    /** With `dropReplyOf`: the server is down from that cut on (`down` set), so no sync
     *  that runs by itself can finish what the test looks at next. */
    downAfterDrop: false,
    /** Requests whose `METHOD /path` includes this are taken and never answered. */
    hang: null,
    /** Called with `{ method, path }` and the reply's text; what it returns is sent
     *  instead (`undefined`: the reply as it is). A broken or hostile server. */
    alterReply: null,
    direct,
    url: null,

    /** Asks the server itself (not through the pass-through), as an administrator would. */
    async admin(method, path, body, auth) {
      const headers = { 'content-type': 'application/json' };
      if (auth) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
      const res = await fetch(`${direct}/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text);
    },
    /** A new empty database; its URL as the app reaches it. */
    async database(name) {
      await couch.admin('PUT', name);
      return `${couch.url}/${name}`;
    },
    /** Every live document of database `name`. */
    async docs(name, auth) {
      const all = await couch.admin('GET', `${name}/_all_docs?include_docs=true`, undefined, auth);
      return all.rows.map((r) => r.doc);
    },
    /** The bodies of the `_bulk_docs` requests the app sent to database `name`. */
    bulkDocs(name) {
      return couch.requests
        .filter((r) => r.method === 'POST' && r.path.startsWith(`/${name}/_bulk_docs`))
        .map((r) => JSON.parse(r.body));
    },
    /** Back to a plain pass-through: up, nothing cut, hung or altered, no hook; the
     *  requests forgotten. Before each test, so one that failed midway leaves nothing
     *  behind for the next. */
    reset() {
      Object.assign(couch, { down: false, dropReplyOf: null, downAfterDrop: false, hang: null, alterReply: null, beforeForward: null });
      couch.requests.length = 0;
      couch.hookErrors.length = 0;
    },
    close: async () => {
      await new Promise((ok) => { proxy.closeAllConnections(); proxy.close(ok); });
      child.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };

  const proxy = createServer((req, res) => {
    if (couch.down) {
      req.socket.destroy();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      couch.bytes.sent += body.length;
      if (req.method !== 'OPTIONS') {
        couch.requests.push({ method: req.method, path: req.url, headers: req.headers, body: body.toString() });
      }
      // A preflight is the browser's, not the app's request.
      if (req.method !== 'OPTIONS') {
        try {
          await couch.beforeForward?.({ method: req.method, path: req.url });
        } catch (e) {
          // A test's hook that failed: kept for the test to see, never an unhandled rejection.
          couch.hookErrors.push(e);
        }
      }
      const drop = req.method !== 'OPTIONS' && couch.dropReplyOf && `${req.method} ${req.url}`.includes(couch.dropReplyOf);
      if (drop) couch.dropReplyOf = null;
      if (req.method !== 'OPTIONS' && couch.hang && `${req.method} ${req.url}`.includes(couch.hang)) {
        // Taken, never answered; the connection stays open until the browser gives up.
        res.on('close', () => {});
        return;
      }
      const alter = req.method !== 'OPTIONS' ? couch.alterReply : null;
      // A reply to be altered is asked for as plain text.
      const headers = { ...req.headers, host: `127.0.0.1:${port}`, ...(alter ? { 'accept-encoding': 'identity' } : {}) };
      const forward = httpRequest(`${direct}${req.url}`, { method: req.method, headers }, (reply) => {
        if (drop) {
          // The server did the work; the reply breaks off halfway (a reply never begun
          // the browser would send again by itself).
          const parts = [];
          reply.on('data', (c) => parts.push(c));
          reply.on('end', () => {
            const whole = Buffer.concat(parts);
            res.writeHead(reply.statusCode, { ...reply.headers, 'content-length': String(whole.length) });
            res.write(whole.subarray(0, Math.floor(whole.length / 2)));
            if (couch.downAfterDrop) couch.down = true;
            setTimeout(() => req.socket.destroy(), 50);
          });
          return;
        }
        if (alter) {
          const parts = [];
          reply.on('data', (c) => parts.push(c));
          reply.on('end', () => {
            const text = Buffer.concat(parts).toString();
            const changed = alter({ method: req.method, path: req.url }, text);
            const body = Buffer.from(changed === undefined ? text : changed);
            const headers = { ...reply.headers, 'content-length': String(body.length) };
            delete headers['content-encoding'];
            delete headers['transfer-encoding'];
            res.writeHead(reply.statusCode, headers);
            couch.bytes.received += body.length;
            res.end(body);
          });
          return;
        }
        res.writeHead(reply.statusCode, reply.headers);
        reply.on('data', (c) => { couch.bytes.received += c.length; });
        reply.pipe(res);
      });
      forward.on('error', () => req.socket.destroy());
      forward.end(body);
    });
  });
  await new Promise((ok) => proxy.listen(0, '127.0.0.1', ok));
  couch.url = `http://127.0.0.1:${proxy.address().port}`;
  return couch;
}
