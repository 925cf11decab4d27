// Scale-out with a shared PostgreSQL store (issue 19): three `gw serve` behind nginx share one
// PostgreSQL ([store] url), so the ledger and the keys are the fleet's, not each instance's.
// Checked here: N requests through nginx leave exactly N rows whose tokens are the fake
// upstream's to the token; `gw store migrate` copies a SQLite store exactly (ledger ids, keys,
// bodies, responses), after which `gw report` prints byte for byte what it printed from SQLite;
// migrate refuses a target that already has rows; a key created or revoked by the CLI on
// "another host" is honoured by every instance within ~1 s; PostgreSQL stopped mid-load and
// restarted on its port: gw keeps answering and writes rows again. Everything listens on
// 127.0.0.1; every process started here is ended by PID; every wait is bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startFake, fakeProviders, scratch, rawPost, parseSse, sql, sleep, user, closedPort,
  assertOpenAIError, cleanEnv,
} from './lib.mjs';
import { runGw, spawnGw, stopChild } from '../e2e/harness.mjs';
import { NGINX, mine, stopProc, startNginx, which } from './fleet.mjs';
import { startPostgres, pgSkip } from './postgres.mjs';

// The official openai client, from the end-to-end tests' node_modules (raw HTTP without it).
let OpenAI = null;
try {
  const req = createRequire(new URL('../e2e/package.json', import.meta.url));
  const mod = await import(pathToFileURL(req.resolve('openai')).href);
  OpenAI = mod.OpenAI ?? mod.default?.OpenAI ?? mod.default;
} catch {}

// An environment for gw with no store of the caller's: GW_DB and GW_STORE_URL only as given,
// and HOME and XDG_DATA_HOME in this run's folder, so a gw that fell back to its default
// SQLite file (~/.local/share/gw/gw.db) would never write into the real home.
let home;
function env(extra = {}) {
  const e = cleanEnv({ HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'config'), ...extra });
  for (const k of ['GW_DB', 'GW_STORE_URL']) if (!(k in extra)) delete e[k];
  return e;
}
// True when a gw fell back to a default SQLite ledger instead of the configured store.
const fellBack = () => existsSync(join(home, 'data', 'gw', 'gw.db')) || existsSync(join(home, '.local', 'share', 'gw', 'gw.db'));

// `gw serve` on a free port with this scratch's config (no GW_DB: the config's [store] rules).
async function startServe(s, extraEnv = {}) {
  const g = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'],
    { env: env(extraEnv), readyPrefix: 'gw serve: listening on ' });
  mine.add(g.child);
  return {
    s, child: g.child, pid: g.child.pid, stderr: g.stderr, base: g.value.split(' ')[0],
    alive() { return g.child.exitCode === null && g.child.signalCode === null; },
    async stop(signal = 'SIGTERM') { const code = await stopChild(g.child, signal); mine.delete(g.child); return code; },
  };
}

// Runs `n` calls with at most `width` in flight; resolves their results in order.
async function many(n, width, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => {
    while (next < n) { const i = next++; out[i] = await fn(i); }
  }));
  return out;
}

async function metricSum(base, name) {
  const m = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  let sum = 0;
  for (const line of m.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').at(-1));
  return sum;
}

// Polls `fn` every `everyMs` until it returns a truthy value or `timeoutMs` passes; resolves
// the last value.
async function poll(fn, timeoutMs, everyMs = 100) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > until) return v;
    await sleep(everyMs);
  }
}

const PRICES = {
  'fake/gpt-a': { input: 2.5, output: 10 },
  'fakeanthropic/claude-b': { input: 3, output: 15 },
  'fakegemini/gemini-c': { input: 0.3, output: 2.5 },
};
const MODELS = Object.keys(PRICES);
const DIALECT_MODEL = { openai: 'fake/gpt-a', anthropic: 'fakeanthropic/claude-b', gemini: 'fakegemini/gemini-c' };
const priceToml = Object.entries(PRICES).map(([k, p]) => `[prices."${k}"]\ninput = ${p.input}\noutput = ${p.output}`).join('\n\n');

