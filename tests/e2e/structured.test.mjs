// Structured output and reasoning through `gw serve`, with the official `openai` client and the
// Vercel AI SDK, against the fake upstream:
// - response_format json_schema / json_object to an Anthropic-routed model, which gw answers
//   with a forced tool: the fake writes text before (and, with `tail`, after) the tool call,
//   and only the tool's input may reach the client, streamed and not;
// - reasoning_effort to Anthropic (thinking.budget_tokens) and Gemini (thinkingConfig): the
//   fake must receive the mapped fields, and the reasoning text comes back as
//   reasoning_content, never as content.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createOpenAI } from '@ai-sdk/openai';
import { streamObject } from 'ai';
import { z } from 'zod';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild } from './harness.mjs';

let fake, s, gw, base, client;

before(async () => {
  fake = await startFake();
  s = scratch(fakeProviders(fake));
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'],
    { env: cleanEnv({ GW_DB: s.db }), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
  client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20000 });
});
after(async () => {
  if (gw) await stopChild(gw.child);
  if (fake) await fake.stop();
  s?.cleanup();
});

const T = { timeout: 60000 };
const user = (content) => [{ role: 'user', content }];
// What the fake's tool call carries (tests/fake_upstream/README.md).
const TOOL_INPUT = { city: 'Paris', unit: 'c' };
const THOUGHT = 'Let me think about that.';
const weatherSchema = {
  type: 'json_schema',
  json_schema: {
    name: 'weather', strict: true,
    schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city', 'unit'], additionalProperties: false },
  },
};
const lookupTool = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];

