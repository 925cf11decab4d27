// AWS Bedrock (Converse, ConverseStream) as an upstream, against the fake, which checks every
// SigV4 signature: gw chat, gw compare and gw serve (official openai SDK, /v1/messages,
// /v1/responses), plain, streamed (event-stream frames split across writes, byte-wise too), a
// tool round trip, prompt-cache usage, throttling with failover to another cloud, ledger usage
// and cost equal to the fake's, temporary credentials with their session token, refused
// credentials, and secrets kept out of `gw config show` and the logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import OpenAI from 'openai';
import { startFake, scratch, fakeProviders, cleanEnv, runGw, spawnGw, stopChild } from './harness.mjs';
import { waitRow, sql } from '../reliability/lib.mjs';

// The test credentials of tests/fake_upstream/clouds.hpp (they grant nothing anywhere).
const AKID = 'AKIAGWTESTFAKE000001';
const SECRET = 'gwTestSecretKey/NotReal+0123456789abcdefghij';
const TEMP_AKID = 'ASIAGWTESTFAKE000002';
const TEMP_SECRET = 'gwTestTempSecret/NotReal+9876543210zyxwvuts';
const TOKEN = 'gw-test-session-token/NotReal+FwoGZXIvYXdzEJr';

const CLAUDE = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const NOVA = 'us.amazon.nova-pro-v1:0';

let fake, s, gw, base;
const env = (extra = {}) => cleanEnv({
  GW_DB: s.db, AWS_ACCESS_KEY_ID: AKID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: '',
  AWS_REGION: '', AWS_DEFAULT_REGION: '', GW_TEST_TEMP_AKID: TEMP_AKID,
  GW_TEST_TEMP_SECRET: TEMP_SECRET, GW_TEST_TEMP_TOKEN: TOKEN, GW_TEST_BAD_AKID: 'AKIAUNKNOWNKEY000009',
  GW_TEST_BAD_SECRET: 'whatever-secret-0000', ...extra,
});
const chat = (args, e) => runGw(['--config', s.config, 'chat', ...args], { env: env(e) });
const sdk = () => new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
const bedrockReqs = async () => (await fake.requests()).filter((q) => q.dialect === 'bedrock');

before(async () => {
  fake = await startFake();
  s = scratch();
  writeFileSync(s.config, fakeProviders(fake, `
[providers.bedrock]
kind = "bedrock"
base_url = "${fake.base}"
region = "us-west-2"

[providers.bedtemp]
kind = "bedrock"
base_url = "${fake.base}"
region = "eu-central-1"
access_key_id_env = "GW_TEST_TEMP_AKID"
secret_access_key_env = "GW_TEST_TEMP_SECRET"
session_token_env = "GW_TEST_TEMP_TOKEN"

[providers.bedbad]
kind = "bedrock"
base_url = "${fake.base}"
access_key_id_env = "GW_TEST_BAD_AKID"
secret_access_key_env = "GW_TEST_BAD_SECRET"

[providers.bedwrong]
kind = "bedrock"
base_url = "${fake.base}"
secret_access_key_env = "GW_TEST_BAD_SECRET"

[providers.anthropic]              # the built-in anthropic provider, at the fake
base_url = "${fake.base}"
api_key = "ant-test-123"

[prices."bedrock/${CLAUDE}+cache"]
input = 3.0
output = 15.0
cached_input = 0.3
cache_write = 3.75

[providers.azure]                  # a second cloud to fail over to
kind = "azure"
base_url = "${fake.base}"
api_key = "az-test-key"

[routes.nova]
targets = ["bedrock/${NOVA}+fail=429", "azure/gpt-4o"]

[routes.claude]
targets = ["bedrock/${CLAUDE}+fail=429", "anthropic/claude-3-5-sonnet-20240620"]

[routes.claudes]                   # its own target: the first route's is cooling down by then
targets = ["bedrock/${CLAUDE}+fail=429+streamed", "anthropic/claude-3-5-sonnet-20240620"]
`), { mode: 0o600 });
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
});
after(async () => { if (gw) await stopChild(gw.child); await fake.stop(); s.cleanup(); });

