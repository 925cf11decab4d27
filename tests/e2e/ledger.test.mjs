// The ledger and `gw report`: every request through gw chat and gw serve leaves a row whose
// tokens are exactly what the upstream reported and whose cost follows the configured prices.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, scratch, fakeProviders, cleanEnv, runGw, spawnGw, stopChild } from './harness.mjs';

let fake, s;
const prices = {
  'fake/gpt-a': { input: 2.5, output: 10, cached_input: 1.25 },
  'fakeanthropic/claude-b+cache': { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 },
  'fakegemini/gemini-c': { input: 0.3, output: 2.5 },
};
const priceToml = Object.entries(prices).map(([k, p]) =>
  `[prices."${k}"]\n` + Object.entries(p).map(([f, v]) => `${f} = ${v}`).join('\n')).join('\n\n');

// The fake's own usage report → {input, cached, cacheWrite, output} in gw's (OpenAI) terms.
function normalise(dialect, u) {
  if (dialect === 'openai') return { input: u.prompt_tokens, cached: u.prompt_tokens_details?.cached_tokens ?? 0, cacheWrite: 0, output: u.completion_tokens };
  if (dialect === 'anthropic') {
    const cached = u.cache_read_input_tokens ?? 0, cacheWrite = u.cache_creation_input_tokens ?? 0;
    return { input: u.input_tokens + cached + cacheWrite, cached, cacheWrite, output: u.output_tokens };
  }
  return { input: u.promptTokenCount, cached: u.cachedContentTokenCount ?? 0, cacheWrite: 0, output: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0) };
}
function cost(p, t) {
  return ((t.input - t.cached - t.cacheWrite) * p.input + t.cached * (p.cached_input ?? p.input) +
    t.cacheWrite * (p.cache_write ?? p.input) + t.output * p.output) / 1e6;
}
const near = (a, b) => Math.abs(a - b) < 1e-12 * Math.max(1, Math.abs(b));

before(async () => {
  fake = await startFake();
  s = scratch(fakeProviders(fake, priceToml));
});
after(async () => { await fake.stop(); s.cleanup(); });

