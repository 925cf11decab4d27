// Shared helpers of the fault-injection suite: start the fake upstream and `gw serve` on
// 127.0.0.1, send raw requests, read SSE, read ledger rows with the sqlite3 CLI, measure RSS.
// Every wait here is bounded in time; every process started is ended by PID.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import http from 'node:http';
import assert from 'node:assert/strict';
import { FAKE, scratch, fakeProviders, cleanEnv, spawnGw, stopChild } from '../e2e/harness.mjs';

export { scratch, fakeProviders, cleanEnv, stopChild };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const user = (content) => [{ role: 'user', content }];

const mine = new Set();
process.on('exit', () => { for (const c of mine) try { c.kill('SIGKILL'); } catch {} });

// The fake upstream with `threads` workers (cpp-httplib: one per open connection).
export async function startFake({ threads = 128 } = {}) {
  const child = spawn(FAKE, ['--port', '0', '--threads', String(threads)], { stdio: ['ignore', 'pipe', 'inherit'] });
  mine.add(child);
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('fake upstream did not start')), 15000);
    child.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/^PORT (\d+)$/m);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`fake exited (${code})`)); });
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    port, base, child,
    async requests() { return (await fetch(`${base}/_fake/requests`)).json(); },
    async clear() { await fetch(`${base}/_fake/requests`, { method: 'DELETE' }); },
    async stop() { await stopChild(child); mine.delete(child); },
  };
}

// A port nothing listens on (bound, then released).
export async function closedPort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

// `gw serve` on a free port with this config; the same db may be passed to restart on it.
export async function startGw(toml, { db, s = scratch(toml) } = {}) {
  const dbPath = db ?? s.db;
  // Under AddressSanitizer, freed memory waits in a quarantine (256 MiB by default) that would
  // hide what the RSS bounds measure; a small one keeps them meaningful.
  const asan = [process.env.ASAN_OPTIONS, 'quarantine_size_mb=16'].filter(Boolean).join(':');
  const g = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'],
    { env: cleanEnv({ GW_DB: dbPath, ASAN_OPTIONS: asan }), readyPrefix: 'gw serve: listening on ' });
  mine.add(g.child);
  const gw = {
    s, db: dbPath, child: g.child, pid: g.child.pid, stderr: g.stderr,
    base: g.value.split(' ')[0],
    // A memory bound in MiB, widened for a sanitizer build (shadow memory, redzones).
    boundMb(mb) {
      let sanitized = false;
      try { sanitized = readFileSync(`/proc/${g.child.pid}/maps`, 'utf8').includes('libasan'); } catch {}
      return sanitized ? mb * 2 + 48 : mb;
    },
    alive() { return g.child.exitCode === null && g.child.signalCode === null; },
    async stop(signal = 'SIGTERM') { const code = await stopChild(g.child, signal); mine.delete(g.child); return code; },
  };
  return gw;
}

// POST /v1/chat/completions; resolves {status, headers, text, json, ms, id}. Bounded.
export async function chat(base, body, { headers = {}, timeoutMs = 60000, signal } = {}) {
  const t0 = Date.now();
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify({ messages: user('hello fault'), ...body }),
    signal: signal ?? AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch {}
  return { status: res.status, headers: res.headers, text, json, ms: Date.now() - t0, id: res.headers.get('x-gw-request-id') };
}

// SSE text → {events: parsed data objects, done: saw [DONE], errors: error objects}.
export function parseSse(text) {
  const events = [], errors = [];
  let done = false;
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
    if (!data) continue;
    if (data === '[DONE]') { done = true; continue; }
    let j;
    try { j = JSON.parse(data); } catch { j = { unparsable: data.slice(0, 200) }; }
    events.push(j);
    if (j.error) errors.push(j.error);
  }
  const content = events.map((e) => e.choices?.[0]?.delta?.content ?? '').join('');
  return { events, errors, done, content };
}

// {"error":{"message","type","param","code"}}, with the expected fields when given.
export function assertOpenAIError(j, want = {}, what = '') {
  assert.ok(j && typeof j === 'object' && j.error && typeof j.error === 'object', `${what}: not an OpenAI error: ${JSON.stringify(j)?.slice(0, 300)}`);
  const e = j.error;
  for (const k of ['message', 'type', 'param', 'code']) assert.ok(k in e, `${what}: error.${k} missing: ${JSON.stringify(e)}`);
  assert.equal(typeof e.message, 'string', what);
  assert.ok(e.message.length > 0, what);
  assert.equal(typeof e.type, 'string', what);
  for (const [k, v] of Object.entries(want)) {
    if (Array.isArray(v)) assert.ok(v.includes(e[k]), `${what}: error.${k}=${e[k]}, want one of ${v}: ${e.message}`);
    else assert.equal(e[k], v, `${what}: error.${k}: ${e.message}`);
  }
}

