// OpenAI's stream obfuscation: the real Chat Completions API ends every streamed chunk with
// `"obfuscation":"<random padding>"` unless the request sends
// `stream_options: {include_obfuscation: false}`. The fake upstream does the same, so that
// gw's stream path meets irregular, realistic events. This file checks the fake itself
// (talking to it directly), then streams through `gw serve` with the official client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild } from './harness.mjs';

let fake, s, gw, client;

before(async () => {
  fake = await startFake();
  s = scratch(fakeProviders(fake));
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'],
    { env: cleanEnv({ GW_DB: s.db }), readyPrefix: 'gw serve: listening on ' });
  const base = gw.value.split(' ')[0];
  client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20000 });
});
after(async () => {
  if (gw) await stopChild(gw.child);
  if (fake) await fake.stop();
  s?.cleanup();
});

const T = { timeout: 60000 };
const user = (content) => [{ role: 'user', content }];
const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
const PAD = /^[A-Za-z0-9]{1,16}$/;

// POSTs to the fake's /v1/chat/completions; resolves the status, the raw body and, for a
// stream, the parsed `data:` payloads before [DONE].
async function direct(body) {
  const res = await fetch(`${fake.base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-123' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15000),
  });
  const raw = await res.text();
  const events = [];
  let done = false;
  const sse = (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
  for (const block of sse ? raw.split(/\r?\n\r?\n/) : []) {
    if (!block) continue;
    assert.ok(block.startsWith('data: '), `not a data event: ${block.slice(0, 80)}`);
    const data = block.slice('data: '.length);
    if (data === '[DONE]') { done = true; continue; }
    events.push(JSON.parse(data));
  }
  return { status: res.status, raw, events, done };
}

const stream = (model, extra = {}) =>
  direct({ model, messages: user('pad me'), stream: true, ...extra });
const text = (events) => events.map((e) => e.choices[0]?.delta?.content ?? '').join('');
const strip = ({ obfuscation, ...rest }) => rest;
// What a non-streamed answer from the fake says for this model: the text a stream must assemble.
async function expected(model) {
  const r = await direct({ model, messages: user('pad me') });
  assert.equal(r.status, 200, r.raw);
  const answer = JSON.parse(r.raw);
  return { text: answer.choices[0].message.content, usage: answer.usage };
}

test('the fake pads every streamed chunk, usage chunk included, as the last member', T, async () => {
  for (const model of ['gpt-x', 'gpt-x+words=40', 'gpt-x+tool', 'gpt-x+crlf', 'gpt-x+words=12+nousage']) {
    for (const includeUsage of [false, true]) {
      const r = await stream(model, includeUsage ? { stream_options: { include_usage: true } } : {});
      assert.equal(r.status, 200, r.raw);
      assert.ok(r.done, `${model}: [DONE]`);
      const wantUsageChunk = includeUsage && !model.includes('nousage');
      assert.equal(r.events.some((e) => e.usage), wantUsageChunk, `${model} include_usage=${includeUsage}`);
      for (const e of r.events) {
        assert.match(e.obfuscation ?? '', PAD, `${model}: ${JSON.stringify(e)}`);
        const keys = Object.keys(e);
        assert.equal(keys[keys.length - 1], 'obfuscation', `${model}: obfuscation is not last in ${keys}`);
        assert.equal(e.object, 'chat.completion.chunk');
      }
    }
  }
});

test('the padding changes from event to event, in characters and length', T, async () => {
  const r = await stream('gpt-x+words=60', { stream_options: { include_usage: true } });
  const pads = r.events.map((e) => e.obfuscation);
  for (let i = 1; i < pads.length; i++) assert.notEqual(pads[i], pads[i - 1], `events ${i - 1} and ${i}`);
  const lengths = new Set(pads.map((p) => p.length));
  assert.ok(lengths.size >= 5, `only lengths ${[...lengths]} over ${pads.length} events`);
  // An event's size no longer follows its delta's: size minus content length varies.
  const overhead = new Set(r.events.filter((e) => e.choices[0]?.delta?.content)
    .map((e) => JSON.stringify(e).length - e.choices[0].delta.content.length));
  assert.ok(overhead.size >= 5, `event size - content size: ${[...overhead]}`);
  // The padding is not part of the answer.
  assert.equal(text(r.events), (await expected('gpt-x+words=60')).text);
});

test('include_obfuscation:false drops the field and changes nothing else', T, async () => {
  for (const model of ['gpt-x+words=20', 'gpt-x+tool']) {
    for (const includeUsage of [false, true]) {
      const so = includeUsage ? { include_usage: true } : {};
      const on = await stream(model, { stream_options: { ...so, include_obfuscation: true } });
      const off = await stream(model, { stream_options: { ...so, include_obfuscation: false } });
      assert.equal(off.status, 200, off.raw);
      assert.doesNotMatch(off.raw, /obfuscation/);
      assert.ok(on.events.every((e) => PAD.test(e.obfuscation)), model);
      // Ids and timestamps differ per response; everything else is the same without the pad.
      const norm = (e) => JSON.parse(JSON.stringify({ ...strip(e), id: 'x', created: 0 })
        .replace(/call_fake\d+/g, 'call_x'));
      assert.deepEqual(off.events.map(norm), on.events.map(norm), `${model} include_usage=${includeUsage}`);
    }
  }
});

test('a non-streamed answer has no obfuscation field', T, async () => {
  for (const model of ['gpt-x', 'gpt-x+tool', 'gpt-x+words=30']) {
    const r = await direct({ model, messages: user('plain') });
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.raw).obfuscation, undefined, model);
    assert.doesNotMatch(r.raw, /obfuscation/);
  }
});

test('the fake rejects a stream_options flag that is not a boolean, as OpenAI does', T, async () => {
  for (const [so, param] of [
    [{ include_obfuscation: 'no' }, 'stream_options.include_obfuscation'],
    [{ include_usage: 1 }, 'stream_options.include_usage'],
    ['yes', 'stream_options'],
  ]) {
    const r = await stream('gpt-x', { stream_options: so });
    assert.equal(r.status, 400, JSON.stringify(so));
    const err = JSON.parse(r.raw).error;
    assert.equal(err.param, param);
    assert.equal(err.code, 'invalid_type');
  }
  // null means "not set": padded as by default.
  const r = await stream('gpt-x', { stream_options: { include_obfuscation: null } });
  assert.equal(r.status, 200, r.raw);
  assert.ok(r.events.every((e) => PAD.test(e.obfuscation)));
});

// ---- through gw serve, with the official client ------------------------------------------

// Streams through gw; resolves the assembled text, finish reason, usage, tool calls, chunk count.
async function viaGw(model, { includeUsage = false, withTools = false } = {}) {
  const s = await client.chat.completions.create({
    model, messages: user('pad me'), stream: true,
    ...(withTools ? { tools } : {}),
    ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
  });
  let content = '', usage = null, finish = null, n = 0;
  const ids = new Set(), calls = {};
  for await (const chunk of s) {
    n++;
    ids.add(chunk.id);
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      content += c.delta?.content ?? '';
      for (const tc of c.delta?.tool_calls ?? []) {
        const call = (calls[tc.index] ??= { name: '', arguments: '' });
        call.name += tc.function?.name ?? '';
        call.arguments += tc.function?.arguments ?? '';
      }
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { content, usage, finish, calls, ids, n };
}

test('padded streams arrive whole through gw serve (openai client)', T, async () => {
  // Transport variants too: CRLF, tiny writes that cut events (and the padding) anywhere.
  for (const m of ['gpt-x', 'gpt-x+words=80', 'gpt-x+words=40+chunks=7', 'gpt-x+words=30+crlf',
    'gpt-x+words=30+split=7', 'gpt-x+words=15+bytewise', 'gpt-x+words=25+think+cache']) {
    const want = await expected(m);
    for (const includeUsage of [false, true]) {
      await fake.clear();
      const got = await viaGw(`fake/${m}`, { includeUsage });
      assert.equal(got.content, want.text, `${m} include_usage=${includeUsage}`);
      assert.equal(got.finish, 'stop', m);
      assert.equal(got.ids.size, 1, `${m}: one id`);
      if (includeUsage) {
        assert.ok(got.usage, `${m}: usage asked for`);
        assert.equal(got.usage.prompt_tokens, want.usage.prompt_tokens, m);
        assert.equal(got.usage.completion_tokens, want.usage.completion_tokens, m);
        assert.equal(got.usage.total_tokens, want.usage.total_tokens, m);
      } else {
        assert.equal(got.usage, null, `${m}: no usage unless asked`);
      }
      // The upstream stream gw read was padded: its request did not opt out.
      const req = await fake.last();
      assert.equal(req.body.stream, true);
      assert.notEqual(req.body.stream_options?.include_obfuscation, false, m);
      assert.equal(req.status, 200);
    }
  }
});

test('a padded tool-call stream arrives whole through gw serve', T, async () => {
  const got = await viaGw('fake/gpt-x+tool', { includeUsage: true, withTools: true });
  assert.equal(got.finish, 'tool_calls');
  assert.equal(got.calls[0].name, 'get_weather');
  assert.deepEqual(JSON.parse(got.calls[0].arguments), { city: 'Paris', unit: 'c' });
  assert.ok(got.usage && got.usage.completion_tokens > 0);
});

test('concurrent padded streams through gw each keep their own text and usage', T, async () => {
  const want = await expected('gpt-x+words=50+chunks=50');
  const results = await Promise.all(Array.from({ length: 8 }, () =>
    viaGw('fake/gpt-x+words=50+chunks=50', { includeUsage: true })));
  for (const got of results) {
    assert.equal(got.content, want.text);
    assert.equal(got.usage.completion_tokens, want.usage.completion_tokens);
  }
});

// gw carries the client's opt-out to an OpenAI-compatible upstream (stream_options is typed in
// src/api/chat_schema.hpp): the upstream then sends no padding, and gw adds none.
test('include_obfuscation:false from the client reaches the upstream, and no chunk is padded', T, async () => {
  const want = await expected('gpt-x+words=40');
  await fake.clear();
  const res = await fetch(`${gw.value.split(' ')[0]}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake/gpt-x+words=40', messages: user('pad me'), stream: true,
      stream_options: { include_usage: true, include_obfuscation: false } }),
    signal: AbortSignal.timeout(15000),
  });
  assert.equal(res.status, 200);
  const events = (await res.text()).split('\n\n').filter((b) => b.startsWith('data: {'))
    .map((b) => JSON.parse(b.slice('data: '.length)));
  assert.ok(events.length > 2);
  assert.ok(events.every((e) => !('obfuscation' in e)), 'a chunk still carries padding');
  assert.equal(text(events), want.text);
  assert.ok(events.some((e) => e.usage), 'usage was asked for');
  const req = await fake.last();
  assert.deepEqual(req.body.stream_options, { include_usage: true, include_obfuscation: false });
});
