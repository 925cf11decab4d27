// Scale-out with a shared limit store (issue 19): three `gw serve` behind nginx share one
// Redis ([limits] redis), so a limit is the limit of the whole fleet, not of each instance
// (LiteLLM's issue #40291: limits multiplied by replicas). Checked here: a global rpm through
// nginx, a budget under 200 parallel requests, Redis killed mid-load under fail_open and
// fail_closed and restarted on its port, and an instance killed with -9 while it holds
// parallel slots (they expire after redis_lease_ms). Everything listens on 127.0.0.1; every
// process started here is ended by PID; every wait is bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startFake, fakeProviders, scratch, startGw, chat, rawPost, sql, sleep, user, closedPort,
  assertOpenAIError, cleanEnv,
} from './lib.mjs';
import { runGw } from '../e2e/harness.mjs';
import { NGINX, mine, stopProc, startNginx, which } from './fleet.mjs';

const REDIS = which('redis-server');
const REDIS_CLI = which('redis-cli');

// Resolves when `child` prints a line containing `text` (stdout or stderr), bounded.
function waitOutput(child, text, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${buf.slice(-500)}`)), timeoutMs);
    const on = (d) => { buf += d; if (buf.includes(text)) { clearTimeout(timer); resolve(); } };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code}): ${buf.slice(-500)}`)); });
  });
}

const PASSWORD = 'pw-Sc4leOut-s3cret';  // must never reach a log, an error or gw config show

async function startRedis(port) {
  const child = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--requirepass', PASSWORD],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  mine.add(child);
  await waitOutput(child, 'Ready to accept connections', 10000, 'redis-server');
  return child;
}

function redisCli(port, ...args) {
  return execFileSync(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), '-a', PASSWORD, '--no-auth-warning', ...args],
    { encoding: 'utf8', timeout: 5000 }).trim();
}

async function metric(base, name) {
  const m = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const v = m.match(new RegExp(`^${name}(?:\\{\\})? (\\S+)`, 'm'))?.[1];
  return v === undefined ? NaN : Number(v);
}

// Runs `n` requests with at most `width` in flight; resolves their results in order.
async function many(n, width, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) { const i = next++; out[i] = await fn(i); }
  }));
  return out;
}

const LEASE_MS = 3000;
const BUDGET = 0.5;
const WORST = 0.018;  // fake/priced at $0.001 a token: "hi" estimated at 8 tokens + max_tokens 10

const skip = !REDIS || !REDIS_CLI ? 'redis-server is not installed (scripts/setup installs it)' : false;

let fake, redisPort, redis, work, gws = [], closedGw, nginx, front;
const dbs = () => gws.map((g) => g.db);
const config = (policy) => fakeProviders(fake, `
[prices."fake/priced"]
input = 1000
output = 1000
[limits]
redis = "redis://:${PASSWORD}@127.0.0.1:${redisPort}/0"
redis_failure = "${policy}"
redis_timeout_ms = 2000   # generous: a loaded test machine must not fall back by accident
redis_lease_ms = ${LEASE_MS}
[users.rpm]
rpm = 100
[users.bob]
budget_usd = ${BUDGET}
period = "total"
[users.par]
max_parallel = 2
[users.load]
rpm = 1000000
[users.quitter]
max_parallel = 1
`);

before(async () => {
  if (skip) return;
  fake = await startFake({ threads: 512 });
  redisPort = await closedPort();
  redis = await startRedis(redisPort);
  work = mkdtempSync(join(tmpdir(), 'gw-scaleout-'));
  // Three instances, each with its own SQLite ledger (reports are per instance), one Redis.
  for (let i = 0; i < 3; i++) {
    const s = scratch(config('fail_open'));
    gws.push(await startGw(undefined, { s }));
  }
  closedGw = await startGw(undefined, { s: scratch(config('fail_closed')) });
  if (NGINX) {
    const port = await closedPort();
    nginx = await startNginx(work, port, gws.map((g) => g.base.replace('http://', '')));
    front = `http://127.0.0.1:${port}`;
  }
});