// A stream that failed after its first byte: 200, an explicit error event, never [DONE].
export function assertStreamError(r, want = {}, what = '') {
  assert.equal(r.status, 200, `${what}: ${r.text.slice(0, 300)}`);
  const sse = parseSse(r.text);
  assert.equal(sse.done, false, `${what}: a broken stream must not end with [DONE]`);
  assert.ok(sse.errors.length >= 1, `${what}: no error event in ${r.text.slice(-300)}`);
  assertOpenAIError({ error: sse.errors.at(-1) }, want, what);
  return sse;
}

// Either an HTTP error before the first byte or an error event after it; never a clean end.
export function assertFailed(r, want = {}, what = '') {
  if (r.status === 200) return assertStreamError(r, want, what);
  assertOpenAIError(r.json, want, `${what} (HTTP ${r.status})`);
  return null;
}

// Ledger rows through the sqlite3 CLI (WAL: reading never blocks gw's writer).
export function sql(db, query) {
  const out = execFileSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db, query], { encoding: 'utf8', timeout: 20000 });
  return out.trim() ? JSON.parse(out) : [];
}

// The ledger row of one request, waiting for the writer (it commits every interval_ms).
export async function waitRow(db, requestId, timeoutMs = 8000) {
  assert.ok(requestId, 'the response carried no x-gw-request-id');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = sql(db, `SELECT * FROM ledger WHERE request_id = '${requestId.replace(/'/g, "''")}'`);
    if (rows.length) return rows[0];
    if (Date.now() > until) assert.fail(`no ledger row for ${requestId} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

// The first ledger row matching a WHERE clause, waiting for the writer.
export async function waitRowWhere(db, where, timeoutMs = 8000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = sql(db, `SELECT * FROM ledger WHERE ${where}`);
    if (rows.length) return rows[0];
    if (Date.now() > until) assert.fail(`no ledger row WHERE ${where} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

// RSS and peak RSS of a process, in MiB.
export function memMb(pid) {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(st.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

// Samples a process's RSS every 20 ms while `fn` runs; resolves [result, peak MiB above the
// start].
export async function peakGrowth(pid, fn) {
  const start = memMb(pid).rss;
  let peak = start;
  const timer = setInterval(() => { try { peak = Math.max(peak, memMb(pid).rss); } catch {} }, 20);
  try {
    const out = await fn();
    peak = Math.max(peak, memMb(pid).rss);
    return [out, peak - start];
  } finally { clearInterval(timer); }
}

// A normal request still works: the server survived whatever came before.
export async function assertHealthy(gw, model = 'fake/healthy') {
  assert.ok(gw.alive(), `gw serve is not running (exit ${gw.child.exitCode}, signal ${gw.child.signalCode})\n${gw.stderr().slice(-2000)}`);
  const r = await chat(gw.base, { model, messages: user('still there') }, { timeoutMs: 15000 });
  assert.equal(r.status, 200, r.text.slice(0, 300));
  assert.equal(r.json.choices[0].message.content, 'Hello! You said: still there');
}

// One fresh gw per test file, restarted if a fault crashed it, so one crash fails one test.
export function gatewayFor(makeToml) {
  let gw = null;
  return {
    async get() {
      if (gw && !gw.alive()) { try { await gw.stop(); } catch {} gw = null; }
      if (!gw) gw = await startGw(makeToml());
      return gw;
    },
    async close() { if (gw) { await gw.stop(); gw.s.cleanup(); gw = null; } },
  };
}

// A raw HTTP request through a given agent (bounded concurrency for many streams).
export function rawPost(base, path, body, { agent, headers = {}, timeoutMs = 120000 } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const data = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': data.length, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

// The ledger writer's flush interval as written in the source (Ledger::Options::interval_ms).
export function ledgerIntervalMs() {
  try {
    const src = readFileSync(new URL('../../src/store/ledger.hpp', import.meta.url), 'utf8');
    const m = src.match(/int\s+interval_ms\s*=\s*(\d+)/);
    if (m) return Number(m[1]);
  } catch {}
  return 50;
}