// The fake's own usage report in gw's (OpenAI) terms, as tests/e2e/ledger.test.mjs reads it.
function normalise(dialect, u) {
  if (dialect === 'openai') return { input: u.prompt_tokens, output: u.completion_tokens };
  if (dialect === 'anthropic') {
    return { input: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0), output: u.output_tokens };
  }
  return { input: u.promptTokenCount, output: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0) };
}
const near = (a, b, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

// A fixed report period around this run, so two reports minutes apart print the same since/until.
const T0 = Date.now();
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const PERIOD = ['--since', iso(T0 - 3600e3), '--until', iso(T0 + 3 * 3600e3)];

const skip = pgSkip;
let fake, pg, work, gws = [], nginx, front;
const made = [];  // scratch folders of the three instances
let pgS;  // the scratch whose config points at the shared PostgreSQL store
const pgConfig = (url, extra = '') => fakeProviders(fake, `${priceToml}\n\n[store]\nurl = "${url}"\n${extra}`);
const sqliteConfig = (extra = '') => fakeProviders(fake, `${priceToml}\n\n[store]\n${extra}`);
const pgCli = (args, opts = {}) => runGw(['--config', pgS.config, ...args], { env: env(), ...opts });

before(async () => {
  if (skip) return;
  fake = await startFake({ threads: 256 });
  pg = await startPostgres();
  work = mkdtempSync(join(tmpdir(), 'gw-scaleout-pg-'));
  home = join(work, 'home');
  mkdirSync(home);
  pgS = scratch(pgConfig(pg.url));
  // Three instances, one PostgreSQL store between them.
  for (let i = 0; i < 3; i++) {
    const s = scratch(pgConfig(pg.url));
    made.push(s);  // removed in after() even if this instance fails to start
    gws.push(await startServe(s));
  }
  if (NGINX) {
    const port = await closedPort();
    nginx = await startNginx(work, port, gws.map((g) => g.base.replace('http://', '')));
    front = `http://127.0.0.1:${port}`;
  }
});

after(async () => {
  if (skip) return;
  await stopProc(nginx, 'SIGQUIT');
  for (const g of gws) if (g) { try { await g.stop(); } catch {} }
  for (const s of made) s.cleanup();
  if (pgS) pgS.cleanup();
  if (sq) sq.cleanup();
  if (pg) await pg.stop();
  if (fake) await fake.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Where traffic enters: nginx when it is installed, else the instances in turn.
let turn = 0;
const entry = () => front ?? gws[turn++ % gws.length].base;

// One chat request, streamed or not, through the openai client (when installed) or raw HTTP;
// resolves {status, id, content}.
async function ask(base, { model, stream, who, content, apiKey, agent, sdk }) {
  if (sdk && OpenAI) {
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: apiKey ?? 'unused', maxRetries: 0, timeout: 30000 });
    const body = { model, ...(who ? { user: who } : {}), messages: user(content), ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) };
    const { data, response } = await client.chat.completions.create(body).withResponse();
    let text = '';
    if (stream) { for await (const c of data) text += c.choices?.[0]?.delta?.content ?? ''; } else text = data.choices[0].message.content;
    return { status: response.status, id: response.headers.get('x-gw-request-id'), content: text };
  }
  const r = await rawPost(base, '/v1/chat/completions',
    { model, messages: user(content), ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) },
    { agent, timeoutMs: 30000, headers: { ...(who ? { 'x-gw-user': who } : {}), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) } });
  let text = r.text;
  if (r.status === 200) {
    if (stream) { const sse = parseSse(r.text); assert.ok(sse.done && !sse.errors.length, r.text.slice(-300)); text = sse.content; }
    else text = JSON.parse(r.text).choices[0].message.content;
  }
  return { status: r.status, id: r.headers['x-gw-request-id'], content: text };
}

