// Anthropic's Messages API inbound: the official @anthropic-ai/sdk pointed at gw serve reaches
// every provider kind of the fake upstream (OpenAI-compatible, Anthropic, Gemini) and the mock:
// messages.create and messages.stream (text, a tool-use round trip), countTokens, typed errors
// (429 with retry-after honoured, 529 overloaded), usage equal to what the upstream reported,
// and a ledger row with endpoint "messages" and the client family.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild } from './harness.mjs';
import { waitRow } from '../reliability/lib.mjs';

let fake, s, gw, base;
const env = () => cleanEnv({ GW_DB: s.db });
const client = (opts = {}) => new Anthropic({ baseURL: base, apiKey: 'unused', maxRetries: 0, ...opts });

// What each provider kind reported as usage, in Anthropic's terms (prompt and completion).
const reported = {
  fake: (u) => ({ prompt: u.prompt_tokens, completion: u.completion_tokens }),
  fakeanthropic: (u) => ({ prompt: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0), completion: u.output_tokens }),
  fakegemini: (u) => ({ prompt: u.promptTokenCount, completion: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0) }),
};

before(async () => {
  fake = await startFake();
  s = scratch(fakeProviders(fake, `
[routes.overloaded]
targets = ["fakeanthropic/busy+fail=529"]
retries = 0
[routes.limited]
targets = ["fake/rl+fail=429+retry-after=1"]
retries = 0
`));
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
});
after(async () => {
  if (gw) await stopChild(gw.child);
  await fake.stop();
  s.cleanup();
});