after(async () => {
  if (skip) return;
  await stopProc(nginx, 'SIGQUIT');
  for (const g of [...gws, closedGw]) if (g) { try { await g.stop(); } catch {} g.s.cleanup(); }
  await stopProc(redis);
  await fake.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Where traffic enters: nginx when it is installed, else the instances in turn.
let turn = 0;
const entry = () => front ?? gws[turn++ % gws.length].base;

async function ledgerRows(where, want, timeoutMs = 10000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = dbs().flatMap((db) => (existsSync(db) ? sql(db, `SELECT status, error_code, cost_usd FROM ledger WHERE ${where}`) : []));
    if (rows.length >= want || Date.now() > until) return rows;
    await sleep(100);
  }
}

test('a global rpm through nginx admits the limit once, not once per instance', { skip: skip || (!NGINX && 'nginx is not installed: the three instances are called in turn instead') }, async (t) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 40 });
  const t0 = Date.now();
  const res = await many(130, 40, () => rawPost(front, '/v1/chat/completions',
    { model: 'fake/rpm', messages: user('hi') }, { agent, headers: { 'x-gw-user': 'rpm' }, timeoutMs: 30000 }));
  const elapsedS = (Date.now() - t0) / 1000;
  agent.destroy();
  const ok = res.filter((r) => r.status === 200).length;
  const limited = res.filter((r) => r.status === 429);
  assert.equal(ok + limited.length, 130, `statuses: ${[...new Set(res.map((r) => r.status))]}`);
  for (const r of limited) assertOpenAIError(JSON.parse(r.text), { code: 'rate_limit_exceeded' });
  // The bucket refills 100 a minute while the burst runs: allow what refilled, and one.
  const refill = Math.floor((elapsedS * 100) / 60);
  t.diagnostic(`admitted ${ok} of 130 in ${elapsedS.toFixed(2)} s through nginx`);
  assert.ok(ok >= 99 && ok <= 101 + refill, `admitted ${ok} of 130 in ${elapsedS.toFixed(1)} s (want 100 ± 1 + ${refill} refilled)`);
  // Every instance took part: the limit held across all three.
  const rows = await ledgerRows("user = 'rpm'", 130);
  assert.equal(rows.length, 130);
  for (const db of dbs()) assert.ok(sql(db, "SELECT count(*) AS n FROM ledger WHERE user = 'rpm'")[0].n > 0, `${db} served none`);
});

test('a budget shared by three instances is never overrun under 200 parallel requests', { skip }, async (t) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
  const res = await many(200, 200, () => rawPost(entry(), '/v1/chat/completions',
    { model: 'fake/priced', max_tokens: 10, messages: user('hi') }, { agent, headers: { 'x-gw-user': 'bob' }, timeoutMs: 60000 }));
  agent.destroy();
  const ok = res.filter((r) => r.status === 200).length;
  const refused = res.filter((r) => r.status !== 200);
  for (const r of refused) {
    assert.equal(r.status, 429, r.text.slice(0, 300));
    assertOpenAIError(JSON.parse(r.text), { code: 'budget_exceeded', type: 'insufficient_quota' });
  }
  const rows = await ledgerRows("user = 'bob'", 200);
  assert.equal(rows.length, 200);
  const spent = rows.reduce((s, r) => s + (r.cost_usd ?? 0), 0);
  t.diagnostic(`admitted ${ok} of 200, spent ${spent.toFixed(6)} of ${BUDGET} USD`);
  assert.ok(spent <= BUDGET + WORST + 1e-9, `spent ${spent} of a ${BUDGET} budget across three instances`);
  // Admitted about budget / cost (not three times that, as three separate counts would).
  assert.ok(ok >= Math.floor(BUDGET / WORST) && ok <= Math.ceil(BUDGET / 0.015) + 1, `admitted ${ok}`);
  // Redis holds the spend, and no reservation is left once everything settled.
  const shared = Number(redisCli(redisPort, 'GET', 'gw:s:u:bob:total'));
  assert.ok(Math.abs(shared - spent) < 1e-6, `redis says ${shared}, the ledgers ${spent}`);
  assert.equal(redisCli(redisPort, 'ZCARD', 'gw:b:u:bob'), '0');
});

test('Redis killed mid-load: fail_open answers from local counts, fail_closed answers 503; both recover', { skip }, async (t) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const load = (base) => rawPost(base, '/v1/chat/completions', { model: 'fake/load', messages: user('hi') },
    { agent, headers: { 'x-gw-user': 'load' }, timeoutMs: 20000 });
  // Load running while Redis dies.
  let stop = false;
  const statuses = [];
  const worker = (async () => { for (let i = 0; !stop && i < 5000; i++) statuses.push((await load(entry())).status); })();
  await sleep(300);
  assert.equal((await load(closedGw.base)).status, 200);
  redis.kill('SIGKILL');
  await new Promise((r) => (redis.exitCode !== null || redis.signalCode !== null ? r() : redis.once('exit', r)));
  await sleep(500);
  const during = await many(30, 10, () => load(entry()));
  for (const r of during) assert.equal(r.status, 200, `fail_open answered ${r.status}: ${r.text.slice(0, 200)}`);
  const closed = await load(closedGw.base);
  assert.equal(closed.status, 503, closed.text.slice(0, 300));
  assertOpenAIError(JSON.parse(closed.text), { code: 'limit_store_unavailable' });
  assert.ok(Number(closed.headers['retry-after']) >= 1, 'a 503 says when to come back');
  stop = true;
  await worker;
  assert.ok(statuses.every((s) => s === 200), `fail_open under load: ${[...new Set(statuses)]}`);
  let fallbacks = 0;
  for (const g of gws) {
    fallbacks += await metric(g.base, 'gw_limit_store_fallback_total');
    assert.equal(await metric(g.base, 'gw_limit_store_up'), 0);
    // Logged once per outage, not per request; the password never (none here, but the URL is).
    const lines = g.stderr().split('\n').filter((l) => l.includes('unreachable'));
    assert.ok(lines.length >= 1 && lines.length <= 2, `outage logged ${lines.length} times:\n${lines.join('\n')}`);
  }
  assert.ok(fallbacks >= 30, `fallbacks counted: ${fallbacks}`);
  t.diagnostic(`${statuses.length} requests under load, ${fallbacks} counted as fallbacks`);
  assert.ok(await metric(closedGw.base, 'gw_limit_store_fallback_total') >= 1);

  // Back on the same port: every instance reconnects (after its backoff) and shares again.
  redis = await startRedis(redisPort);
  const until = Date.now() + 20000;
  for (;;) {
    const rs = await Promise.all([...gws, closedGw].map(async (g) => {
      await load(g.base);
      return metric(g.base, 'gw_limit_store_up');
    }));
    if (rs.every((v) => v === 1)) { t.diagnostic(`all reconnected ${Date.now() - until + 20000} ms after the restart`); break; }
    assert.ok(Date.now() < until, `not reconnected within 20 s: ${rs}`);
    await sleep(200);
  }
  assert.equal((await load(closedGw.base)).status, 200);
  assert.ok(Number(redisCli(redisPort, 'EXISTS', 'gw:r:u:load')) === 1, 'counts are in Redis again');
  for (const g of [...gws, closedGw]) {
    assert.match(g.stderr(), /reachable again/);
    assert.ok(!g.stderr().includes(PASSWORD), 'the Redis password reached a log line');
    assert.match(g.stderr(), /redis:\/\/:\*\*\*@127\.0\.0\.1/);
  }
  agent.destroy();
});

