// Upstream 429/500/503/529, with and without a retry-after hint: what the client gets, how
// many attempts gw makes on a lone target and on a route of two, and what the row says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startFake, fakeProviders, gatewayFor, chat, parseSse, assertOpenAIError, waitRow, assertHealthy,
} from './lib.mjs';

let fake;
const codes = [429, 500, 503, 529];
// What a client sees for each upstream status once every attempt failed.
const want = {
  429: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  500: { status: 502, type: 'server_error' },
  503: { status: 503, type: 'server_error', code: 'overloaded' },
  529: { status: 503, type: 'server_error', code: 'overloaded' },
};
// The fake sends retry-after: 1 with every 429 unless told not to.
const hints = { hint: '+retry-after=1', nohint: '+no-retry-after' };

function routes() {
  let out = '';
  for (const code of codes) {
    for (const [h, directive] of Object.entries(hints)) {
      out += `
[routes.lone-${code}-${h}]
targets = ["fake/lone-${code}-${h}+fail=${code}${directive}"]
retries = 1

[routes.pair-${code}-${h}]
targets = ["fake/pa-${code}-${h}+fail=${code}${directive}", "fake/pb-${code}-${h}"]
retries = 1
cooldown_s = 60
`;
    }
  }
  return out + `
[routes.long-hint]
targets = ["fake/long+fail=429+retry-after=120"]
retries = 2

[routes.both-fail]
targets = ["fake/bf1+fail=500", "fake/bf2+fail=503"]
retries = 0

[routes.flaky]
targets = ["fake/flaky+flaky=1+no-retry-after"]
retries = 1

[routes.stream-pair]
targets = ["fake/spa+fail=503", "fake/spb"]
retries = 0

[routes.anthropic-529]
targets = ["fakeanthropic/a529+fail=529"]
retries = 0

[routes.gemini-429]
targets = ["fakegemini/g429+fail=429+retry-after=2"]
retries = 0
`;
}

const G = gatewayFor(() => fakeProviders(fake) + routes());
before(async () => { fake = await startFake(); });
after(async () => { await G.close(); await fake.stop(); });

const seenModels = async () => (await fake.requests()).map((q) => q.model);
const count = (list, prefix) => list.filter((m) => m.startsWith(prefix)).length;

test('a lone target: retried once, then the upstream status maps to the client; hints honoured', async () => {
  const gw = await G.get();
  await fake.clear();
  for (const code of codes) {
    for (const h of Object.keys(hints)) {
      const route = `lone-${code}-${h}`;
      const r = await chat(gw.base, { model: route });
      const w = want[code];
      assert.equal(r.status, w.status, `${route}: ${r.text.slice(0, 200)}`);
      assertOpenAIError(r.json, { type: w.type, ...(w.code ? { code: w.code } : {}) }, route);
      assert.equal(count(await seenModels(), `lone-${code}-${h}+`), 2, `${route}: attempts seen by the upstream`);
      if (h === 'hint') {
        assert.ok(r.ms >= 900, `${route}: retried after ${r.ms} ms, the upstream asked for 1 s`);
        assert.equal(r.headers.get('retry-after'), '1', `${route}: the hint reaches the client`);
      } else {
        assert.ok(r.ms < 900, `${route}: backoff without a hint took ${r.ms} ms`);
        assert.equal(r.headers.get('retry-after'), null, `${route}: no hint was given`);
      }
      const row = await waitRow(gw.db, r.id);
      assert.equal(row.status, w.status, route);
      assert.equal(row.error_type, w.type, route);
      assert.equal(row.attempts, 2, route);
      assert.equal(row.route, route);
      assert.equal(row.input_tokens, 0, route);
    }
  }
  await assertHealthy(gw);
});

