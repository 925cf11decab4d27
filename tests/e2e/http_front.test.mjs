// gw serve's own HTTP/1.1 front, spoken to over raw sockets: framing cases the SDKs never
// produce (100-continue, chunked bodies, pipelining, HTTP/1.0, garbage), and the event-loop
// design itself: many concurrent streams held by a handful of threads, graceful shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild } from './harness.mjs';

let fake, s, gw, port;

before(async () => {
  fake = await startFake();
  s = scratch(`
[server]
max_body_bytes = 20000
threads = 2
${fakeProviders(fake)}`);
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'],
    { env: cleanEnv({ GW_DB: s.db }), readyPrefix: 'gw serve: listening on ' });
  port = Number(new URL(gw.value.split(' ')[0]).port);
});
after(async () => {
  await stopChild(gw?.child);
  await fake?.stop();
  s?.cleanup();
});

const chatBody = (model, extra = {}) =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

// Sends raw bytes (string or array of strings written with small pauses) and collects what
// comes back until the server closes or `until(text)` holds; bounded by `ms`.
function raw(parts, { until = null, ms = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    let closed = false;
    const timer = setTimeout(() => { sock.destroy(); resolve({ text: got, closed }); }, ms);
    sock.on('data', (d) => {
      got += d.toString();
      if (until && until(got)) { clearTimeout(timer); sock.destroy(); resolve({ text: got, closed }); }
    });
    sock.on('end', () => { closed = true; });
    sock.on('close', () => { clearTimeout(timer); resolve({ text: got, closed: true }); });
    sock.on('error', reject);
    sock.on('connect', async () => {
      for (const p of [].concat(parts)) {
        sock.write(p);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  });
}

const post = (body, headers = '') =>
  `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;
const count = (text, re) => (text.match(re) || []).length;

test('keep-alive and pipelining: several requests on one connection, answered in order', async () => {
  const reqs = [post(chatBody('fake/a')), post(chatBody('fake/b')), post(chatBody('fake/c'))];
  const { text } = await raw(reqs.join(''), { until: (t) => count(t, /HTTP\/1\.1 200/g) === 3 && t.trimEnd().endsWith('}') });
  assert.equal(count(text, /HTTP\/1\.1 200 OK/g), 3);
  const models = [...text.matchAll(/"model":"([^"]+)"/g)].map((m) => m[1]);
  assert.ok(models.length >= 3);
});

test('Expect: 100-continue gets an interim 100 before the answer', async () => {
  const body = chatBody('fake/x');
  const head = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`;
  const { text } = await raw([head, body], { until: (t) => /HTTP\/1\.1 200/.test(t) && t.trimEnd().endsWith('}') });
  assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
});

test('a chunked request body is decoded', async () => {
  const body = chatBody('fake/x');
  const half = Math.floor(body.length / 2);
  const req = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Transfer-Encoding: chunked\r\n\r\n${half.toString(16)}\r\n${body.slice(0, half)}\r\n` +
    `${(body.length - half).toString(16)}\r\n${body.slice(half)}\r\n0\r\n\r\n`;
  const { text } = await raw([req.slice(0, 90), req.slice(90)], { until: (t) => t.trimEnd().endsWith('}') });
  assert.match(text, /^HTTP\/1\.1 200 OK/);
  assert.match(text, /"choices"/);
});

test('HTTP/1.0 gets its answer and the connection closes', async () => {
  const body = chatBody('fake/x');
  const req = `POST /v1/chat/completions HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const { text, closed } = await raw(req);
  assert.match(text, /^HTTP\/1\.1 200 OK/);
  assert.match(text, /Connection: close/i);
  assert.ok(closed);
});

test('protocol errors are OpenAI-shaped and close the connection', async () => {
  const cases = [
    ['GARBAGE\r\n\r\n', 400],
    ['GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505],
    [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n`, 413],
    [`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`, 400],
    [`GET /v1/x HTTP/1.1\r\nHost: x\r\n${'X-Big: ' + 'y'.repeat(70000)}\r\n\r\n`, 431],
  ];
  for (const [req, status] of cases) {
    const { text, closed } = await raw(req);
    assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `), req.slice(0, 40));
    const json = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
    assert.equal(typeof json.error.message, 'string');
    assert.ok(closed, `closed after ${status}`);
  }
});

test('unknown URL is 404 unknown_url, a wrong method 405, and the connection stays usable', async () => {
  const reqs = 'GET /v2/nothing HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/chat/completions HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  const { text } = await raw(reqs, { until: (t) => t.includes('{"status":"ok"}') });
  assert.match(text, /^HTTP\/1\.1 404 /);
  assert.match(text, /"code":"unknown_url"/);
  assert.match(text, /HTTP\/1\.1 405 /);
  assert.match(text, /\{"status":"ok"\}/);
});

test('JSON nested absurdly deep is refused before parsing', async () => {
  const deep = '['.repeat(5000) + ']'.repeat(5000);
  const body = `{"model":"fake/x","messages":[{"role":"user","content":"hi"}],"metadata":{"x":${deep}}}`;
  const { text } = await raw(post(body), { until: (t) => t.trimEnd().endsWith('}') });
  assert.match(text, /^HTTP\/1\.1 400 /);
  assert.match(text, /nests JSON deeper/);
});

test('60 concurrent streams are held by a handful of threads', async () => {
  const body = chatBody('fake/held+words=12+pace=100', { stream: true });
  const N = 60;  // the fake serves 64 connections at a time
  const done = [];
  let maxThreads = 0;
  const pid = gw.child.pid;
  const threads = () => Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  const sampler = setInterval(() => { maxThreads = Math.max(maxThreads, threads()); }, 100);
  for (let i = 0; i < N; i++) done.push(raw(post(body), { until: (t) => t.includes('[DONE]'), ms: 20000 }));
  const results = await Promise.all(done);
  clearInterval(sampler);
  const bad = results.filter((r) => !/^HTTP\/1\.1 200 OK/.test(r.text) || !/data: \[DONE\]/.test(r.text));
  assert.equal(bad.length, 0, `${bad.length} of ${N} streams failed, e.g. ${JSON.stringify(bad[0]?.text.slice(0, 300))}`);
  for (const r of results) {
    assert.match(r.text, /^HTTP\/1\.1 200 OK/);
    assert.match(r.text, /data: \[DONE\]/);
  }
  // 2 event loops + the main thread + the ledger writer + the signal waiter: no thread per stream.
  assert.ok(maxThreads <= 8, `gw used ${maxThreads} threads for ${N} streams`);
});

test('SIGTERM lets an in-flight stream finish, then exits 0', async () => {
  const other = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'],
    { env: cleanEnv({ GW_DB: s.db }), readyPrefix: 'gw serve: listening on ' });
  const otherPort = Number(new URL(other.value.split(' ')[0]).port);
  const body = chatBody('fake/slowish+words=10+pace=100', { stream: true });
  const streamed = new Promise((resolve) => {
    const sock = net.connect(otherPort, '127.0.0.1', () => sock.write(post(body)));
    let got = '';
    sock.on('data', (d) => { got += d; });
    sock.on('close', () => resolve(got));
    setTimeout(() => sock.destroy(), 10000);
  });
  await new Promise((r) => setTimeout(r, 300));
  const code = await stopChild(other.child, 'SIGTERM');
  const text = await streamed;
  assert.equal(code, 0);
  assert.match(text, /data: \[DONE\]/);
});