test('gw config show masks the Redis password', { skip }, async () => {
  const r = await runGw(['--config', gws[1].s.config, 'config', 'show'], { env: cleanEnv() });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD), 'config show leaks the password');
  assert.match(r.stdout, /redis = "redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0"/);
  assert.match(r.stdout, /redis_failure = "fail_open"/);
  assert.match(r.stdout, /redis_lease_ms = 3000/);
});

test('a client that hangs up gives its slot back at once, not after the lease', { skip }, async (t) => {
  // The fiber of a request whose client left has every wait cut short: it sends its
  // settlement without waiting for the reply, and the slot is free long before the lease ends.
  const g = gws[2];
  const ac = new AbortController();
  const gone = chat(g.base, { model: 'fake/slow+stall=5000', messages: user('leaving') },
    { headers: { 'x-gw-user': 'quitter' }, signal: ac.signal }).catch((e) => e);
  const until = Date.now() + 5000;
  while (redisCli(redisPort, 'ZCARD', 'gw:p:u:quitter') !== '1') {
    assert.ok(Date.now() < until, 'the slow request did not take its slot');
    await sleep(20);
  }
  const left = Date.now();
  ac.abort();
  await gone;
  let r;
  for (;;) {
    r = await chat(g.base, { model: 'fake/x', messages: user('hi') }, { headers: { 'x-gw-user': 'quitter' } });
    if (r.status === 200) break;
    assert.ok(Date.now() - left < LEASE_MS - 1000, `the slot was not given back (${r.status}) ${Date.now() - left} ms after the hang-up`);
    await sleep(50);
  }
  t.diagnostic(`slot free ${Date.now() - left} ms after the client hung up (lease ${LEASE_MS} ms)`);
});

test('kill -9 of an instance holding parallel slots: they expire after redis_lease_ms', { skip }, async (t) => {
  const [victim, other] = gws;
  // Two slow requests take both of user par's slots on the victim.
  const held = [0, 1].map(() => chat(victim.base, { model: 'fake/slow+stall=20000', messages: user('hold') },
    { headers: { 'x-gw-user': 'par' }, timeoutMs: 30000 }).catch((e) => e));
  const until = Date.now() + 5000;
  while (redisCli(redisPort, 'ZCARD', 'gw:p:u:par') !== '2') {
    assert.ok(Date.now() < until, 'the slow requests did not take their slots');
    await sleep(50);
  }
  victim.child.kill('SIGKILL');
  await new Promise((r) => (victim.alive() ? victim.child.once('exit', r) : r()));
  const killedAt = Date.now();
  await Promise.all(held);
  // Still held (the lease has not run out): another instance refuses.
  const early = await chat(other.base, { model: 'fake/x', messages: user('hi') }, { headers: { 'x-gw-user': 'par' } });
  if (Date.now() - killedAt < LEASE_MS - 500) {
    assert.equal(early.status, 429, early.text.slice(0, 300));
    assertOpenAIError(early.json, { code: 'rate_limit_exceeded' });
  }
  // Once the lease is over, the dead instance's slots are dropped by the next admission.
  let r;
  for (;;) {
    r = await chat(other.base, { model: 'fake/x', messages: user('hi') }, { headers: { 'x-gw-user': 'par' } });
    if (r.status === 200) break;
    assert.ok(Date.now() - killedAt < LEASE_MS + 5000, `slots still taken ${Date.now() - killedAt} ms after the kill`);
    await sleep(200);
  }
  assert.ok(Date.now() - killedAt >= LEASE_MS - 1500, 'freed before the lease could have run out');
  t.diagnostic(`early request: ${early.status}; slots free ${Date.now() - killedAt} ms after the kill (lease ${LEASE_MS} ms)`);
  assert.equal(redisCli(redisPort, 'ZCARD', 'gw:p:u:par'), '0');
});