const env = () => cleanEnv({ GW_DB: s.db });
const report = async (args) => {
  const r = await runGw(['--config', s.config, 'report', '--format', 'json', ...args], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

test('report totals equal exactly what the fake reported, priced by the config', async () => {
  await fake.clear();
  const models = ['fake/gpt-a', 'fakeanthropic/claude-b+cache', 'fakegemini/gemini-c'];
  // gw chat for alice and bob, streamed and not.
  for (const model of models)
    for (const [user, extra] of [['alice', []], ['bob', ['--no-stream']]]) {
      const r = await runGw(['--config', s.config, 'chat', '--user', user, ...extra, '-m', model, 'count these tokens please'], { env: env() });
      assert.equal(r.code, 0, r.stderr);
    }
  // gw serve for carol (body user) and dave (x-gw-user header), streamed and not.
  const gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  const base = gw.value.split(' ')[0];
  for (const model of models)
    for (const [who, stream] of [['carol', false], ['dave', true]]) {
      const body = { model, stream, messages: [{ role: 'user', content: 'serve these tokens too' }], ...(who === 'carol' ? { user: 'carol' } : {}) };
      const res = await fetch(`${base}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...(who === 'dave' ? { 'x-gw-user': 'dave' } : {}) },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200);
      await res.text();
    }
  assert.equal(await stopChild(gw.child), 0);

  // What the fake says it charged, request by request.
  const seen = await fake.requests();
  assert.equal(seen.length, 12);
  const want = { requests: 0, input: 0, output: 0, cached: 0, cost: 0 };
  for (const r of seen) {
    const model = { openai: 'fake/gpt-a', anthropic: 'fakeanthropic/claude-b+cache', gemini: 'fakegemini/gemini-c' }[r.dialect];
    const t = normalise(r.dialect, r.usage);
    const c = cost(prices[model], t);
    want.requests++; want.input += t.input; want.output += t.output; want.cached += t.cached; want.cost += c;
  }
  const j = await report(['--by', 'user']);
  assert.deepEqual(j.by, ['user']);
  assert.match(j.since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(j.total.requests, want.requests);
  assert.equal(j.total.errors, 0);
  assert.equal(j.total.input_tokens, want.input);
  assert.equal(j.total.output_tokens, want.output);
  assert.equal(j.total.cached_tokens, want.cached);
  assert.ok(near(j.total.cost_usd, want.cost), `${j.total.cost_usd} vs ${want.cost}`);
  assert.deepEqual(j.rows.map((r) => r.user).sort(), ['alice', 'bob', 'carol', 'dave']);
  for (const row of j.rows) assert.equal(row.requests, 3);
  assert.deepEqual(Object.keys(j.rows[0]), ['user', 'requests', 'errors', 'input_tokens', 'output_tokens', 'cached_tokens', 'cost_usd']);

  // The same request costs exactly the same streamed or not: alice streamed, bob did not.
  const byUserModel = await report(['--by', 'user,model']);
  for (const model of models) {
    const a = byUserModel.rows.find((r) => r.user === 'alice' && r.model === model);
    const b = byUserModel.rows.find((r) => r.user === 'bob' && r.model === model);
    assert.ok(a && b, model);
    assert.equal(a.input_tokens, b.input_tokens, model);
    assert.equal(a.output_tokens, b.output_tokens, model);
    assert.equal(a.cost_usd, b.cost_usd, model);
    assert.ok(a.cost_usd > 0, model);
  }
});

test('a failed request counts as an error with no tokens; unknown prices are null, never 0', async () => {
  const r1 = await runGw(['--config', s.config, 'chat', '--user', 'erin', '-m', 'fake/gpt-a+fail=400', 'x'], { env: env() });
  assert.equal(r1.code, 1);
  const r2 = await runGw(['--config', s.config, 'chat', '--user', 'erin', '-m', 'fake/unpriced', 'x'], { env: env() });
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /price/i);
  const j = await report(['--by', 'model', '--user', 'erin']);
  const failed = j.rows.find((r) => r.model === 'fake/gpt-a+fail=400');
  assert.equal(failed.requests, 1);
  assert.equal(failed.errors, 1);
  assert.equal(failed.input_tokens, 0);
  assert.equal(failed.output_tokens, 0);
  assert.equal(failed.cost_usd, 0);
  const unpriced = j.rows.find((r) => r.model === 'fake/unpriced');
  assert.equal(unpriced.cost_usd, null);
  assert.equal(j.total.cost_usd, null);
  const table = await runGw(['--config', s.config, 'report', '--user', 'erin'], { env: env() });
  assert.match(table.stdout, /unknown|\?/i);
  const csv = await runGw(['--config', s.config, 'report', '--user', 'erin', '--by', 'model', '--format', 'csv'], { env: env() });
  assert.match(csv.stdout.split('\n')[0], /^model,requests,errors,input_tokens,output_tokens,cached_tokens,cost_usd/);
});

test('SIGTERM during load loses no completed request', async () => {
  const t = scratch(fakeProviders(fake));
  const gw = await spawnGw(['--config', t.config, 'serve', '--listen', '127.0.0.1:0'], { env: cleanEnv({ GW_DB: t.db }), readyPrefix: 'gw serve: listening on ' });
  const base = gw.value.split(' ')[0];
  let completed = 0;
  const inflight = [];
  for (let i = 0; i < 24; i++) {
    inflight.push(fetch(`${base}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake/load+words=5+pace=100', stream: i % 2 === 0, messages: [{ role: 'user', content: 'x' }] }),
    }).then(async (r) => { await r.text(); if (r.status === 200) completed++; }).catch(() => {}));
  }
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(await stopChild(gw.child, 'SIGTERM'), 0);
  await Promise.all(inflight);
  const r = await runGw(['--config', t.config, 'report', '--format', 'json'], { env: cleanEnv({ GW_DB: t.db }) });
  const j = JSON.parse(r.stdout);
  assert.ok(completed > 0);
  assert.ok(j.total.requests >= completed, `${j.total.requests} rows for ${completed} completed requests`);
  t.cleanup();
});

test('a missing or read-only database folder gives a clear error', async () => {
  const bad = cleanEnv({ GW_DB: '/proc/gw-no-such-dir/gw.db' });
  const rep = await runGw(['--config', s.config, 'report'], { env: bad });
  assert.equal(rep.code, 3);
  assert.match(rep.stderr, /\/proc\/gw-no-such-dir/);
  const chat = await runGw(['--config', s.config, 'chat', '-m', 'mock/echo', 'still works'], { env: bad });
  assert.equal(chat.code, 0);
  assert.equal(chat.stdout, 'still works\n');
  assert.match(chat.stderr, /not being recorded/);
});