test('a route of two targets: a 429 moves on at once, a 5xx is retried once first', async () => {
  const gw = await G.get();
  await fake.clear();
  for (const code of codes) {
    for (const h of Object.keys(hints)) {
      const route = `pair-${code}-${h}`;
      const r = await chat(gw.base, { model: route, messages: [{ role: 'user', content: 'pair' }] });
      assert.equal(r.status, 200, `${route}: ${r.text.slice(0, 200)}`);
      assert.equal(r.json.choices[0].message.content, 'Hello! You said: pair');
      assert.equal(r.headers.get('x-gw-model'), `pb-${code}-${h}`);
      const seen = await seenModels();
      const first = count(seen, `pa-${code}-${h}+`);
      assert.equal(first, code === 429 ? 1 : 2, `${route}: attempts on the failing target`);
      assert.equal(count(seen, `pb-${code}-${h}`), 1, route);
      assert.equal(r.headers.get('x-gw-attempts'), String(first + 1), route);
      assert.match(r.headers.get('x-gw-route-reason'), new RegExp(`pa-${code}-${h}`), route);
      const row = await waitRow(gw.db, r.id);
      assert.equal(row.status, 200, route);
      assert.equal(row.attempts, first + 1, route);
      assert.equal(row.model, `pb-${code}-${h}`, route);
      assert.ok(row.input_tokens > 0, route);
    }
  }
  await assertHealthy(gw);
});

test('a retry-after beyond 30 s is not waited for: the 429 and its hint go to the client at once', async () => {
  const gw = await G.get();
  await fake.clear();
  const r = await chat(gw.base, { model: 'long-hint' });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '120');
  assertOpenAIError(r.json, { code: 'rate_limit_exceeded' }, 'long hint');
  assert.ok(r.ms < 3000, `took ${r.ms} ms`);
  assert.equal(count(await seenModels(), 'long+'), 1);
  const row = await waitRow(gw.db, r.id);
  assert.equal(row.status, 429);
  assert.equal(row.attempts, 1);
});

test('every target failing: the last status, and a message naming each attempt', async () => {
  const gw = await G.get();
  const r = await chat(gw.base, { model: 'both-fail' });
  assert.equal(r.status, 503, r.text);
  assertOpenAIError(r.json, { code: 'overloaded' }, 'both fail');
  assert.match(r.json.error.message, /all 2 attempts failed/);
  assert.match(r.json.error.message, /bf1\+fail=500/);
  const row = await waitRow(gw.db, r.id);
  assert.equal(row.status, 503);
  assert.equal(row.attempts, 2);
  await assertHealthy(gw);
});

test('a transient failure is retried into a success', async () => {
  const gw = await G.get();
  const r = await chat(gw.base, { model: 'flaky' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('x-gw-attempts'), '2');
  const row = await waitRow(gw.db, r.id);
  assert.equal(row.status, 200);
  assert.equal(row.attempts, 2);
});

test('a stream fails over before its first byte: the client sees one clean stream', async () => {
  const gw = await G.get();
  const r = await chat(gw.base, { model: 'stream-pair', stream: true, messages: [{ role: 'user', content: 'streamed over' }] });
  assert.equal(r.status, 200);
  const sse = parseSse(r.text);
  assert.equal(sse.done, true);
  assert.deepEqual(sse.errors, []);
  assert.equal(sse.content, 'Hello! You said: streamed over');
  assert.equal(r.headers.get('x-gw-attempts'), '2');
  const row = await waitRow(gw.db, r.id);
  assert.equal(row.status, 200);
  assert.equal(row.stream, 1);
});

test('Anthropic 529 and Gemini 429 with retryDelay map like OpenAI statuses', async () => {
  const gw = await G.get();
  const a = await chat(gw.base, { model: 'anthropic-529' });
  assert.equal(a.status, 503, a.text);
  assertOpenAIError(a.json, { code: 'overloaded' }, 'anthropic 529');
  const g = await chat(gw.base, { model: 'gemini-429' });
  assert.equal(g.status, 429, g.text);
  assertOpenAIError(g.json, { type: 'rate_limit_error' }, 'gemini 429');
  assert.equal(g.headers.get('retry-after'), '2');
  for (const r of [a, g]) assert.equal((await waitRow(gw.db, r.id)).status, r.status);
  await assertHealthy(gw);
});
