// Traffic control end to end (gw serve, gw chat and the fake upstream): model allow-lists (403,
// and /v1/models lists only what a key may use), requests and tokens per minute with OpenAI's
// x-ratelimit-* headers, requests in flight, hard budgets that nothing gets past (streams,
// concurrency, the CLI, a restart), a tenant's limit shared by its keys, and the 429 a client
// gets when every upstream attempt was rate-limited. Minute windows are the unit tests' (an
// injected clock); nothing here sleeps for a minute.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild, runGw } from './harness.mjs';
import { chat, parseSse, sql, assertOpenAIError } from '../reliability/lib.mjs';

// fake/priced-*: a token costs $0.001 (in and out). A one-word prompt is estimated at 8 tokens
// (3 + 4 framing + 1); the fake reports 11 in and 4 out for "Hello! You said: hi".
const config = (fake) => fakeProviders(fake, `
[prices."fake/priced"]
input = 1000
output = 1000
[prices."fake/priced+stall=2000"]
input = 1000
output = 1000
[routes.both-limited]
targets = ["fake/rl-a+fail=429+retry-after=3", "fake/rl-b+fail=429+retry-after=1"]
retries = 0
[tenants.shared]
rpm = 3
[users.carol]
budget_usd = 0.05
period = "day"
[users.dave]
budget_usd = 1
`);

let fake, s, gw, base;
const env = () => cleanEnv({ GW_DB: s.db });
const gwCli = (args) => runGw(['--config', s.config, ...args], { env: env() });
const hi = [{ role: 'user', content: 'hi' }];
const post = (key, body, headers = {}) =>
  chat(base, { model: 'fake/x', messages: hi, ...body }, { headers: { authorization: `Bearer ${key}`, ...headers } });

async function startServe() {
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
}

// Creates a key; resolves {secret, id}.
async function key(...flags) {
  const r = await gwCli(['keys', 'create', '--name', `k${Math.random().toString(36).slice(2, 8)}`, ...flags]);
  assert.equal(r.code, 0, r.stderr);
  const secret = r.stdout.trim();
  const list = JSON.parse((await gwCli(['keys', 'list', '--format', 'json'])).stdout);
  return { secret, id: list.find((k) => k.prefix === secret.slice(0, 8)).id };
}