// What every Bedrock request gw sends must look like.
function check(req, { stream, model = CLAUDE, akid = AKID, region = 'us-west-2' }) {
  assert.equal(req.dialect, 'bedrock');
  assert.equal(req.path, `/model/${model}/${stream ? 'converse-stream' : 'converse'}`);
  assert.match(req.headers.authorization, new RegExp(`^AWS4-HMAC-SHA256 Credential=${akid}/\\d{8}/${region}/bedrock/aws4_request, SignedHeaders=[a-z;-]+, Signature=[0-9a-f]{64}$`));
  assert.match(req.headers['x-amz-date'], /^\d{8}T\d{6}Z$/);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal('modelId' in req.body, false);
  assert.ok(Array.isArray(req.body.messages));
}
// The fake's usage in gw's (OpenAI) terms: inputTokens excludes the cached tokens.
const usageOf = (u) => ({
  prompt: u.inputTokens + (u.cacheReadInputTokens ?? 0) + (u.cacheWriteInputTokens ?? 0),
  completion: u.outputTokens, cached: u.cacheReadInputTokens ?? 0, write: u.cacheWriteInputTokens ?? 0,
});
const cost = (p, u) => ((u.prompt - u.cached - u.write) * p.input + u.cached * (p.cached ?? p.input) +
  u.write * (p.write ?? p.input) + u.completion * p.output) / 1e6;
const near = (a, b) => Math.abs(a - b) < 1e-12 * Math.max(1, Math.abs(b));

test('bedrock: gw chat, plain and streamed, signed requests', async () => {
  for (const stream of [false, true]) {
    await fake.clear();
    const r = await chat([...(stream ? [] : ['--no-stream']), '-m', `bedrock/${CLAUDE}`, 'hello', 'there']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Hello! You said: hello there\n');
    const reqs = await bedrockReqs();
    assert.equal(reqs.length, 1);
    assert.equal(reqs[0].status, 200);
    check(reqs[0], { stream });
    assert.deepEqual(reqs[0].body.messages, [{ role: 'user', content: [{ text: 'hello there' }] }]);
    assert.equal(reqs[0].headers['x-amz-security-token'], undefined);
  }
});

test('bedrock: gw serve with the openai SDK, plain and streamed; ledger usage and cost equal the fake\'s', async () => {
  for (const [model, price] of [
    [CLAUDE, { input: 3, output: 15 }],
    [NOVA, { input: 0.8, output: 3.2 }],
    [`${CLAUDE}+cache`, { input: 3, output: 15, cached: 0.3, write: 3.75 }]]) {
    for (const stream of [false, true]) {
      await fake.clear();
      let text = '', id, usage;
      const body = { model: `bedrock/${model}`, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'count these tokens please' }], max_tokens: 300, temperature: 0.5, stop: ['END'] };
      if (stream) {
        const { data, response } = await sdk().chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }).withResponse();
        id = response.headers.get('x-gw-request-id');
        for await (const chunk of data) {
          text += chunk.choices[0]?.delta?.content ?? '';
          if (chunk.usage) usage = chunk.usage;
        }
      } else {
        const { data, response } = await sdk().chat.completions.create(body).withResponse();
        id = response.headers.get('x-gw-request-id');
        text = data.choices[0].message.content;
        usage = data.usage;
        assert.equal(data.choices[0].finish_reason, 'stop');
      }
      assert.equal(text, 'Hello! You said: count these tokens please');
      const [sent] = await bedrockReqs();
      check(sent, { stream, model });
      assert.deepEqual(sent.body.system, [{ text: 'Be brief.' }]);
      assert.deepEqual(sent.body.inferenceConfig, { maxTokens: 300, temperature: 0.5, stopSequences: ['END'] });
      const want = usageOf(sent.usage);
      assert.ok(want.prompt > 0 && want.completion > 0);
      assert.equal(usage.prompt_tokens, want.prompt);
      assert.equal(usage.completion_tokens, want.completion);
      assert.equal(usage.prompt_tokens_details?.cached_tokens ?? 0, want.cached);
      const row = await waitRow(s.db, id);
      assert.deepEqual([row.provider, row.model, row.status], ['bedrock', model, 200]);
      assert.equal(row.input_tokens, want.prompt);
      assert.equal(row.output_tokens, want.completion);
      assert.equal(row.cached_tokens, want.cached);
      assert.equal(row.cache_write_tokens, want.write);
      assert.equal(row.usage_estimated, 0);
      assert.ok(near(row.cost_usd, cost(price, want)), `${model}: ${row.cost_usd} vs ${cost(price, want)}`);
    }
  }
});