test('three instances behind nginx, one PostgreSQL ledger: N rows, tokens exactly the fake\'s', { skip }, async (t) => {
  const N = 90;
  await fake.clear();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 12 });
  const res = await many(N, 12, (i) => ask(entry(), {
    model: MODELS[i % 3], stream: i % 2 === 1, who: `fleet-${i % 4}`, sdk: i % 5 === 0, agent,
    content: `ledger request ${i}${' more'.repeat(i % 7)}`,
  }));
  agent.destroy();
  for (const [i, r] of res.entries()) {
    assert.equal(r.status, 200, `request ${i}: ${r.content.slice(0, 300)}`);
    assert.match(r.content, /^Hello! You said: ledger request/, `request ${i}`);
  }
  if (!front) t.diagnostic('nginx is not installed: the three instances were called in turn');
  assert.ok(!fellBack(), 'gw serve wrote a default SQLite ledger: [store] url was not used');

  // What the fake says it charged, request by request.
  const seen = await fake.requests();
  assert.equal(seen.length, N, 'the fake saw one request per client request');
  const want = { input: 0, output: 0, cost: 0 };
  for (const r of seen) {
    const u = normalise(r.dialect, r.usage);
    const p = PRICES[DIALECT_MODEL[r.dialect]];
    want.input += u.input; want.output += u.output; want.cost += (u.input * p.input + u.output * p.output) / 1e6;
  }

  // Every instance's writer commits on its own interval: wait for N, then make sure no more come.
  const q = `SELECT count(*) AS n, count(DISTINCT request_id) AS ids, coalesce(sum(input_tokens), 0) AS input,
    coalesce(sum(output_tokens), 0) AS output, sum(cost_usd) AS cost FROM ledger WHERE "user" LIKE 'fleet-%'`;
  let got = await poll(() => { const [r] = pg.rows(q); return r.n >= N ? r : null; }, 15000, 200);
  if (!got) got = pg.rows(q)[0];
  await sleep(500);
  got = pg.rows(q)[0];
  t.diagnostic(`ledger: ${JSON.stringify(got)}; fake: ${JSON.stringify(want)}`);
  assert.equal(Number(got.n), N, 'exactly one row per request');
  assert.equal(Number(got.ids), N, 'request ids are unique across the instances');
  assert.equal(Number(got.input), want.input, 'input tokens equal the fake\'s');
  assert.equal(Number(got.output), want.output, 'output tokens equal the fake\'s');
  assert.ok(near(Number(got.cost), want.cost), `cost ${got.cost} vs ${want.cost}`);
  // The rows are the requests the clients got answers for.
  const ids = new Set(pg.rows(`SELECT request_id FROM ledger WHERE "user" LIKE 'fleet-%'`).map((r) => r.request_id));
  for (const r of res) assert.ok(ids.has(r.id), `no row for ${r.id}`);
  const rows = pg.rows(`SELECT "user", model, status, stream FROM ledger WHERE "user" LIKE 'fleet-%'`);
  assert.ok(rows.every((r) => r.status === 200));
  assert.equal(rows.filter((r) => Number(r.stream) === 1).length, N / 2, 'half of them streamed');
  // Every instance took part.
  for (const g of gws) assert.ok(await metricSum(g.base, 'gw_requests_total') > 0, `${g.base} served none`);

  // gw report reads the same store, from the config and from GW_STORE_URL over a SQLite config.
  const rep = await pgCli(['report', '--by', 'user', '--format', 'json', ...PERIOD]);
  assert.equal(rep.code, 0, rep.stderr);
  const j = JSON.parse(rep.stdout);
  const fleet = j.rows.filter((r) => r.user.startsWith('fleet-'));
  assert.deepEqual(fleet.map((r) => r.user).sort(), ['fleet-0', 'fleet-1', 'fleet-2', 'fleet-3']);
  assert.equal(fleet.reduce((s, r) => s + r.requests, 0), N);
  assert.equal(fleet.reduce((s, r) => s + r.input_tokens, 0), want.input);
  assert.equal(fleet.reduce((s, r) => s + r.output_tokens, 0), want.output);
  const other = scratch(sqliteConfig());
  try {
    const viaEnv = await runGw(['--config', other.config, 'report', '--by', 'user', '--format', 'json', ...PERIOD],
      { env: env({ GW_STORE_URL: pg.url }) });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.equal(viaEnv.stdout, rep.stdout, 'GW_STORE_URL overrides a SQLite config');
    assert.ok(!fellBack(), 'with GW_STORE_URL set, gw opened its default SQLite file');
  } finally { other.cleanup(); }
});

