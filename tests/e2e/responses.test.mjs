// OpenAI's Responses API inbound: the official openai SDK's responses.create (streamed and not)
// and the Vercel AI SDK's default openai(model) through gw serve, to every provider kind of the
// fake upstream: text, a function-call round trip via function_call_output, text.format
// json_schema, usage equal to what the upstream reported, a ledger row with endpoint
// "responses"; kept state (store, previous_response_id, retrieve, delete) only with body
// storage on, a clear 400 without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { generateText, streamText, generateObject, streamObject, jsonSchema } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild } from './harness.mjs';
import { waitRow } from '../reliability/lib.mjs';

let fake, s, gw, base, kept, keptGw, keptBase;
const client = (url = base) => new OpenAI({ baseURL: url, apiKey: 'unused', maxRetries: 0 });

// What each provider kind reported as usage (prompt and completion tokens).
const reported = {
  fake: (u) => ({ prompt: u.prompt_tokens, completion: u.completion_tokens }),
  fakeanthropic: (u) => ({ prompt: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0), completion: u.output_tokens }),
  fakegemini: (u) => ({ prompt: u.promptTokenCount, completion: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0) }),
};

const weather = {
  type: 'function', name: 'get_weather', description: 'Weather in a city', strict: false,
  parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
};

before(async () => {
  fake = await startFake();
  s = scratch(fakeProviders(fake));
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: cleanEnv({ GW_DB: s.db }), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
  kept = scratch(fakeProviders(fake, '\n[store]\nlog_bodies = true\n'));
  keptGw = await spawnGw(['--config', kept.config, 'serve', '--listen', '127.0.0.1:0'], { env: cleanEnv({ GW_DB: kept.db }), readyPrefix: 'gw serve: listening on ' });
  keptBase = keptGw.value.split(' ')[0];
});
after(async () => {
  if (gw) await stopChild(gw.child);
  if (keptGw) await stopChild(keptGw.child);
  await fake.stop();
  s.cleanup();
  kept.cleanup();
});