test('bedrock: event-stream frames cut at every byte, and an exception mid-stream', async () => {
  const stream = await sdk().chat.completions.create({ model: `bedrock/${CLAUDE}+bytewise+words=12`, stream: true, messages: [{ role: 'user', content: 'x' }] });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text.split(' ').length, 12);
  await assert.rejects(async () => {
    const s2 = await sdk().chat.completions.create({ model: `bedrock/${CLAUDE}+midstream-error`, stream: true, messages: [{ role: 'user', content: 'x' }] });
    for await (const chunk of s2) void chunk;
  }, /modelStreamErrorException|stream/i);
  // A broken frame (bad CRC): a clear error, not a hang.
  await assert.rejects(async () => {
    const s3 = await sdk().chat.completions.create({ model: `bedrock/${CLAUDE}+malformed`, stream: true, messages: [{ role: 'user', content: 'x' }] });
    for await (const chunk of s3) void chunk;
  }, /malformed event stream/);
});

test('bedrock: a tool round trip, plain and streamed', async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  await fake.clear();
  const first = await sdk().chat.completions.create({ model: `bedrock/${CLAUDE}+tool`, tools, tool_choice: 'auto', messages: [{ role: 'user', content: 'weather in Paris?' }] });
  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  const msg = first.choices[0].message;
  assert.equal(msg.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(msg.tool_calls[0].function.arguments), { city: 'Paris', unit: 'c' });
  const [sent1] = await bedrockReqs();
  assert.deepEqual(sent1.body.toolConfig.toolChoice, { auto: {} });
  assert.deepEqual(sent1.body.toolConfig.tools[0].toolSpec.inputSchema.json.required, ['city']);

  const streamed = await sdk().chat.completions.create({ model: `bedrock/${CLAUDE}+tool`, tools, stream: true, messages: [{ role: 'user', content: 'weather in Paris?' }] });
  let args = '', name, finish;
  for await (const chunk of streamed) {
    const d = chunk.choices[0]?.delta;
    for (const tc of d?.tool_calls ?? []) { name ??= tc.function?.name; args += tc.function?.arguments ?? ''; }
    finish ??= chunk.choices[0]?.finish_reason;
  }
  assert.equal(name, 'get_weather');
  assert.deepEqual(JSON.parse(args), { city: 'Paris', unit: 'c' });
  assert.equal(finish, 'tool_calls');

  await fake.clear();
  const second = await sdk().chat.completions.create({
    model: `bedrock/${CLAUDE}`, tools,
    messages: [{ role: 'user', content: 'weather in Paris?' }, msg,
      { role: 'tool', tool_call_id: msg.tool_calls[0].id, content: '18C and sunny' },
      { role: 'user', content: 'and tomorrow?' }],
  });
  assert.equal(second.choices[0].message.content, 'Hello! You said: and tomorrow?');
  const [sent] = await bedrockReqs();
  assert.equal(sent.status, 200);
  assert.deepEqual(sent.body.messages.map((m) => m.role), ['user', 'assistant', 'user']);
  assert.deepEqual(sent.body.messages[2].content[0], { toolResult: { toolUseId: msg.tool_calls[0].id, content: [{ text: '18C and sunny' }], status: 'success' } });
  assert.deepEqual(sent.body.messages[2].content[1], { text: 'and tomorrow?' });
});