// Streams a chat completion; resolves the concatenated content and reasoning, every tool-call
// delta, the finish reason and the usage chunk.
async function streamed(params) {
  const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  let content = '', reasoning = '', finish = null, usage = null;
  const toolCalls = [];
  let n = 0;
  for await (const chunk of stream) {
    assert.ok(++n < 10000, 'a bounded stream');
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      if (typeof c.delta.content === 'string') content += c.delta.content;
      if (typeof c.delta.reasoning_content === 'string') reasoning += c.delta.reasoning_content;
      if (c.delta.tool_calls) toolCalls.push(...c.delta.tool_calls);
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { content, reasoning, toolCalls, finish, usage };
}

// ---- structured output from an Anthropic-routed model ------------------------------------

test('json_schema to Anthropic, not streamed: the content is the forced tool input alone', T, async () => {
  await fake.clear();
  // The fake says "Let me check." before the tool call and "Anything else?" after it.
  const r = await client.chat.completions.create({ model: 'fakeanthropic/claude-x+tool+tail', messages: user('weather?'), response_format: weatherSchema });
  const m = r.choices[0].message;
  assert.deepEqual(JSON.parse(m.content), TOOL_INPUT);
  assert.doesNotMatch(m.content, /Let me check|Anything else/);
  assert.ok(!m.tool_calls || m.tool_calls.length === 0, JSON.stringify(m.tool_calls));
  assert.equal(r.choices[0].finish_reason, 'stop');
  const got = (await fake.last()).body;
  assert.deepEqual(got.tool_choice, { type: 'tool', name: 'json_tool_call' });
  assert.deepEqual(got.tools.map((t) => t.name), ['json_tool_call']);
  assert.deepEqual(got.tools[0].input_schema, weatherSchema.json_schema.schema);
});

test('json_schema to Anthropic, streamed: text around the tool call never reaches the stream', T, async () => {
  for (const model of ['fakeanthropic/claude-x+tool', 'fakeanthropic/claude-x+tool+tail', 'fakeanthropic/claude-x+tool+tail+bytewise']) {
    await fake.clear();
    const r = await streamed({ model, messages: user('weather?'), response_format: weatherSchema });
    // The concatenated content parses as JSON and equals the tool input the fake sent.
    assert.deepEqual(JSON.parse(r.content), TOOL_INPUT, `${model}: ${r.content}`);
    assert.equal(r.toolCalls.length, 0, model);
    assert.equal(r.finish, 'stop', model);
    const sent = await fake.last();
    assert.equal(sent.body.stream, true);
    assert.equal(r.usage.completion_tokens, sent.usage.output_tokens, model);
  }
});

test('json_object with client tools to Anthropic: another tool call is dropped too', T, async () => {
  for (const stream of [false, true]) {
    await fake.clear();
    const params = { model: 'fakeanthropic/claude-x+tool+tail', messages: user('weather?'), tools: lookupTool, response_format: { type: 'json_object' } };
    let content, toolCalls;
    if (stream) {
      ({ content, toolCalls } = await streamed(params));
    } else {
      const m = (await client.chat.completions.create(params)).choices[0].message;
      content = m.content;
      toolCalls = m.tool_calls ?? [];
    }
    assert.deepEqual(JSON.parse(content), TOOL_INPUT, `stream=${stream}`);
    assert.equal(toolCalls.length, 0);
    const got = (await fake.last()).body;
    assert.deepEqual(got.tools.map((t) => t.name), ['lookup', 'json_tool_call']);
    assert.deepEqual(got.tool_choice, { type: 'tool', name: 'json_tool_call' });
  }
});

test('Gemini json_schema with thinking: thoughts are reasoning, the content is the JSON', T, async () => {
  for (const stream of [false, true]) {
    await fake.clear();
    // echo-request: the fake answers with the request body, itself JSON.
    const params = { model: 'fakegemini/gemini-x+echo-request', messages: user('weather?'), response_format: weatherSchema, reasoning_effort: 'low' };
    let content, reasoning;
    if (stream) {
      ({ content, reasoning } = await streamed(params));
    } else {
      const m = (await client.chat.completions.create(params)).choices[0].message;
      content = m.content;
      reasoning = m.reasoning_content;
    }
    const echoed = JSON.parse(content);
    assert.equal(echoed.generationConfig.responseMimeType, 'application/json');
    assert.deepEqual(echoed.generationConfig.responseJsonSchema, weatherSchema.json_schema.schema);
    assert.equal(reasoning, THOUGHT, `stream=${stream}`);
  }
});

test('Vercel AI SDK streamObject to an Anthropic-routed model', T, async () => {
  await fake.clear();
  const openai = createOpenAI({ baseURL: `${base}/v1`, apiKey: 'unused' });
  const result = streamObject({
    model: openai.chat('fakeanthropic/claude-x+tool+tail'),
    schema: z.object({ city: z.string(), unit: z.string() }),
    prompt: 'weather?',
    maxRetries: 0,
  });
  let partials = 0;
  for await (const p of result.partialObjectStream) { assert.ok(++partials < 1000); assert.equal(typeof p, 'object'); }
  assert.deepEqual(await result.object, TOOL_INPUT);
  const got = (await fake.last()).body;
  assert.deepEqual(got.tool_choice, { type: 'tool', name: 'json_tool_call' });
});

// ---- reasoning_effort ------------------------------------------------------------------

test('reasoning_effort to Anthropic: thinking budget sent, reasoning_content back (stream and not)', T, async () => {
  for (const stream of [false, true]) {
    await fake.clear();
    const params = { model: 'fakeanthropic/claude-x', messages: user('hello'), reasoning_effort: 'medium', temperature: 0.3, max_tokens: 500 };
    let content, reasoning, usage;
    if (stream) {
      ({ content, reasoning, usage } = await streamed(params));
    } else {
      const r = await client.chat.completions.create(params);
      ({ content, reasoning_content: reasoning } = r.choices[0].message);
      usage = r.usage;
    }
    assert.equal(content, 'Hello! You said: hello');
    assert.equal(reasoning, THOUGHT);
    const sent = await fake.last();
    assert.equal(sent.status, 200);
    // medium = 8192; the client's 500 goes on top so the budget stays below max_tokens, and
    // temperature, which Anthropic refuses with thinking, is dropped.
    assert.deepEqual(sent.body.thinking, { type: 'enabled', budget_tokens: 8192 });
    assert.equal(sent.body.max_tokens, 8692);
    assert.equal(sent.body.temperature, undefined);
    assert.equal(sent.body.reasoning_effort, undefined);
    assert.equal(usage.completion_tokens, sent.usage.output_tokens);
  }
});

test('reasoning_effort none, and a forced tool, send Anthropic no thinking', T, async () => {
  await fake.clear();
  const r = await client.chat.completions.create({ model: 'fakeanthropic/claude-x', messages: user('hello'), reasoning_effort: 'none', temperature: 0.3 });
  assert.equal(r.choices[0].message.reasoning_content, undefined);
  let sent = (await fake.last()).body;
  assert.equal(sent.thinking, undefined);
  assert.equal(sent.temperature, 0.3);
  // json mode forces a tool, which Anthropic refuses with thinking: the answer goes without.
  const j = await client.chat.completions.create({ model: 'fakeanthropic/claude-x+tool', messages: user('w?'), reasoning_effort: 'high', response_format: weatherSchema });
  assert.deepEqual(JSON.parse(j.choices[0].message.content), TOOL_INPUT);
  sent = (await fake.last()).body;
  assert.equal(sent.thinking, undefined);
});

test('reasoning_effort to Gemini: thinkingConfig sent, thoughts as reasoning_content, reasoning tokens', T, async () => {
  for (const stream of [false, true]) {
    await fake.clear();
    const params = { model: 'fakegemini/gemini-x', messages: user('hello'), reasoning_effort: 'high' };
    let content, reasoning, usage;
    if (stream) {
      ({ content, reasoning, usage } = await streamed(params));
    } else {
      const r = await client.chat.completions.create(params);
      ({ content, reasoning_content: reasoning } = r.choices[0].message);
      usage = r.usage;
    }
    assert.equal(content, 'Hello! You said: hello', `stream=${stream}`);
    assert.equal(reasoning, THOUGHT);
    const sent = await fake.last();
    assert.equal(sent.status, 200);
    assert.deepEqual(sent.body.generationConfig.thinkingConfig, { thinkingBudget: 16384, includeThoughts: true });
    assert.equal(usage.completion_tokens_details.reasoning_tokens, sent.usage.thoughtsTokenCount);
    assert.equal(usage.completion_tokens, sent.usage.candidatesTokenCount + sent.usage.thoughtsTokenCount);
  }
  // Gemini 3 takes a level; "none" turns a 2.5 model's thinking off.
  await fake.clear();
  const r3 = await client.chat.completions.create({ model: 'fakegemini/gemini-3-x', messages: user('hi'), reasoning_effort: 'minimal' });
  assert.equal(r3.choices[0].message.reasoning_content, THOUGHT);
  assert.deepEqual((await fake.last()).body.generationConfig.thinkingConfig, { thinkingLevel: 'low', includeThoughts: true });
  const off = await client.chat.completions.create({ model: 'fakegemini/gemini-x', messages: user('hi'), reasoning_effort: 'none' });
  assert.equal(off.choices[0].message.reasoning_content, undefined);
  assert.equal(off.usage.completion_tokens_details.reasoning_tokens, 0);
  assert.deepEqual((await fake.last()).body.generationConfig.thinkingConfig, { thinkingBudget: 0 });
});

test('reasoning_effort reaches an OpenAI-compatible upstream as sent; a bad value is a 400', T, async () => {
  await fake.clear();
  await client.chat.completions.create({ model: 'fake/gpt-x', messages: user('hi'), reasoning_effort: 'xhigh' });
  assert.equal((await fake.last()).body.reasoning_effort, 'xhigh');
  await fake.clear();
  await assert.rejects(
    client.chat.completions.create({ model: 'fake/gpt-x', messages: user('hi'), reasoning_effort: 'max' }),
    (e) => e.status === 400 && e.param === 'reasoning_effort' && /Supported values/.test(e.message));
  assert.equal((await fake.requests()).length, 0, 'nothing sent upstream');
});