for (const provider of ['fake', 'fakeanthropic', 'fakegemini']) {
  test(`${provider}: responses.create, output and usage as the upstream reported them`, async () => {
    await fake.clear();
    const r = await client().responses.create({
      model: `${provider}/x`, instructions: 'Be brief.', input: 'hello there', max_output_tokens: 100,
    }).withResponse();
    const resp = r.data;
    assert.equal(resp.object, 'response');
    assert.match(resp.id, /^resp_/);
    assert.equal(resp.status, 'completed');
    assert.equal(resp.model, `${provider}/x`);
    assert.equal(resp.output_text, 'Hello! You said: hello there');
    assert.equal(resp.output[0].type, 'message');
    assert.equal(resp.output[0].content[0].type, 'output_text');
    assert.equal(resp.instructions, 'Be brief.');
    assert.equal(resp.store, false);
    const u = reported[provider]((await fake.last()).usage);
    assert.equal(resp.usage.input_tokens, u.prompt);
    assert.equal(resp.usage.output_tokens, u.completion);
    assert.equal(resp.usage.total_tokens, u.prompt + u.completion);
    const row = await waitRow(s.db, r.response.headers.get('x-gw-request-id'));
    assert.equal(row.endpoint, 'responses');
    assert.equal(row.client_family, 'openai-sdk');
    assert.equal(row.input_tokens, u.prompt);
    assert.equal(row.output_tokens, u.completion);
  });

  test(`${provider}: responses.create streamed, the documented event sequence`, async () => {
    await fake.clear();
    const stream = await client().responses.create({
      model: `${provider}/x+chunks=5`, input: 'stream me', stream: true,
    });
    const types = [];
    let text = '', final;
    for await (const e of stream) {
      types.push(e.type);
      assert.equal(e.sequence_number, types.length - 1);
      if (e.type === 'response.output_text.delta') text += e.delta;
      if (e.type === 'response.completed') final = e.response;
    }
    assert.equal(text, 'Hello! You said: stream me');
    assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    assert.ok(types.filter((t) => t === 'response.output_text.delta').length >= 2, types.join(','));
    assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    assert.equal(final.output[0].content[0].text, text);
    const u = reported[provider]((await fake.last()).usage);
    assert.equal(final.usage.input_tokens, u.prompt);
    assert.equal(final.usage.output_tokens, u.completion);
  });

  test(`${provider}: a function-call round trip via function_call_output, streamed and not`, async () => {
    await fake.clear();
    const first = await client().responses.create({ model: `${provider}/x+tool`, input: 'Weather in Paris?', tools: [weather] });
    const call = first.output.find((o) => o.type === 'function_call');
    assert.ok(call, JSON.stringify(first.output));
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Paris', unit: 'c' });
    assert.ok(call.call_id);
    const second = await client().responses.create({
      model: `${provider}/x`, tools: [weather],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' },
      ],
    });
    assert.equal(second.status, 'completed');
    assert.match(JSON.stringify((await fake.last()).body), /sunny, 21 C/);

    const stream = client().responses.stream({ model: `${provider}/x+tool`, input: 'Weather in Paris?', tools: [weather] });
    let args = '';
    stream.on('response.function_call_arguments.delta', (e) => { args += e.delta; });
    const done = await stream.finalResponse();
    const sCall = done.output.find((o) => o.type === 'function_call');
    assert.deepEqual(JSON.parse(sCall.arguments), { city: 'Paris', unit: 'c' });
    assert.equal(args, sCall.arguments);
  });

  test(`${provider}: text.format json_schema comes back as JSON text`, async () => {
    await fake.clear();
    // The fake answers JSON with echo-request (its request as text) or, to Anthropic, where gw
    // emulates json_schema with a forced tool, with that tool's input (+tool).
    const directive = provider === 'fakeanthropic' ? 'tool' : 'echo-request';
    const format = { type: 'json_schema', name: 'city', strict: true, schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city', 'unit'], additionalProperties: false } };
    const resp = await client().responses.create({ model: `${provider}/x+${directive}`, input: 'A city, as JSON', text: { format } });
    const parsed = JSON.parse(resp.output_text);
    assert.deepEqual(resp.text.format, format);  // the settings are echoed
    const body = (await fake.last()).body;
    if (provider === 'fake') assert.deepEqual(parsed.response_format, { type: 'json_schema', json_schema: { name: 'city', schema: format.schema, strict: true } });
    if (provider === 'fakeanthropic') {
      assert.equal(body.tool_choice.type, 'tool');
      assert.deepEqual(parsed, { city: 'Paris', unit: 'c' });
    }
    if (provider === 'fakegemini') assert.ok(body.generationConfig.responseSchema || body.generationConfig.responseJsonSchema);
  });
}

test('reasoning.effort reaches an OpenAI-compatible upstream as reasoning_effort', async () => {
  await fake.clear();
  await client().responses.create({ model: 'fake/x', input: 'think', reasoning: { effort: 'low' } });
  assert.equal((await fake.last()).body.reasoning_effort, 'low');
});

test('bad requests are 400s that name the Responses parameter', async () => {
  const bad = async (body, param) => {
    const e = await client().responses.create({ model: 'fake/x', input: 'x', ...body }).catch((x) => x);
    assert.ok(e instanceof OpenAI.BadRequestError, String(e));
    assert.equal(e.param, param);
    return e;
  };
  await bad({ tools: [{ type: 'web_search' }] }, 'tools[0].type');
  await bad({ max_output_tokens: -5 }, 'max_output_tokens');
  await bad({ input: [{ role: 'robot', content: 'x' }] }, 'input[0].role');
  // Kept state needs body storage on: a clear 400, not a silent stateless answer.
  const e = await bad({ previous_response_id: 'resp_abc' }, 'previous_response_id');
  assert.match(e.message, /log_bodies/);
  await bad({ store: true }, 'store');
});

