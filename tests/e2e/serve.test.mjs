// `gw serve` end to end with the official OpenAI Node SDK as the client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild } from './harness.mjs';

let fake, s, gw, base, client;

before(async () => {
  fake = await startFake();
  s = scratch(`
[server]
max_body_bytes = 20000
${fakeProviders(fake)}
[routes.fo]
strategy = "fallback"
targets = ["fake/first+fail=429", "fake/second"]

[routes.cb]
strategy = "fallback"
targets = ["fake/dead+fail=500", "fake/alive"]
retries = 0
cooldown_s = 60

[routes.fast]
strategy = "fastest"
targets = ["fake/slow+stall=300", "fake/quick"]
retries = 0

[routes.cheap]
strategy = "cheapest"
targets = ["fake/pricey", "fake/bargain", "fake/unpriced"]

[prices."fake/pricey"]
input = 10.0
output = 30.0

[prices."fake/bargain"]
input = 0.1
output = 0.4

[routes.w]
strategy = "weighted"
targets = [{ model = "fake/w1", weight = 3 }, { model = "fake/w2", weight = 1 }]

[[routes.auto.rules]]
when = { task = "polish" }
use = "fake/cheap"
[[routes.auto.rules]]
when = { tools = true }
use = "fake/tooly"
[routes.auto]
default = "fake/strong"
`);
  const env = cleanEnv({ GW_DB: s.db });
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env, readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
  client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => {
  if (gw) await stopChild(gw.child);
  await fake.stop();
  s.cleanup();
});

const user = (content) => [{ role: 'user', content }];
const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

test('non-streamed completion through each provider kind', async () => {
  for (const model of ['fake/gpt-x', 'fakeanthropic/claude-x', 'fakegemini/gemini-x', 'mock/echo']) {
    const { data, response } = await client.chat.completions.create({ model, messages: user('hello gw') }).withResponse();
    const want = model === 'mock/echo' ? 'hello gw' : 'Hello! You said: hello gw';
    assert.equal(data.choices[0].message.content, want, model);
    assert.equal(data.object, 'chat.completion');
    assert.ok(data.usage.prompt_tokens > 0, model);
    assert.equal(response.headers.get('x-gw-provider'), model.split('/')[0]);
    assert.equal(response.headers.get('x-gw-attempts'), '1');
    assert.match(response.headers.get('x-gw-request-id'), /^req_/);
    assert.ok(response.headers.get('x-gw-route-reason'));
  }
});

test('an OpenAI-compatible upstream answer is forwarded as it came, fields gw does not model included', async () => {
  const { data } = await client.chat.completions.create({ model: 'fake/gpt-x', messages: user('as is') }).withResponse();
  // The fake's usage has audio_tokens details that gw's own types do not keep: a re-serialized
  // answer would have dropped them.
  assert.equal(data.usage.completion_tokens_details?.audio_tokens, 0, JSON.stringify(data.usage));
  assert.equal(data.service_tier, 'default');
  assert.equal(data.choices[0].message.content, 'Hello! You said: as is');
});

test('streamed completion through each provider kind, usage only when asked', async () => {
  for (const model of ['fake/gpt-x', 'fakeanthropic/claude-x', 'fakegemini/gemini-x']) {
    for (const includeUsage of [false, true]) {
      const stream = await client.chat.completions.create({
        model, messages: user('stream me'), stream: true,
        ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
      });
      let text = '', usage = null, finish = null, ids = new Set();
      for await (const chunk of stream) {
        ids.add(chunk.id);
        if (chunk.usage) usage = chunk.usage;
        for (const c of chunk.choices) {
          text += c.delta?.content ?? '';
          if (c.finish_reason) finish = c.finish_reason;
        }
      }
      assert.equal(text, 'Hello! You said: stream me', model);
      assert.equal(finish, 'stop', model);
      assert.equal(ids.size, 1, `${model}: one id for all chunks`);
      if (includeUsage) {
        assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens === 5, `${model} usage ${JSON.stringify(usage)}`);
      } else {
        assert.equal(usage, null, `${model}: no usage chunk unless asked`);
      }
    }
  }
});

test('the upstream always gets include_usage for OpenAI streams', async () => {
  await fake.clear();
  const stream = await client.chat.completions.create({ model: 'fake/gpt-x', messages: user('u'), stream: true });
  for await (const _ of stream) { /* drain */ }
  const req = await fake.last();
  assert.deepEqual(req.body.stream_options, { include_usage: true });
});