// Ledger, keys, bodies and responses rows of a store, as plain objects sorted by `order`.
// Booleans become 0/1 and numbers stay numbers, so SQLite's and PostgreSQL's compare.
const norm = (rows, order) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'boolean' ? Number(v) : v])))
  .sort((a, b) => (String(a[order]) < String(b[order]) ? -1 : String(a[order]) > String(b[order]) ? 1 : 0));
function assertSameRows(a, b, what) {
  assert.equal(a.length, b.length, `${what}: ${a.length} rows in SQLite, ${b.length} in PostgreSQL`);
  assert.deepEqual(Object.keys(b[0] ?? {}).sort(), Object.keys(a[0] ?? {}).sort(), `${what}: columns`);
  for (let i = 0; i < a.length; i++)
    for (const k of Object.keys(a[i])) {
      const x = a[i][k], y = b[i][k];
      // SQLite's CLI prints REALs with 15 digits, PostgreSQL's json the shortest exact form.
      if (typeof x === 'number' && typeof y === 'number' && !Number.isInteger(x)) assert.ok(near(x, y, 1e-13), `${what} row ${i} ${k}: ${x} vs ${y}`);
      else assert.deepEqual(y, x, `${what} row ${i} (${a[i].id ?? a[i].request_id}) column ${k}`);
    }
}