// The ledger's spend of a key (rows are written within ~50 ms; wait for `n` of them).
async function spendOf(keyId, n) {
  for (let i = 0; i < 100; i++) {
    const rows = sql(s.db, `SELECT count(*) AS n, coalesce(sum(cost_usd), 0) AS usd FROM ledger WHERE key_id = '${keyId}'`);
    if (rows[0] && rows[0].n >= n) return rows[0].usd;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fewer than ${n} ledger rows for ${keyId}`);
}

before(async () => {
  fake = await startFake();
  s = scratch(config(fake));
  await startServe();
});
after(async () => {
  if (gw) await stopChild(gw.child);
  if (process.env.GW_DEBUG) console.error(gw.stderr());
  await fake.stop();
  s.cleanup();
});

test('no key, a bad key and a revoked key are 401', async () => {
  const k = await key();
  await key();  // with no active key left, auth = "auto" would let everyone in
  await new Promise((r) => setTimeout(r, 1100));  // the server re-reads whether keys exist each second
  assert.equal((await chat(base, { model: 'fake/x', messages: hi })).status, 401);
  assert.equal((await post('gk-notarealkeynotarealkeynotarealkey00000', {})).status, 401);
  assert.equal((await post(k.secret, {})).status, 200);
  assert.equal((await gwCli(['keys', 'revoke', k.id])).code, 0);
  await new Promise((r) => setTimeout(r, 1100));
  const r = await post(k.secret, {});
  assert.equal(r.status, 401);
  assertOpenAIError(r.json, { code: 'invalid_api_key' });
});

test('a model outside the key\'s list is 403 model_not_allowed, and absent from /v1/models', async () => {
  const k = await key('--models', 'fake/x,both-limited');
  const ok = await post(k.secret, {});
  assert.equal(ok.status, 200, ok.text);
  const r = await post(k.secret, { model: 'fake/other' });
  assert.equal(r.status, 403);
  assertOpenAIError(r.json, { type: 'invalid_request_error', code: 'model_not_allowed' });
  assert.match(r.json.error.message, new RegExp(k.id));
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: k.secret, maxRetries: 0 });
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids, ['both-limited'], 'only the route it may use (fake/x is not a catalogue entry)');
  // An unrestricted key sees the whole catalogue.
  const all = [];
  for await (const m of new OpenAI({ baseURL: `${base}/v1`, apiKey: (await key()).secret }).models.list()) all.push(m.id);
  assert.ok(all.includes('both-limited') && all.length > 1, JSON.stringify(all));
  // The CLI's model check is the same: a [users] allow-list refuses with exit 4.
});

test('--rpm 2: the third request in a minute is 429 with retry-after and the x-ratelimit headers', async () => {
  const k = await key('--rpm', '2');
  const first = await post(k.secret, {});
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('x-ratelimit-limit-requests'), '2');
  assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '1');
  assert.match(first.headers.get('x-ratelimit-reset-requests'), /^\d+(ms|s)$/);
  const second = await post(k.secret, { stream: true });  // streams carry them too
  assert.equal(second.status, 200);
  assert.equal(second.headers.get('x-ratelimit-remaining-requests'), '0');
  assert.equal(parseSse(second.text).done, true);
  const third = await post(k.secret, {});
  assert.equal(third.status, 429);
  assertOpenAIError(third.json, { type: 'rate_limit_error', code: 'rate_limit_exceeded' });
  assert.match(third.json.error.message, /2 requests per minute/);
  const ra = Number(third.headers.get('retry-after'));
  assert.ok(ra >= 29 && ra <= 30, `retry-after ${ra}`);
  assert.ok(Number(third.headers.get('retry-after-ms')) > 28000);
  assert.equal(third.headers.get('x-ratelimit-remaining-requests'), '0');
  // The OpenAI SDK reads it as a RateLimitError.
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: k.secret, maxRetries: 0 });
  await assert.rejects(client.chat.completions.create({ model: 'fake/x', messages: hi }),
    (e) => e instanceof OpenAI.RateLimitError && e.code === 'rate_limit_exceeded');
  // gw keys update lifts it at once for a running server (its key cache lives a second).
  assert.equal((await gwCli(['keys', 'update', k.id, '--rpm', 'none'])).code, 0);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await post(k.secret, {})).status, 200);
});

test('tpm: the estimate (prompt + max_tokens) is corrected by the real usage', async () => {
  // 200 per minute; each request is estimated at 8 + 150 = 158 but really uses 15.
  const k = await key('--tpm', '200');
  const a = await post(k.secret, { max_tokens: 150 });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.headers.get('x-ratelimit-limit-tokens'), '200');
  assert.equal(a.headers.get('x-ratelimit-remaining-tokens'), '42');
  // Uncorrected, 42 would be left and this would be refused; corrected, 185 are.
  const b = await post(k.secret, { max_tokens: 150 });
  assert.equal(b.status, 200, b.text);
  // Larger than the whole limit: refused at once, and the SDKs are told not to retry.
  const c = await post(k.secret, { max_tokens: 500 });
  assert.equal(c.status, 429);
  assertOpenAIError(c.json, { code: 'rate_limit_exceeded' });
  assert.match(c.json.error.message, /too large/);
  assert.equal(c.headers.get('x-should-retry'), 'false');
});

test('max parallel: with slow answers, two of four concurrent requests get in', async () => {
  const k = await key('--max-parallel', '2');
  const rs = await Promise.all([0, 1, 2, 3].map(() => post(k.secret, { model: 'fake/x+stall=800' })));
  const statuses = rs.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 200, 429, 429], rs.map((r) => r.text.slice(0, 120)).join('\n'));
  const refused = rs.find((r) => r.status === 429);
  assert.match(refused.json.error.message, /in flight/);
  // The slots come back when the requests end.
  assert.equal((await post(k.secret, {})).status, 200);
});

test('a budget of a few cents runs out: 429 budget_exceeded, and the spend stops at or below it', async () => {
  const k = await key('--budget', '0.05', '--period', 'day');
  let refused = null;
  let ok = 0;
  for (let i = 0; i < 20 && !refused; i++) {
    const r = await post(k.secret, { model: 'fake/priced', max_tokens: 10 });
    if (r.status === 200) ok++;
    else refused = r;
  }
  assert.ok(refused, 'the budget never ran out');
  assert.equal(refused.status, 429);
  assertOpenAIError(refused.json, { type: 'insufficient_quota', code: 'budget_exceeded' });
  assert.match(refused.json.error.message, new RegExp(`key ${k.id}.*0\\.05 USD per day.*resets at \\d{4}-\\d\\d-\\d\\dT00:00:00Z`));
  assert.equal(refused.headers.get('x-should-retry'), 'false');
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
  assert.ok(ok >= 2, `only ${ok} requests fit`);
  const spent = await spendOf(k.id, ok + 1);
  assert.ok(spent <= 0.05 + 1e-9, `spent ${spent}`);
  assert.ok(spent >= 0.05 - 0.02, `spent only ${spent}: the budget refused too early`);
  // A stream is held to the same budget.
  const st = await post(k.secret, { model: 'fake/priced', max_tokens: 10, stream: true });
  assert.equal(st.status, 429);
  // gw keys list shows the spend of the period.
  const row = JSON.parse((await gwCli(['keys', 'list', '--format', 'json'])).stdout).find((x) => x.id === k.id);
  assert.equal(row.budget_usd, 0.05);
  assert.equal(row.period, 'day');
  assert.ok(Math.abs(row.spend_usd - spent) < 1e-9, JSON.stringify(row));
  assert.ok(row.last_used_ms > 0);
  const table = await gwCli(['keys', 'list']);
  assert.match(table.stdout, /LIMITS\s+SPEND\s+LAST-USED/);
  assert.match(table.stdout.split('\n').find((l) => l.startsWith(k.id)), /\$0\.05\/day\s+\$0\.0\d+\/day\s+\d{4}-/);
});

for (const stream of [false, true]) {
  test(`50 parallel requests against a budget that admits 10 at worst-case cost: at most 10 get in (stream: ${stream})`, async () => {
    // Worst case 8 + 92 = 100 tokens = $0.10; $1.05 fits 10 of them, not 11. The answers take
    // 2 s, so all 50 are in flight together and only reservations decide.
    const k = await key('--budget', '1.05', '--period', 'total');
    const rs = await Promise.all(Array.from({ length: 50 }, () =>
      post(k.secret, { model: 'fake/priced+stall=2000', max_tokens: 92, stream })));
    const ok = rs.filter((r) => r.status === 200);
    const refused = rs.filter((r) => r.status === 429);
    assert.equal(ok.length + refused.length, 50, rs.map((r) => r.status).join(','));
    assert.ok(ok.length <= 10, `${ok.length} got in`);
    assert.ok(ok.length >= 9, `only ${ok.length} got in`);  // all were in flight at once
    for (const r of refused) assert.equal(r.json.error.code, 'budget_exceeded');
    if (stream) for (const r of ok) assert.equal(parseSse(r.text).done, true);
    const spent = await spendOf(k.id, 50);
    assert.ok(spent <= 1.05, `spent ${spent}`);
  });
}

test('a tenant\'s limit is shared by the keys of that tenant', async () => {
  const a = await key('--tenant', 'shared');
  const b = await key('--tenant', 'shared');
  assert.equal((await post(a.secret, {})).status, 200);
  assert.equal((await post(a.secret, {})).status, 200);
  assert.equal((await post(b.secret, {})).status, 200);
  const r = await post(b.secret, {});
  assert.equal(r.status, 429);
  assert.match(r.json.error.message, /tenant shared/);
  assert.equal(r.headers.get('x-ratelimit-limit-requests'), '3');
});

test('gw chat: a user over their budget gets exit code 4 and the reason', async () => {
  let last = null;
  for (let i = 0; i < 10; i++) {
    last = await gwCli(['chat', '-m', 'fake/priced', '--user', 'carol', '-o', 'max_tokens=10', '--no-stream', 'hi']);
    if (last.code !== 0) break;
  }
  assert.equal(last.code, 4, last.stderr);
  assert.match(last.stderr, /Budget of user carol \(0\.05 USD per day\) is spent/);
  const rows = sql(s.db, "SELECT coalesce(sum(cost_usd), 0) AS usd FROM ledger WHERE user = 'carol'");
  assert.ok(rows[0].usd <= 0.05 + 1e-9, JSON.stringify(rows));
  // gw compare goes through the same stage.
  const cmp = await gwCli(['compare', '-m', 'fake/priced', '-m', 'mock/echo', '--user', 'carol', '--format', 'json', 'hi']);
  const out = JSON.parse(cmp.stdout);
  const priced = out.results ?? out;
  assert.match(JSON.stringify(priced), /budget_exceeded|Budget of user carol/);
  // An unpriced model under a budget is refused (the default), clearly.
  const un = await gwCli(['chat', '-m', 'fake/unpriced', '--user', 'dave', 'hi']);
  assert.equal(un.code, 4, un.stderr);
  assert.match(un.stderr, /no known price/);
});

test('spend survives a restart', async () => {
  const k = await key('--budget', '0.03', '--period', 'month');
  let n = 0;
  while (n < 10 && (await post(k.secret, { model: 'fake/priced', max_tokens: 10 })).status === 200) n++;
  assert.ok(n >= 1 && n < 10, `${n} fit`);
  await spendOf(k.id, n + 1);
  await stopChild(gw.child);
  await startServe();
  await new Promise((r) => setTimeout(r, 200));
  const r = await post(k.secret, { model: 'fake/priced', max_tokens: 10 });
  assert.equal(r.status, 429, r.text);
  assertOpenAIError(r.json, { code: 'budget_exceeded' });
});

test('every attempt rate-limited upstream: 429 with the smallest retry-after and the upstream\'s headers', async () => {
  const k = await key();
  const r = await post(k.secret, { model: 'both-limited' });
  assert.equal(r.status, 429, r.text);
  assertOpenAIError(r.json, { code: 'rate_limit_exceeded' });
  assert.equal(r.headers.get('retry-after'), '1');
  assert.equal(r.headers.get('retry-after-ms'), '1000');
  assert.equal(r.headers.get('x-ratelimit-limit-requests'), '3', 'the upstream\'s own header');
  assert.equal(r.headers.get('x-ratelimit-reset-requests'), '20s');
  assert.match(r.json.error.message, /all 2 attempts failed/);
});