test('with body storage on: store, previous_response_id, retrieve and delete', async () => {
  await fake.clear();
  const c = client(keptBase);
  const first = await c.responses.create({ model: 'fake/x', instructions: 'Be brief.', input: 'my name is Ada' });
  assert.equal(first.store, true);
  const second = await c.responses.create({ model: 'fakeanthropic/x', previous_response_id: first.id, input: 'what is my name?' });
  assert.equal(second.previous_response_id, first.id);
  // The upstream got the whole conversation: the first turn, its answer, the new turn.
  const sent = JSON.stringify((await fake.last()).body);
  assert.match(sent, /my name is Ada/);
  assert.match(sent, /Hello! You said: my name is Ada/);
  assert.match(sent, /what is my name\?/);
  assert.doesNotMatch(sent, /Be brief/);  // instructions are not carried over, as OpenAI does
  // A streamed answer is kept too.
  const stream = await c.responses.create({ model: 'fakegemini/x', previous_response_id: second.id, input: 'third', stream: true });
  let streamedId;
  for await (const e of stream) if (e.type === 'response.completed') streamedId = e.response.id;
  const got = await c.responses.retrieve(streamedId);
  assert.equal(got.id, streamedId);
  assert.equal(got.previous_response_id, second.id);
  assert.equal(got.output_text, 'Hello! You said: third');
  const del = await c.responses.delete(first.id);
  assert.deepEqual(del, { id: first.id, object: 'response.deleted', deleted: true });
  const gone = await c.responses.retrieve(first.id).catch((x) => x);
  assert.ok(gone instanceof OpenAI.NotFoundError, String(gone));
  const unknown = await c.responses.create({ model: 'fake/x', previous_response_id: 'resp_nothere', input: 'x' }).catch((x) => x);
  assert.ok(unknown instanceof OpenAI.BadRequestError, String(unknown));
  assert.equal(unknown.param, 'previous_response_id');
  // store: false on a storing gateway keeps nothing.
  const notKept = await c.responses.create({ model: 'fake/x', input: 'x', store: false });
  assert.equal(notKept.store, false);
  assert.ok((await c.responses.retrieve(notKept.id).catch((x) => x)) instanceof OpenAI.NotFoundError);
});

// The Vercel AI SDK's default provider model speaks the Responses API.
const vercel = () => createOpenAI({ baseURL: base, apiKey: 'unused' });

test('Vercel AI SDK: generateText and streamText with the default openai(model)', async () => {
  await fake.clear();
  const g = await generateText({ model: vercel()('fakeanthropic/x'), prompt: 'hello vercel', maxRetries: 0 });
  assert.equal(g.text, 'Hello! You said: hello vercel');
  assert.equal((await fake.last()).path.startsWith('/v1/messages'), true);
  const u = reported.fakeanthropic((await fake.last()).usage);
  assert.equal(g.usage.inputTokens, u.prompt);
  assert.equal(g.usage.outputTokens, u.completion);

  const st = streamText({ model: vercel()('fakegemini/x+chunks=4'), prompt: 'stream vercel', maxRetries: 0 });
  let text = '';
  for await (const piece of st.textStream) text += piece;
  assert.equal(text, 'Hello! You said: stream vercel');
  const su = await st.usage;
  const gu = reported.fakegemini((await fake.last()).usage);
  assert.equal(su.inputTokens, gu.prompt);
  assert.equal(su.outputTokens, gu.completion);
});

test('Vercel AI SDK: generateObject and streamObject to an Anthropic-routed model', async () => {
  const schema = jsonSchema({ type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'], additionalProperties: false });
  const g = await generateObject({ model: vercel()('fakeanthropic/x+tool'), schema, prompt: 'a city', maxRetries: 0 });
  assert.deepEqual(g.object, { city: 'Paris', unit: 'c' });
  const st = streamObject({ model: vercel()('fakeanthropic/x+tool+chunks=6'), schema, prompt: 'a city', maxRetries: 0 });
  let last;
  for await (const partial of st.partialObjectStream) last = partial;
  const obj = await st.object;
  assert.deepEqual(obj, { city: 'Paris', unit: 'c' });
  assert.deepEqual(last, obj);
});