test('tool calls through each provider kind, streamed and not', async () => {
  for (const model of ['fake/gpt-x+tool', 'fakeanthropic/claude-x+tool', 'fakegemini/gemini-x+tool']) {
    const r = await client.chat.completions.create({ model, messages: user('weather in Paris?'), tools });
    const call = r.choices[0].message.tool_calls[0];
    assert.equal(r.choices[0].finish_reason, 'tool_calls', model);
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris', unit: 'c' });

    const stream = await client.chat.completions.create({ model, messages: user('weather in Paris?'), tools, stream: true });
    const calls = {};
    let finish = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        if (c.finish_reason) finish = c.finish_reason;
        for (const tc of c.delta?.tool_calls ?? []) {
          calls[tc.index] ??= { id: '', name: '', args: '' };
          if (tc.id) calls[tc.index].id = tc.id;
          if (tc.function?.name) calls[tc.index].name = tc.function.name;
          calls[tc.index].args += tc.function?.arguments ?? '';
        }
      }
    }
    assert.equal(finish, 'tool_calls', model);
    assert.equal(calls[0].name, 'get_weather', model);
    assert.ok(calls[0].id, model);
    assert.deepEqual(JSON.parse(calls[0].args), { city: 'Paris', unit: 'c' }, model);
  }
});

test('failover when the first target answers 429', async () => {
  const { data, response } = await client.chat.completions.create({ model: 'fo', messages: user('failover') }).withResponse();
  assert.equal(data.choices[0].message.content, 'Hello! You said: failover');
  assert.equal(response.headers.get('x-gw-attempts'), '2');
  assert.equal(response.headers.get('x-gw-model'), 'second');
  assert.match(response.headers.get('x-gw-route-reason'), /first\+fail=429|circuit open/);
});

test('retry-after is passed to the client when a lone target is rate limited', async () => {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake/x+fail=429+retry-after=60', messages: user('x') }),
  });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '60');
  const body = await res.json();
  assert.equal(body.error.code, 'rate_limit_exceeded');
});

test('circuit breaker skips a dead target after repeated failures', async () => {
  for (let i = 0; i < 3; i++) {
    const r = await client.chat.completions.create({ model: 'cb', messages: user('cb') });
    assert.equal(r.choices[0].message.content, 'Hello! You said: cb');
  }
  await fake.clear();
  const { response } = await client.chat.completions.create({ model: 'cb', messages: user('cb') }).withResponse();
  assert.equal(response.headers.get('x-gw-attempts'), '1');
  assert.match(response.headers.get('x-gw-route-reason'), /circuit open/);
  const seen = (await fake.requests()).map((r) => r.body.model);
  assert.deepEqual(seen, ['alive']);
});

test('fastest moves traffic to the faster target', async () => {
  const picks = { quick: 0, slow: 0 };
  for (let i = 0; i < 30; i++) {
    const { response } = await client.chat.completions.create({ model: 'fast', messages: user('f') }).withResponse();
    picks[response.headers.get('x-gw-model').startsWith('quick') ? 'quick' : 'slow']++;
  }
  assert.ok(picks.quick >= 20, JSON.stringify(picks));
});

test('cheapest picks the lowest price for the request and says why', async () => {
  const { response } = await client.chat.completions.create({ model: 'cheap', messages: user('price me') }).withResponse();
  assert.equal(response.headers.get('x-gw-model'), 'bargain');
  assert.match(response.headers.get('x-gw-route-reason'), /^cheapest: \$[0-9.]+ vs \$[0-9.]+/);
});

test('weighted split stays within tolerance', async () => {
  const counts = { w1: 0, w2: 0 };
  const n = 300;
  for (let i = 0; i < n; i++) {
    const { response } = await client.chat.completions.create({ model: 'w', messages: user('w') }).withResponse();
    counts[response.headers.get('x-gw-model')]++;
  }
  const share = counts.w1 / n;
  assert.ok(share > 0.65 && share < 0.85, JSON.stringify(counts));
});