for (const provider of ['fake', 'fakeanthropic', 'fakegemini']) {
  test(`${provider}: messages.create, usage as the upstream reported it`, async () => {
    await fake.clear();
    const r = await client().messages.create({
      model: `${provider}/x`, max_tokens: 100, system: 'Be brief.',
      messages: [{ role: 'user', content: 'hello there' }],
    }).withResponse();
    const m = r.data;
    assert.equal(m.type, 'message');
    assert.equal(m.role, 'assistant');
    assert.equal(m.model, `${provider}/x`);
    assert.deepEqual(m.content, [{ type: 'text', text: 'Hello! You said: hello there' }]);
    assert.equal(m.stop_reason, 'end_turn');
    const u = reported[provider]((await fake.last()).usage);
    assert.equal(m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0) + (m.usage.cache_creation_input_tokens ?? 0), u.prompt);
    assert.equal(m.usage.output_tokens, u.completion);
    const row = await waitRow(s.db, r.response.headers.get('x-gw-request-id'));
    assert.equal(row.endpoint, 'messages');
    assert.equal(row.client_family, 'anthropic-sdk');
    assert.equal(row.input_tokens, u.prompt);
    assert.equal(row.output_tokens, u.completion);
  });

  test(`${provider}: messages.stream, the full event sequence`, async () => {
    await fake.clear();
    const events = [];
    const stream = client().messages.stream({
      model: `${provider}/x+chunks=5`, max_tokens: 100,
      messages: [{ role: 'user', content: 'stream me' }],
    });
    stream.on('streamEvent', (e) => events.push(e.type));
    const m = await stream.finalMessage();
    assert.equal(m.content[0].text, 'Hello! You said: stream me');
    assert.equal(m.stop_reason, 'end_turn');
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
    assert.ok(events.includes('content_block_start') && events.includes('content_block_delta') &&
      events.includes('content_block_stop') && events.includes('message_delta'), events.join(','));
    const u = reported[provider]((await fake.last()).usage);
    assert.equal(m.usage.output_tokens, u.completion);
    // On the wire a ping follows message_start, as in Anthropic's own streams (the SDK hides it).
    const raw = await (await fetch(`${base}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: `${provider}/x`, max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'ping?' }] }),
    })).text();
    assert.match(raw, /^event: message_start\ndata: .*\n\nevent: ping\ndata: \{"type":"ping"\}\n\n/);
  });

  test(`${provider}: a tool-use round trip`, async () => {
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const first = await client().messages.create({
      model: `${provider}/x+tool`, max_tokens: 100, tools,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(first.content));
    assert.equal(use.name, 'get_weather');
    assert.equal(typeof use.input, 'object');
    await fake.clear();
    const second = await client().messages.create({
      model: `${provider}/x`, max_tokens: 100, tools,
      messages: [
        { role: 'user', content: 'weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny, 21 C' }] },
      ],
    });
    assert.equal(second.content[0].type, 'text');
    // The upstream received the tool result, in its own dialect.
    assert.match(JSON.stringify((await fake.last()).body), /sunny, 21 C/);
    // A streamed tool call arrives as input_json_delta and parses.
    const streamed = await client().messages.stream({
      model: `${provider}/x+tool`, max_tokens: 100, tools,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    }).finalMessage();
    const sUse = streamed.content.find((b) => b.type === 'tool_use');
    assert.ok(sUse && typeof sUse.input === 'object', JSON.stringify(streamed.content));
  });
}

test('the mock answers too; countTokens is an estimate, marked as such', async () => {
  const m = await client().messages.create({ model: 'mock/echo', max_tokens: 50, messages: [{ role: 'user', content: 'echo me' }] });
  assert.equal(m.content[0].text, 'echo me');
  const r = await client().messages.countTokens({ model: 'mock/echo', messages: [{ role: 'user', content: 'count these words please' }] }).withResponse();
  assert.ok(r.data.input_tokens > 0);
  assert.equal(r.response.headers.get('x-gw-token-count'), 'estimate');
});

test('errors are Anthropic-shaped and typed: 400, 404, 429 with its retry honoured, 529', async () => {
  await assert.rejects(client().messages.create({ model: 'fake/x', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.BadRequestError && e.error?.error?.type === 'invalid_request_error' && /max_tokens/.test(e.message));
  await assert.rejects(client().messages.create({ model: 'nosuch/x', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.NotFoundError && e.error?.error?.type === 'not_found_error');
  await assert.rejects(client().messages.create({ model: 'limited', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.RateLimitError && e.headers.get('retry-after') === '1');
  await assert.rejects(client().messages.create({ model: 'overloaded', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 529 && e.error?.error?.type === 'overloaded_error');
  // With retries on, the SDK waits the hinted second and tries again (and gets the same 429).
  await fake.clear();
  const t0 = Date.now();
  await assert.rejects(client({ maxRetries: 1 }).messages.create({ model: 'limited', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.RateLimitError);
  assert.ok(Date.now() - t0 >= 900, `retried after ${Date.now() - t0} ms`);
  assert.equal((await fake.requests()).length, 2, 'two attempts reached the upstream');
});

test('a thinking block from an Anthropic upstream reaches the client, whole and streamed', async () => {
  const m = await client().messages.create({ model: 'fakeanthropic/x+think', max_tokens: 100, messages: [{ role: 'user', content: 'think' }] });
  assert.deepEqual(m.content.map((b) => b.type), ['thinking', 'text']);
  assert.equal(m.content[0].thinking, 'Let me think about that.');
  const events = [];
  const stream = client().messages.stream({ model: 'fakeanthropic/x+think', max_tokens: 100, messages: [{ role: 'user', content: 'think' }] });
  stream.on('streamEvent', (e) => events.push(e.delta?.type ?? e.content_block?.type ?? e.type));
  const sm = await stream.finalMessage();
  assert.deepEqual(sm.content.map((b) => b.type), ['thinking', 'text']);
  assert.equal(sm.content[0].thinking, 'Let me think about that.');
  assert.equal(sm.content[1].text, 'Hello! You said: think');
  assert.ok(events.includes('thinking_delta'), events.join(','));
});

test('an image reaches every upstream in its own dialect', async () => {
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  for (const provider of ['fake', 'fakeanthropic', 'fakegemini']) {
    await fake.clear();
    const m = await client().messages.create({
      model: `${provider}/x`, max_tokens: 20,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }, { type: 'text', text: 'what is this?' }] }],
    });
    assert.equal(m.content[0].text, 'Hello! You said: what is this?', provider);
    assert.ok(JSON.stringify((await fake.last()).body).includes(png), `${provider}: the image did not reach the upstream`);
  }
});

test('a document block reaches an Anthropic upstream as sent', async () => {
  await fake.clear();
  const doc = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The sky is blue.' }, title: 'facts' };
  const m = await client().messages.create({
    model: 'fakeanthropic/x', max_tokens: 20,
    messages: [{ role: 'user', content: [doc, { type: 'text', text: 'what colour?' }] }],
  });
  assert.equal(m.content[0].text, 'Hello! You said: what colour?');
  assert.deepEqual((await fake.last()).body.messages[0].content[0], doc);
});

test('cache_control stays on its block for an Anthropic upstream, and never reaches another', async () => {
  const eph = { type: 'ephemeral' };
  const req = (model) => client().messages.create({
    model, max_tokens: 20,
    system: [{ type: 'text', text: 'You are gw.', cache_control: eph }, { type: 'text', text: 'Be brief.' }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'first', cache_control: eph }, { type: 'text', text: 'second' }] }],
  });
  await fake.clear();
  await req('fakeanthropic/x');
  const body = (await fake.last()).body;
  assert.deepEqual(body.system.map((b) => b.cache_control ?? null), [eph, null]);
  assert.deepEqual(body.messages[0].content.map((b) => b.cache_control ?? null), [eph, null]);
  await fake.clear();
  await req('fake/x');
  assert.ok(!JSON.stringify((await fake.last()).body).includes('cache_control'));
});

test('countTokens is exact from an Anthropic upstream, an estimate from the others', async () => {
  const body = { messages: [{ role: 'user', content: 'count these five words' }], system: 'Be brief.' };
  const exact = await client().messages.countTokens({ model: 'fakeanthropic/x', ...body }).withResponse();
  assert.equal(exact.response.headers.get('x-gw-token-count'), 'exact');
  assert.equal(exact.data.input_tokens, 10 + 2 + 4, 'the fake counts 10 plus the words of system and messages');
  const sent = (await fake.requests()).at(-1);
  assert.equal(sent.path, '/v1/messages/count_tokens');
  assert.equal(sent.body.max_tokens, undefined);
  const est = await client().messages.countTokens({ model: 'fake/x', ...body }).withResponse();
  assert.equal(est.response.headers.get('x-gw-token-count'), 'estimate');
  assert.ok(est.data.input_tokens > 0);
});

test('anthropic-beta reaches an Anthropic upstream when well-formed, no other upstream', async () => {
  const beta = 'context-management-2025-06-27,interleaved-thinking-2025-05-14';
  const ask = (model, value) => client().messages.create(
    { model, max_tokens: 10, messages: [{ role: 'user', content: 'beta' }] }, { headers: { 'anthropic-beta': value } });
  await fake.clear();
  await ask('fakeanthropic/x', beta);
  assert.equal((await fake.last()).headers['anthropic-beta'], beta);
  await fake.clear();
  await ask('fake/x', beta);
  assert.equal((await fake.last()).headers['anthropic-beta'], undefined);
  await fake.clear();
  await ask('fakeanthropic/x', 'x; y=<script>');
  assert.equal((await fake.last()).headers['anthropic-beta'], undefined, 'a malformed value is not passed on');
});


// Last: once a key exists, every request needs one.
test('a gw key works as x-api-key and as a bearer token', async () => {
  const { runGw } = await import('./harness.mjs');
  const k = await runGw(['--config', s.config, 'keys', 'create', '--name', 'claude'], { env: env() });
  const key = k.stdout.trim();
  await new Promise((r) => setTimeout(r, 1100));
  await assert.rejects(client().messages.create({ model: 'mock/echo', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof Anthropic.AuthenticationError && e.error?.error?.type === 'authentication_error');
  const a = await client({ apiKey: key }).messages.create({ model: 'mock/echo', max_tokens: 5, messages: [{ role: 'user', content: 'via x-api-key' }] });
  assert.equal(a.content[0].text, 'via x-api-key');
  const b = await new Anthropic({ baseURL: base, authToken: key, apiKey: null, maxRetries: 0 })
    .messages.create({ model: 'mock/echo', max_tokens: 5, messages: [{ role: 'user', content: 'via bearer' }] });
  assert.equal(b.content[0].text, 'via bearer');
});
