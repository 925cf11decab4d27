// Issue 12's application-layer defects, each reproduced through the real binary: header
// injection, client strings as metric labels, unauthenticated disk fill, endpoints open with
// keys required, a second server on a busy port, and a non-streamed client that gives up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild, runGw } from './harness.mjs';

let fake, s, gw, base, key;
const env = (extra = {}) => cleanEnv({ GW_DB: s.db, GW_TEST_METRICS_TOKEN: 'metrics-secret-1', ...extra });
const sql = (q) => execFileSync('sqlite3', ['-json', s.db, q]).toString().trim();
const rows = (q) => { const out = sql(q); return out ? JSON.parse(out) : []; };
const chat = (body, headers = {}) => fetch(`${base}/v1/chat/completions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const msgs = [{ role: 'user', content: 'hi' }];

// Writes raw bytes, returns everything the server sent until it closed (bounded).
function raw(port, bytes, ms = 3000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); resolve(got.toString('latin1')); }, ms);
    sock.on('data', (d) => { got = Buffer.concat([got, d]); });
    sock.on('close', () => { clearTimeout(timer); resolve(got.toString('latin1')); });
    sock.on('error', reject);
    sock.write(bytes);
  });
}

before(async () => {
  fake = await startFake();
  s = scratch(fakeProviders(fake, `
[server]
auth = "keys"
metrics_token_env = "GW_TEST_METRICS_TOKEN"

[prices."fake/known-model"]
input = 1
output = 1
`));
  const created = await runGw(['--config', s.config, 'keys', 'create', '--name', 'ci'], { env: env() });
  assert.equal(created.code, 0, created.stderr);
  key = created.stdout.trim();
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
});
after(async () => {
  if (gw) await stopChild(gw.child);
  await fake.stop();
  s.cleanup();
});

test('a model with CR/LF cannot split the response head: 400 invalid_model', async () => {
  const port = new URL(base).port;
  const body = JSON.stringify({ model: 'fake/x\r\nSet-Cookie: pwned=1', messages: msgs });
  const out = await raw(port, `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  const head = out.slice(0, out.indexOf('\r\n\r\n'));
  assert.match(head, /^HTTP\/1\.1 400 /);
  assert.doesNotMatch(head, /Set-Cookie/i);
  const err = JSON.parse(out.slice(out.indexOf('\r\n\r\n') + 4)).error;
  assert.equal(err.code, 'invalid_model');
  assert.equal(err.param, 'model');
  for (const model of ['gemini/../../admin/x?y#', 'fakegemini/x:generateContent?key=abc&', 'fake/a b', 'x'.repeat(257)]) {
    const r = await chat({ model, messages: msgs });
    assert.equal(r.status, 400, model);
    assert.equal((await r.json()).error.code, 'invalid_model', model);
  }
  const seen = await fake.requests();
  assert.ok(seen.every((q) => !/[\r\n?#]|\.\./.test(q.path)), JSON.stringify(seen.map((q) => q.path)));
});

test('client-chosen model names never become metric labels', async () => {
  for (let i = 0; i < 200; i++) {
    const r = await chat({ model: `fake/made-up-${i}`, messages: msgs });
    assert.equal(r.status, 200);
    await r.arrayBuffer();
  }
  const known = await chat({ model: 'fake/known-model', messages: msgs });
  assert.equal(known.status, 200);
  const m = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer metrics-secret-1' } });
  assert.equal(m.status, 200);
  const text = await m.text();
  assert.doesNotMatch(text, /made-up-/);
  assert.match(text, /gw_requests_total\{[^}]*model="other"[^}]*\} 200/);
  assert.match(text, /model="known-model"/);
  assert.ok(text.length < 64 * 1024, `metrics grew to ${text.length} bytes`);
});

test('/metrics needs its token when one is configured; /healthz stays open', async () => {
  assert.equal((await fetch(`${base}/metrics`)).status, 401);
  assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
  assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${key}` } })).status, 401);
  const h = await fetch(`${base}/healthz`);
  assert.equal(h.status, 200);
  assert.deepEqual(await h.json(), { status: 'ok' });
});

test('/v1/models needs a key when keys are required', async () => {
  const none = await fetch(`${base}/v1/models`);
  assert.equal(none.status, 401);
  assert.equal((await none.json()).error.code, 'invalid_api_key');
  assert.equal((await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer gk-bogus' } })).status, 401);
  const ok = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).object, 'list');
});

test('authentication comes before the body: no key and bad JSON is 401, recorded without the body', async () => {
  const r = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
  assert.equal(r.status, 401);
  const huge = 'm'.repeat(1 << 20);
  for (let i = 0; i < 5; i++) {
    const q = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-request-tag': `flood-${i}` },
      body: JSON.stringify({ model: huge, messages: msgs }),
    });
    assert.equal(q.status, 401);
    await q.arrayBuffer();
  }
  // A valid key and a 1 MB model: 400, and the row keeps at most 256 bytes of it.
  const big = await chat({ model: huge, messages: msgs, user: 'u\r\n'.repeat(1000) });
  assert.equal(big.status, 400);
  await stopChild(gw.child);  // flushes the ledger
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
  const [longest] = rows('SELECT max(length(requested_model)) AS m, max(length(user)) AS u FROM ledger');
  assert.ok(longest.m <= 256 && longest.u <= 256, JSON.stringify(longest));
  const refused = rows("SELECT status, requested_model FROM ledger WHERE status = 401");
  assert.ok(refused.length >= 6, `every refused request leaves a row (got ${refused.length})`);
  assert.ok(refused.every((r) => r.requested_model === ''), 'nothing of an unauthenticated body is kept');
  const bad = rows("SELECT count(*) AS n FROM ledger WHERE user GLOB '*[\r\n]*' OR requested_model GLOB '*[\r\n]*'");
  assert.equal(bad[0].n, 0);
});

test('a second gw serve on a port in use refuses to start (exit 3)', async () => {
  const port = new URL(base).port;
  const r = await runGw(['--config', s.config, 'serve', '--listen', `127.0.0.1:${port}`], { env: env(), timeoutMs: 10000 });
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stderr, /address in use/);
  const h = await fetch(`${base}/healthz`);
  assert.equal(h.status, 200);
});

test('a client that gives up on a non-streamed request cancels the upstream call; the row says so', async () => {
  const t0 = Date.now();
  const port = new URL(base).port;
  const body = JSON.stringify({ model: 'fake/gpt-b+stall=5000', messages: msgs, user: 'gives-up' });
  const sock = net.connect(port, '127.0.0.1');
  sock.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await new Promise((r) => setTimeout(r, 500));
  sock.destroy();
  await stopChild(gw.child);
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
  const [row] = rows("SELECT status, cancelled, latency_ms, error_type FROM ledger WHERE user = 'gives-up'");
  assert.ok(row, 'the abandoned request has its row');
  assert.equal(row.cancelled, 1);
  assert.equal(row.status, 499);
  assert.ok(row.latency_ms < 3000, `cancelled at once, not after the upstream's 5 s (${row.latency_ms} ms)`);
  assert.ok(Date.now() - t0 < 15000);
});