test('rules route by task header, metadata and tools', async () => {
  const pick = async (extra, headers = {}) => {
    const { response } = await client.chat.completions.create({ model: 'auto', messages: user('route me'), ...extra }, { headers }).withResponse();
    return response.headers.get('x-gw-model');
  };
  assert.equal(await pick({}, { 'x-gw-task': 'polish' }), 'cheap');
  assert.equal(await pick({ metadata: { task: 'polish' }, store: true }), 'cheap');
  assert.equal(await pick({ tools }), 'tooly');
  assert.equal(await pick({}), 'strong');
});

test('a stream reaches the client chunk by chunk', async () => {
  const stream = await client.chat.completions.create({ model: 'fake/x+words=8+pace=200', messages: user('x'), stream: true });
  let first = 0, n = 0;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta?.content && !first) first = Date.now();
    n++;
  }
  const end = Date.now();
  assert.ok(n >= 8);
  assert.ok(end - first >= 1000, `first content chunk came only ${end - first} ms before the end`);
});

test('client disconnect mid-stream cancels the upstream', async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create(
    { model: 'fake/x+words=200+pace=100', messages: user('x'), stream: true }, { signal: controller.signal });
  try {
    for await (const _ of stream) { controller.abort(); }
  } catch { /* aborted */ }
  let inFlight = -1;
  for (let i = 0; i < 40 && inFlight !== 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const m = await (await fetch(`${base}/metrics`)).text();
    inFlight = Number(m.match(/^gw_requests_in_flight (\S+)/m)[1]);
  }
  assert.equal(inFlight, 0, 'the request ended long before the 20 s upstream stream would have');
});

test('a broken stream after the first byte ends with an error event, not [DONE]', async () => {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake/x+words=20+cut', messages: user('x'), stream: true }),
  });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /"code":"upstream_stream_truncated"/);
  assert.doesNotMatch(text, /\[DONE\]/);
});

test('every bad request gets an OpenAI-shaped error and the server lives on', async () => {
  const post = (body, headers = { 'content-type': 'application/json' }) =>
    fetch(`${base}/v1/chat/completions`, { method: 'POST', headers, body });
  const cases = [
    ['{not json', 400, null],
    [JSON.stringify({ model: 'fake/x' }), 400, 'messages'],
    [JSON.stringify({ model: 'fake/x', messages: 'hi' }), 400, 'messages'],
    [JSON.stringify({ model: 'fake/x', messages: user('x'), temperature: 'hot' }), 400, 'temperature'],
    [JSON.stringify({ messages: user('x') }), 400, 'model'],
    [JSON.stringify({ model: 'nope/x', messages: user('x') }), 404, null],
    [JSON.stringify({ model: 'fake/x', messages: user('x'.repeat(30000)) }), 413, null],
  ];
  for (const [body, status, param] of cases) {
    const res = await post(body);
    assert.equal(res.status, status, body.slice(0, 60));
    const j = await res.json();
    assert.equal(typeof j.error.message, 'string');
    assert.ok(j.error.type);
    if (param) assert.equal(j.error.param, param);
  }
  const bad = await client.chat.completions.create({ model: 'nope/x', messages: user('x') }).catch((e) => e);
  assert.equal(bad.status, 404);
  const health = await (await fetch(`${base}/healthz`)).json();
  assert.deepEqual(health, { status: 'ok' });
});

test('GET /v1/models lists routes in the OpenAI list shape', async () => {
  const list = await client.models.list();
  const ids = list.data.map((m) => m.id);
  for (const r of ['fo', 'cb', 'fast', 'w']) assert.ok(ids.includes(r), r);
});

test('/metrics speaks Prometheus text', async () => {
  const m = await (await fetch(`${base}/metrics`)).text();
  assert.match(m, /# TYPE gw_requests_total counter/);
  // fake/gpt-x is neither priced nor named in the config: its label is "other" (bounded set).
  assert.match(m, /gw_requests_total\{model="other",provider="fake",status="200"\} \d+/);
  assert.doesNotMatch(m, /model="gpt-x"/);
  assert.match(m, /gw_time_to_first_token_seconds_bucket/);
  assert.match(m, /gw_upstream_errors_total\{model="first\+fail=429",provider="fake",status="429"\} \d+/);
});

test('SIGTERM shuts down gracefully with exit 0', async () => {
  const env = cleanEnv({ GW_DB: s.db });
  const other = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env, readyPrefix: 'gw serve: listening on ' });
  const code = await stopChild(other.child, 'SIGTERM');
  assert.equal(code, 0);
});