let sq;  // the SQLite store migrated below
test('gw store migrate copies a SQLite store exactly; gw report prints the same bytes from both', { skip }, async (t) => {
  sq = scratch(sqliteConfig('log_bodies = true'));
  const sqEnv = () => env({ GW_DB: sq.db });
  const sqCli = (args) => runGw(['--config', sq.config, ...args], { env: sqEnv() });
  // Two keys, one revoked; then requests through gw chat and gw serve, ok, failed and refused.
  const secrets = {};
  for (const [name, u, tenant] of [['mig-a', 'alice', 'acme'], ['mig-b', 'bob', 'globex']]) {
    const r = await sqCli(['keys', 'create', '--name', name, '--user', u, '--tenant', tenant]);
    assert.equal(r.code, 0, r.stderr);
    secrets[name] = r.stdout.trim();
  }
  const keyRows = JSON.parse((await sqCli(['keys', 'list', '--format', 'json'])).stdout);
  const keyId = (name) => keyRows.find((k) => k.name === name).id;
  assert.equal((await sqCli(['keys', 'revoke', keyId('mig-b')])).code, 0);
  for (const model of MODELS)
    for (const [who, extra] of [['carol', []], ['dave', ['--no-stream']]]) {
      const r = await sqCli(['chat', '--user', who, ...extra, '-m', model, `migrate me ${model}`]);
      assert.equal(r.code, 0, r.stderr);
    }
  const g = await startServe(sq, { GW_DB: sq.db });
  try {
    for (const model of MODELS)
      for (const stream of [false, true]) {
        const r = await ask(g.base, { model, stream, who: 'erin', apiKey: secrets['mig-a'], content: `served ${model}` });
        assert.equal(r.status, 200, r.content);
      }
    assert.equal((await ask(g.base, { model: 'fake/unpriced', who: 'erin', apiKey: secrets['mig-a'], content: 'no price' })).status, 200);
    assert.equal((await ask(g.base, { model: 'fake/gpt-a+fail=400', who: 'erin', apiKey: secrets['mig-a'], content: 'fails' })).status, 400);
    assert.equal((await ask(g.base, { model: 'fake/gpt-a', who: 'erin', apiKey: secrets['mig-b'], content: 'revoked' })).status, 401);
    // A kept response (log_bodies): a row in the responses table.
    const resp = await fetch(`${g.base}/v1/responses`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets['mig-a']}` },
      body: JSON.stringify({ model: 'fake/gpt-a', input: 'keep this response' }), signal: AbortSignal.timeout(30000),
    });
    assert.equal(resp.status, 200, await resp.clone().text());
    await resp.text();
  } finally {
    assert.equal(await g.stop(), 0, 'gw serve flushes its ledger and exits 0 on SIGTERM');
  }

  // SQLite's keys have an implicit rowid (creation order), PostgreSQL's an explicit column.
  const tables = {
    ledger: ['SELECT * FROM ledger', 'id'],
    keys: ['SELECT rowid AS rowid, * FROM keys', 'id'],
    bodies: ['SELECT * FROM bodies', 'request_id'],
    responses: ['SELECT * FROM responses', 'id'],
  };
  const before = Object.fromEntries(Object.entries(tables).map(([k, [q, o]]) => [k, norm(sql(sq.db, q), o)]));
  t.diagnostic(`SQLite store: ${Object.entries(before).map(([k, v]) => `${k} ${v.length}`).join(', ')}`);
  assert.equal(before.ledger.length, 16);  // 6 chat + 6 serve + unpriced + failed + 401 + responses
  assert.ok(before.bodies.length >= 12 && before.responses.length >= 1 && before.keys.length === 2);

  // Into an empty database of the same server.
  pg.psql('CREATE DATABASE gw_migrated');
  const url2 = pg.url.replace(/\/gw$/, '/gw_migrated');
  const mig = await runGw(['--config', sq.config, 'store', 'migrate', '--from', `sqlite:${sq.db}`, '--to', url2], { env: sqEnv(), timeoutMs: 60000 });
  t.diagnostic(`gw store migrate: ${(mig.stdout + mig.stderr).trim().replace(/\n/g, ' | ')}`);
  assert.equal(mig.code, 0, mig.stderr);
  assert.match(mig.stdout + mig.stderr, new RegExp(`\\b${before.ledger.length}\\b`), 'migrate says how many ledger rows it copied');
  assert.ok(!(mig.stdout + mig.stderr).includes('gk-'), 'no secret in migrate output');

  for (const [k, [q, o]] of Object.entries(tables))
    assertSameRows(before[k], norm(pg.rows(q.replace('rowid AS rowid, ', ''), { db: 'gw_migrated' }), o), k);
  const sums = 'SELECT count(*) AS n, sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cost_usd) AS cost FROM ledger';
  const a = sql(sq.db, sums)[0], b = pg.rows(sums, { db: 'gw_migrated' })[0];
  assert.equal(Number(b.n), a.n);
  assert.equal(Number(b.input), a.input);
  assert.equal(Number(b.output), a.output);
  assert.ok(near(Number(b.cost), a.cost, 1e-12), `cost ${b.cost} vs ${a.cost}`);

  // gw report from both configs: the same bytes on stdout.
  const mS = scratch(pgConfig(url2));
  try {
    for (const by of ['user,model', 'day,provider', 'key', 'tenant,user'])
      for (const format of ['table', 'json', 'csv']) {
        const args = ['report', '--by', by, '--format', format, ...PERIOD];
        const x = await sqCli(args);
        const y = await runGw(['--config', mS.config, ...args], { env: env() });
        assert.equal(x.code, 0, x.stderr);
        assert.equal(y.code, 0, y.stderr);
        assert.ok(x.stdout.length > 0);
        assert.equal(y.stdout, x.stdout, `gw report --by ${by} --format ${format}`);
      }
    const lat = ['report', '--by', 'model', '--latency', '--format', 'json', ...PERIOD];
    assert.equal((await runGw(['--config', mS.config, ...lat], { env: env() })).stdout, (await sqCli(lat)).stdout, 'latency percentiles');
    const kl = await runGw(['--config', mS.config, 'keys', 'list', '--format', 'json'], { env: env() });
    assert.equal(kl.code, 0, kl.stderr);
    assert.deepEqual(JSON.parse(kl.stdout), JSON.parse((await sqCli(['keys', 'list', '--format', 'json'])).stdout), 'gw keys list');

    // The migrated store serves: its keys work (the revoked one stays revoked), and new rows
    // take ids after the copied ones.
    const g2 = await startServe(mS);
    try {
      assert.equal((await ask(g2.base, { model: 'fake/gpt-a', who: 'frank', apiKey: secrets['mig-a'], content: 'after migrate' })).status, 200);
      assert.equal((await ask(g2.base, { model: 'fake/gpt-a', who: 'frank', apiKey: secrets['mig-b'], content: 'after migrate' })).status, 401);
      const n = await poll(() => { const c = Number(pg.psql(`SELECT count(*) FROM ledger WHERE "user" = 'frank'`, { db: 'gw_migrated' })); return c >= 2 ? c : 0; }, 10000, 200);
      assert.equal(n, 2, `rows written after the migration: ${n}\n${g2.stderr().slice(-1500)}`);
      const maxOld = Math.max(...before.ledger.map((r) => r.id));
      assert.ok(pg.rows(`SELECT id FROM ledger WHERE "user" = 'frank'`, { db: 'gw_migrated' }).every((r) => Number(r.id) > maxOld));
    } finally { await g2.stop(); }
  } finally { mS.cleanup(); }
});

test('gw store migrate refuses a target whose ledger has rows (exit 3)', { skip }, async () => {
  assert.ok(sq && existsSync(sq.db), 'needs the SQLite store of the previous test');
  pg.psql('CREATE DATABASE gw_refuse');
  const url3 = pg.url.replace(/\/gw$/, '/gw_refuse');
  const migrate = (to) => runGw(['--config', sq.config, 'store', 'migrate', '--from', `sqlite:${sq.db}`, '--to', to], { env: env({ GW_DB: sq.db }), timeoutMs: 60000 });
  const first = await migrate(url3);
  assert.equal(first.code, 0, first.stderr);
  const count = () => Number(pg.psql('SELECT count(*) FROM ledger', { db: 'gw_refuse' }));
  const n = count();
  assert.ok(n > 0);
  for (const to of [url3, pg.url]) {
    const again = await migrate(to);
    assert.equal(again.code, 3, `migrate into ${to}: exit ${again.code}\n${again.stdout}${again.stderr}`);
    assert.match(again.stderr, /ledger|rows|empty/i, again.stderr);
    assert.ok(again.stderr.length < 2000, 'one clear message');
  }
  assert.equal(count(), n, 'nothing was added');
});

test('PostgreSQL stopped mid-load: gw keeps answering and writes rows again after the restart', { skip }, async (t) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const load = (who) => ask(entry(), { model: 'fake/gpt-a', who, agent, content: `outage ${who}` });
  for (let i = 0; i < 6; i++) assert.equal((await load('outage-before')).status, 200);
  let stop = false;
  const statuses = [];
  const worker = (async () => {
    for (let i = 0; !stop && i < 5000; i++) {
      try { statuses.push((await load('outage-during')).status); } catch (e) { statuses.push(String(e.message)); }
    }
  })();
  await sleep(300);
  await pg.halt('fast');
  const downAt = Date.now();
  await sleep(500);
  const during = await many(30, 6, () => load('outage-during'));
  // A CLI command against the stopped store fails cleanly (a config error), naming the server.
  const rep = await pgCli(['report', '--format', 'json', ...PERIOD], { timeoutMs: 30000 });
  t.diagnostic(`gw report with PostgreSQL down: exit ${rep.code}: ${rep.stderr.trim().slice(0, 300)}`);
  assert.equal(rep.signal, null, 'gw report crashed');
  assert.equal(rep.code, 3, rep.stderr);
  assert.match(rep.stderr, new RegExp(`127\\.0\\.0\\.1:${pg.port}|postgres`, 'i'));
  await sleep(Math.max(0, 1500 - (Date.now() - downAt)));
  stop = true;
  await worker;
  for (const g of gws) assert.ok(g.alive(), `an instance died with PostgreSQL down:\n${g.stderr().slice(-2000)}`);
  for (const r of during) assert.equal(r.status, 200, `answered ${r.status} with PostgreSQL down: ${r.content.slice(0, 200)}`);
  assert.ok(statuses.every((s) => s === 200), `under load: ${[...new Set(statuses)]}`);
  let failures = 0;
  for (const g of gws) failures += await metricSum(g.base, 'gw_ledger_write_failures');
  t.diagnostic(`${statuses.length + during.length} requests answered during the outage; gw_ledger_write_failures ${failures}`);

  // Back on the same port: rows are written again.
  await pg.start();
  const upAt = Date.now();
  const after = await poll(async () => {
    const r = await load('outage-after');
    assert.equal(r.status, 200, r.content.slice(0, 200));
    return Number(pg.psql(`SELECT count(*) FROM ledger WHERE "user" = 'outage-after'`)) > 0;
  }, 20000, 250);
  assert.ok(after, `no row written within 20 s of the restart\n${gws.map((g) => g.stderr().slice(-800)).join('\n---\n')}`);
  t.diagnostic(`rows written again ${Date.now() - upAt} ms after the restart`);
  // Each instance writes again (not only the one that happened to reconnect first).
  for (const g of gws) {
    const r = await ask(g.base, { model: 'fake/gpt-a', who: 'outage-each', content: 'each' });
    assert.equal(r.status, 200);
  }
  const each = await poll(() => Number(pg.psql(`SELECT count(*) FROM ledger WHERE "user" = 'outage-each'`)) === 3, 15000, 200);
  assert.ok(each, `rows of outage-each: ${pg.psql(`SELECT count(*) FROM ledger WHERE "user" = 'outage-each'`)} of 3`);
  // What was committed before the stop is still there; the outage rows are diagnostic only.
  assert.equal(Number(pg.psql(`SELECT count(*) FROM ledger WHERE "user" = 'outage-before'`)), 6);
  t.diagnostic(`outage-during rows kept: ${pg.psql(`SELECT count(*) FROM ledger WHERE "user" = 'outage-during'`)} of ${statuses.length + during.length}`);
  for (const g of gws) assert.ok(g.alive());
  agent.destroy();
});

// Last: once a key exists, the fleet (auth "auto") requires one.
test('a key created or revoked by the CLI on another host is honoured by all three within ~1 s', { skip }, async (t) => {
  const g0 = gws[0];
  assert.equal((await ask(g0.base, { model: 'fake/x', who: 'nokey', content: 'open' })).status, 200, 'no keys yet: open');
  const create = async (name) => {
    const r = await pgCli(['keys', 'create', '--name', name, '--user', 'kuser', '--tenant', 'ktenant']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^gk-[A-Za-z0-9]{40}$/);
    return r.stdout.trim();
  };
  const bogus = 'gk-thisisnotarealkeythisisnotarealkey0000';
  const status = async (g, key) => (await ask(g.base, { model: 'fake/x', apiKey: key, content: 'keyed' })).status;

  // The first key: every instance turns auth on (unknown keys refused) within ~1 s.
  const k1 = await create('fleet-1');
  let t0 = Date.now();
  for (const g of gws) {
    const refused = await poll(async () => (await status(g, bogus)) === 401, 1500 - (Date.now() - t0), 50);
    assert.ok(refused, `${g.base} still lets an unknown key in ${Date.now() - t0} ms after the first key was created`);
    assert.equal(await status(g, k1), 200, `${g.base} refuses the new key`);
  }
  t.diagnostic(`auth on at all three within ${Date.now() - t0} ms`);
  // A second key, created while auth is on, is accepted by instances 2 and 3 within ~1 s.
  const k2 = await create('fleet-2');
  t0 = Date.now();
  for (const g of gws.slice(1)) {
    const ok = await poll(async () => (await status(g, k2)) === 200, 1500 - (Date.now() - t0), 50);
    assert.ok(ok, `${g.base} does not accept a key created ${Date.now() - t0} ms ago`);
  }
  t.diagnostic(`second key accepted by instances 2 and 3 within ${Date.now() - t0} ms`);
  // Its requests are attributed to the key in the shared ledger.
  const list = JSON.parse((await pgCli(['keys', 'list', '--format', 'json'])).stdout);
  const id2 = list.find((k) => k.name === 'fleet-2')?.id;
  assert.match(id2 ?? '', /^key_[A-Za-z0-9]{12}$/);
  const attributed = await poll(() => {
    const rows = pg.rows(`SELECT "user", tenant FROM ledger WHERE key_id = '${id2}' AND status = 200`);
    return rows.length >= 2 ? rows : null;
  }, 5000, 100);
  assert.ok(attributed && attributed.every((r) => r.user === 'kuser' && r.tenant === 'ktenant'), JSON.stringify(attributed));

  // gw keys list: the same shape as from a SQLite store, and the same through GW_STORE_URL.
  const other = scratch(sqliteConfig());
  try {
    const local = await runGw(['--config', other.config, 'keys', 'create', '--name', 'local', '--user', 'u', '--tenant', 't'], { env: env({ GW_DB: other.db }) });
    assert.equal(local.code, 0, local.stderr);
    const localList = JSON.parse((await runGw(['--config', other.config, 'keys', 'list', '--format', 'json'], { env: env({ GW_DB: other.db }) })).stdout);
    for (const k of list) assert.deepEqual(Object.keys(k), Object.keys(localList[0]), 'keys list --format json fields');
    const localTable = (await runGw(['--config', other.config, 'keys', 'list'], { env: env({ GW_DB: other.db }) })).stdout;
    const table = await pgCli(['keys', 'list']);
    assert.equal(table.code, 0, table.stderr);
    assert.deepEqual(table.stdout.split('\n')[0].trim().split(/\s+/), localTable.split('\n')[0].trim().split(/\s+/), 'table header');
    assert.match(table.stdout, /^ID\s+PREFIX\s+NAME\s+USER\s+TENANT\s+CREATED\s+STATUS/);
    const viaEnv = await runGw(['--config', other.config, 'keys', 'list', '--format', 'json'], { env: env({ GW_STORE_URL: pg.url }) });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.deepEqual(JSON.parse(viaEnv.stdout).map((k) => k.id).sort(), list.map((k) => k.id).sort(), 'GW_STORE_URL overrides for gw keys too');
  } finally { other.cleanup(); }
  for (const k of list) assert.ok(!JSON.stringify(k).includes(k1) && !JSON.stringify(k).includes(k2), 'list never shows a secret');

  // gw keys update on "host A" reaches the store.
  const upd = await pgCli(['keys', 'update', id2, '--user', 'kuser2']);
  assert.equal(upd.code, 0, upd.stderr);
  assert.equal(JSON.parse((await pgCli(['keys', 'list', '--format', 'json'])).stdout).find((k) => k.id === id2).user, 'kuser2');

  // Revoked: all three refuse it within ~1 s (their caches warm first).
  for (const g of gws) assert.equal(await status(g, k2), 200);
  const rev = await pgCli(['keys', 'revoke', id2]);
  assert.equal(rev.code, 0, rev.stderr);
  t0 = Date.now();
  const refusedAt = await Promise.all(gws.map(async (g) => {
    const ok = await poll(async () => (await status(g, k2)) === 401, 1500, 50);
    assert.ok(ok, `${g.base} still accepts the revoked key ${Date.now() - t0} ms after gw keys revoke`);
    return Date.now() - t0;
  }));
  t.diagnostic(`revoked key refused by the three after ${refusedAt.join(', ')} ms`);
  const r = await rawPost(gws[2].base, '/v1/chat/completions', { model: 'fake/x', messages: user('hi') }, { headers: { authorization: `Bearer ${k2}` } });
  assert.equal(r.status, 401);
  assertOpenAIError(JSON.parse(r.text), { code: 'invalid_api_key' });
  for (const g of gws) assert.equal(await status(g, k1), 200, 'the other key still works');
  assert.ok(!fellBack(), 'gw wrote a default SQLite store: [store] url was not used');
  const after = JSON.parse((await pgCli(['keys', 'list', '--format', 'json'])).stdout);
  assert.equal(after.find((k) => k.id === id2).status, 'revoked');
  assert.equal(after.find((k) => k.name === 'fleet-1').status, 'active');
});