test('bedrock: throttling fails over to another cloud through a route; without one the SDK sees a 429', async () => {
  for (const stream of [false, true]) {
    await fake.clear();
    let text = '', id;
    const route = stream ? 'claudes' : 'claude';
    if (stream) {
      const { data, response } = await sdk().chat.completions.create({ model: route, stream: true, messages: [{ role: 'user', content: 'fail over' }] }).withResponse();
      id = response.headers.get('x-gw-request-id');
      for await (const chunk of data) text += chunk.choices[0]?.delta?.content ?? '';
    } else {
      const { data, response } = await sdk().chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'fail over' }] }).withResponse();
      id = response.headers.get('x-gw-request-id');
      text = data.choices[0].message.content;
    }
    assert.equal(text, 'Hello! You said: fail over');
    const seen = await fake.requests();
    assert.equal(seen[0].dialect, 'bedrock');
    assert.equal(seen[0].status, stream ? 200 : 429);  // ConverseStream: a throttlingException frame
    assert.equal(seen.at(-1).dialect, 'anthropic');
    assert.equal(seen.at(-1).status, 200);
    const row = await waitRow(s.db, id);
    assert.deepEqual([row.provider, row.model, row.route, row.status], ['anthropic', 'claude-3-5-sonnet-20240620', route, 200]);
    assert.ok(row.attempts >= 2);
    const u = seen.at(-1).usage;
    const want = { prompt: u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens, completion: u.output_tokens, cached: 0, write: 0 };
    assert.equal(row.input_tokens, want.prompt);
    assert.ok(near(row.cost_usd, cost({ input: 3, output: 15 }, want)), String(row.cost_usd));
  }
  // Bedrock to Azure OpenAI: cloud to cloud, priced as the model that answered.
  await fake.clear();
  const { data, response } = await sdk().chat.completions.create({ model: 'nova', messages: [{ role: 'user', content: 'to azure' }] }).withResponse();
  assert.equal(data.choices[0].message.content, 'Hello! You said: to azure');
  const seen = await fake.requests();
  assert.deepEqual([seen[0].dialect, seen[0].status], ['bedrock', 429]);
  assert.deepEqual([seen.at(-1).dialect, seen.at(-1).status], ['azure', 200]);
  const row = await waitRow(s.db, response.headers.get('x-gw-request-id'));
  assert.deepEqual([row.provider, row.model, row.route], ['azure', 'gpt-4o', 'nova']);
  const u = seen.at(-1).usage;
  assert.equal(row.input_tokens, u.prompt_tokens);
  assert.equal(row.output_tokens, u.completion_tokens);
  assert.ok(near(row.cost_usd, cost({ input: 2.5, output: 10 }, { prompt: u.prompt_tokens, completion: u.completion_tokens, cached: 0, write: 0 })), String(row.cost_usd));
  for (const stream of [false, true]) {
    await assert.rejects(async () => {
      const r = await sdk().chat.completions.create({ model: `bedrock/${CLAUDE}+fail=429`, stream, messages: [{ role: 'user', content: 'x' }] });
      if (stream) for await (const chunk of r) void chunk;
    }, (e) => e.status === 429 && e.code === 'rate_limit_exceeded' && /ThrottlingException/i.test(e.message));
  }
  await assert.rejects(sdk().chat.completions.create({ model: `bedrock/${CLAUDE}+fail=400`, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 400 && /ValidationException/.test(e.message));
  await assert.rejects(sdk().chat.completions.create({ model: `bedrock/${CLAUDE}+fail=503`, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 503);
});

test('bedrock: temporary credentials send their session token', async () => {
  for (const stream of [false, true]) {
    await fake.clear();
    const r = await chat([...(stream ? [] : ['--no-stream']), '-m', `bedtemp/${NOVA}`, 'temp creds']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Hello! You said: temp creds\n');
    const [sent] = await bedrockReqs();
    check(sent, { stream, model: NOVA, akid: TEMP_AKID, region: 'eu-central-1' });
    assert.equal(sent.headers['x-amz-security-token'], TOKEN);
    assert.match(sent.headers.authorization, /SignedHeaders=[a-z;-]*x-amz-security-token/);
  }
});

test('bedrock: refused or missing credentials are clear errors, recorded as upstream_auth_error', async () => {
  const t = scratch();
  try {
    writeFileSync(t.config, readConfig(), { mode: 0o600 });
    const e = env({ GW_DB: t.db });
    let r = await runGw(['--config', t.config, 'chat', '-m', `bedbad/${CLAUDE}`, 'hi'], { env: e });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /bedbad: UnrecognizedClientException: The security token included in the request is invalid/);
    r = await runGw(['--config', t.config, 'chat', '-m', `bedwrong/${CLAUDE}`, 'hi'], { env: e });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /bedwrong: InvalidSignatureException: The request signature we calculated does not match/);
    r = await runGw(['--config', t.config, 'chat', '-m', `bedrock/${CLAUDE}`, 'hi'], { env: { ...e, AWS_SECRET_ACCESS_KEY: '' } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /bedrock: no AWS credentials \(set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\)/);
    for (const out of [r.stderr]) assert.doesNotMatch(out, /whatever-secret|NotReal/);
    const rows = sql(t.db, 'SELECT provider, status, error_code FROM ledger ORDER BY ts_ms, rowid');
    assert.deepEqual(rows.slice(0, 2).map((x) => [x.provider, x.status, x.error_code]),
      [['bedbad', 502, 'upstream_auth_error'], ['bedwrong', 502, 'upstream_auth_error']]);
  } finally { t.cleanup(); }
});

function readConfig() {
  return `
[providers.bedrock]
kind = "bedrock"
base_url = "${fake.base}"
region = "us-west-2"

[providers.bedbad]
kind = "bedrock"
base_url = "${fake.base}"
access_key_id_env = "GW_TEST_BAD_AKID"
secret_access_key_env = "GW_TEST_BAD_SECRET"

[providers.bedwrong]
kind = "bedrock"
base_url = "${fake.base}"
secret_access_key_env = "GW_TEST_BAD_SECRET"
`;
}

test('bedrock: /v1/messages, /v1/responses, gw compare; embeddings are a clear 400', async () => {
  const res = await fetch(`${base}/v1/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: `bedrock/${CLAUDE}`, max_tokens: 50, system: 'Be brief.', messages: [{ role: 'user', content: 'via messages' }] }),
  });
  assert.equal(res.status, 200);
  const m = await res.json();
  assert.equal(m.type, 'message');
  assert.equal(m.content[0].text, 'Hello! You said: via messages');
  const resp = await sdk().responses.create({ model: `bedrock/${NOVA}`, input: 'via responses' });
  assert.equal(resp.output_text, 'Hello! You said: via responses');
  const r = await runGw(['--config', s.config, 'compare', '-m', `bedrock/${CLAUDE}`, '-m', `bedtemp/${NOVA}`, '--format', 'json', 'compare', 'clouds'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.results.map((x) => [x.status, x.answer]), Array(2).fill(['ok', 'Hello! You said: compare clouds']));
  await assert.rejects(sdk().embeddings.create({ model: 'bedrock/amazon.titan-embed-text-v2:0', input: 'x' }),
    (e) => e.status === 400 && /no embeddings API/.test(e.message));
});

test('bedrock: the guard masks an e-mail before Bedrock', async () => {
  const t = scratch(`${fakeProviders(fake)}
[providers.bedrock]
kind = "bedrock"
base_url = "${fake.base}"

[guard]
pii = ["email"]
action = "mask"
`);
  const g = await spawnGw(['--config', t.config, 'serve', '--listen', '127.0.0.1:0'], { env: env({ GW_DB: t.db }), readyPrefix: 'gw serve: listening on ' });
  try {
    const client = new OpenAI({ baseURL: `${g.value.split(' ')[0]}/v1`, apiKey: 'unused', maxRetries: 0 });
    await fake.clear();
    const r = await client.chat.completions.create({ model: `bedrock/${CLAUDE}`, messages: [{ role: 'user', content: 'mail alice@example.com now' }] });
    assert.equal(r.choices[0].message.content, 'Hello! You said: mail alice@example.com now');
    const [sent] = await bedrockReqs();
    assert.doesNotMatch(JSON.stringify(sent.body), /alice@example\.com/);
    assert.match(JSON.stringify(sent.body), /<EMAIL_1>/);
  } finally { await stopChild(g.child); t.cleanup(); }
});

test('bedrock: secrets never in gw config show or the logs', async () => {
  const r = await runGw(['--config', s.config, 'config', 'show'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[providers\.bedtemp\][^[]*session_token_env = "GW_TEST_TEMP_TOKEN"/);
  assert.match(r.stdout, /secret_access_key = "\(set\)"/);
  for (const secret of [SECRET, TEMP_SECRET, TOKEN, 'whatever-secret-0000']) {
    assert.ok(!r.stdout.includes(secret), 'config show leaks a secret');
    assert.ok(!r.stderr.includes(secret));
    assert.ok(!gw.stderr().includes(secret), 'gw serve logs a secret');
  }
});
