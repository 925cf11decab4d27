// Azure OpenAI and Google Vertex AI (Gemini and Claude) as upstreams, against the fake: gw
// chat, gw compare and gw serve (official openai SDK, and /v1/messages), plain, streamed, a tool
// round trip, throttling with failover to another provider, ledger usage and cost equal to the
// fake's, Vertex's service-account token exchange and refresh, and bad credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync, readFileSync, chmodSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startFake, scratch, fakeProviders, cleanEnv, runGw, spawnGw, stopChild } from './harness.mjs';
import { waitRow, sql } from '../reliability/lib.mjs';

const KEY_FIXTURE = new URL('../fixtures/vertex_test_service_account.json', import.meta.url).pathname;
const AZ_TOKEN = 'entra-test-token-789';

let fake, s, gw, base, sa;
const env = () => cleanEnv({ GW_DB: s.db, GW_TEST_AZURE_TOKEN: AZ_TOKEN, GOOGLE_APPLICATION_CREDENTIALS: '' });
const chat = (args) => runGw(['--config', s.config, 'chat', ...args], { env: env() });
const sdk = () => new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });

function vertexToml(name, extra = '') {
  return `
[providers.${name}]
kind = "vertex"
base_url = "${fake.base}"
credentials_file = "${sa}"
${extra}`;
}

before(async () => {
  fake = await startFake();
  s = scratch();
  sa = join(s.dir, 'sa.json');
  copyFileSync(KEY_FIXTURE, sa);
  chmodSync(sa, 0o600);
  writeFileSync(s.config, fakeProviders(fake, `
${vertexToml('vertex', `location = "europe-west4"\ntoken_url = "${fake.base}/oauth2/token"`)}
${vertexToml('vxshort', `location = "global"\nproject = "other-proj"\ntoken_url = "${fake.base}/oauth2/token?expires_in=3"`)}

[providers.azure]
kind = "azure"
base_url = "${fake.base}"
api_key = "az-test-key"
deployments = { "gpt-4o" = "prod-gpt4o" }

[providers.azurev1]
kind = "azure"
base_url = "${fake.base}"
api_style = "v1"
access_token_env = "GW_TEST_AZURE_TOKEN"

[providers.gemini]                 # the built-in gemini provider, at the fake
base_url = "${fake.base}"
api_key = "gem-test-123"

[routes.pro]
targets = ["vertex/gemini-2.5-pro+fail=429", "gemini/gemini-2.5-pro"]

[routes.sonnet]
targets = ["vertex/claude-sonnet-4-5@20250929+fail=429", "azure/gpt-4o"]

[routes.gpt]
targets = ["azure/gpt-4o+fail=429", "vertex/gemini-2.5-flash"]
`), { mode: 0o600 });
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
});
after(async () => { if (gw) await stopChild(gw.child); await fake.stop(); s.cleanup(); });

// What each cloud's request must look like, and the fake's usage in gw's (OpenAI) terms.
const clouds = {
  'vertex-gemini': {
    model: 'vertex/gemini-2.5-pro',
    check(req, { stream, model = 'gemini-2.5-pro' }) {
      assert.equal(req.dialect, 'vertex-gemini');
      assert.equal(req.path, `/v1/projects/gw-test-project/locations/europe-west4/publishers/google/models/${model}:${stream ? 'streamGenerateContent' : 'generateContent'}`);
      if (stream) assert.equal(req.query.alt, 'sse');
      assert.match(req.headers.authorization, /^Bearer ya29\.fake-token-\d+$/);
      assert.equal(req.headers['x-goog-api-key'], undefined);
    },
    usage: (u) => ({ prompt: u.promptTokenCount, completion: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0) }),
    price: { input: 1.25, output: 10 },
  },
  'vertex-anthropic': {
    model: 'vertex/claude-sonnet-4-5@20250929',
    check(req, { stream, model = 'claude-sonnet-4-5@20250929' }) {
      assert.equal(req.dialect, 'vertex-anthropic');
      assert.equal(req.path, `/v1/projects/gw-test-project/locations/europe-west4/publishers/anthropic/models/${model}:${stream ? 'streamRawPredict' : 'rawPredict'}`);
      assert.match(req.headers.authorization, /^Bearer ya29\.fake-token-\d+$/);
      assert.equal(req.headers['x-api-key'], undefined);
      assert.equal(req.body.anthropic_version, 'vertex-2023-10-16');
      assert.equal('model' in req.body, false);
      assert.equal(Boolean(req.body.stream), stream);
    },
    usage: (u) => ({ prompt: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0), completion: u.output_tokens }),
    price: { input: 3, output: 15 },
  },
  azure: {
    model: 'azure/gpt-4o',
    check(req, { model = 'gpt-4o' }) {
      assert.equal(req.dialect, 'azure');
      const deployment = model === 'gpt-4o' ? 'prod-gpt4o' : model;
      assert.equal(req.path, `/openai/deployments/${deployment}/chat/completions`);
      assert.equal(req.query['api-version'], '2024-10-21');
      assert.equal(req.headers['api-key'], 'az-test-key');
      assert.equal(req.headers.authorization, undefined);
    },
    usage: (u) => ({ prompt: u.prompt_tokens, completion: u.completion_tokens }),
    price: { input: 2.5, output: 10 },
  },
  'azure-v1': {
    model: 'azurev1/gpt-4o-mini',
    check(req, { model = 'gpt-4o-mini' }) {
      assert.equal(req.dialect, 'azure');
      assert.equal(req.path, '/openai/v1/chat/completions');
      assert.equal(req.query['api-version'], undefined);
      assert.equal(req.headers.authorization, `Bearer ${AZ_TOKEN}`);
      assert.equal(req.headers['api-key'], undefined);
      assert.equal(req.body.model, model);
    },
    usage: (u) => ({ prompt: u.prompt_tokens, completion: u.completion_tokens }),
    price: { input: 0.15, output: 0.6 },
  },
};
const cost = (p, u) => (u.prompt * p.input + u.completion * p.output) / 1e6;
const near = (a, b) => Math.abs(a - b) < 1e-12 * Math.max(1, Math.abs(b));

for (const [name, c] of Object.entries(clouds)) {
  test(`${name}: gw chat, plain and streamed`, async () => {
    for (const stream of [false, true]) {
      await fake.clear();
      const r = await chat([...(stream ? [] : ['--no-stream']), '-m', c.model, 'hello', 'there']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Hello! You said: hello there\n');
      const reqs = (await fake.requests()).filter((q) => q.dialect !== 'google-oauth');
      assert.equal(reqs.length, 1);
      c.check(reqs[0], { stream });
    }
  });

  test(`${name}: gw serve with the openai SDK, plain and streamed; ledger usage and cost equal the fake's`, async () => {
    for (const stream of [false, true]) {
      await fake.clear();
      let text = '', id, usage;
      if (stream) {
        const { data, response } = await sdk().chat.completions.create({
          model: c.model, stream: true, stream_options: { include_usage: true },
          messages: [{ role: 'user', content: 'count these tokens please' }],
        }).withResponse();
        id = response.headers.get('x-gw-request-id');
        for await (const chunk of data) {
          text += chunk.choices[0]?.delta?.content ?? '';
          if (chunk.usage) usage = chunk.usage;
        }
      } else {
        const { data, response } = await sdk().chat.completions.create({
          model: c.model, messages: [{ role: 'user', content: 'count these tokens please' }],
        }).withResponse();
        id = response.headers.get('x-gw-request-id');
        text = data.choices[0].message.content;
        usage = data.usage;
        assert.equal(data.object, 'chat.completion');
      }
      assert.equal(text, 'Hello! You said: count these tokens please');
      const upstream = (await fake.requests()).filter((q) => q.dialect !== 'google-oauth');
      assert.equal(upstream.length, 1);
      c.check(upstream[0], { stream });
      const want = c.usage(upstream[0].usage);
      assert.ok(want.prompt > 0 && want.completion > 0);
      assert.equal(usage.prompt_tokens, want.prompt);
      assert.equal(usage.completion_tokens, want.completion);
      const row = await waitRow(s.db, id);
      assert.equal(row.provider, c.model.split('/')[0]);
      assert.equal(row.model, c.model.split('/')[1]);
      assert.equal(row.status, 200);
      assert.equal(row.input_tokens, want.prompt);
      assert.equal(row.output_tokens, want.completion);
      assert.equal(row.usage_estimated, 0);
      assert.ok(near(row.cost_usd, cost(c.price, want)), `${row.cost_usd} vs ${cost(c.price, want)}`);
    }
  });

  test(`${name}: a tool round trip through gw serve`, async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const first = await sdk().chat.completions.create({ model: `${c.model}+tool`, tools, messages: [{ role: 'user', content: 'weather in Paris?' }] });
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    const msg = first.choices[0].message;
    assert.equal(msg.tool_calls[0].function.name, 'get_weather');
    assert.deepEqual(JSON.parse(msg.tool_calls[0].function.arguments), { city: 'Paris', unit: 'c' });
    await fake.clear();
    const second = await sdk().chat.completions.create({
      model: c.model, tools,
      messages: [{ role: 'user', content: 'weather in Paris?' }, msg,
        { role: 'tool', tool_call_id: msg.tool_calls[0].id, content: '18C and sunny' },
        { role: 'user', content: 'and tomorrow?' }],
    });
    assert.equal(second.choices[0].message.content, 'Hello! You said: and tomorrow?');
    const sent = (await fake.requests()).filter((q) => q.dialect !== 'google-oauth');
    assert.equal(sent[0].status, 200);
    assert.match(JSON.stringify(sent[0].body), /18C and sunny/);
  });
}

test('throttled clouds fail over to another provider or cloud through routes', async () => {
  const geminiUsage = clouds['vertex-gemini'].usage;
  for (const [route, want, usage, price] of [
    ['pro', ['gemini', 'gemini-2.5-pro'], geminiUsage, { input: 1.25, output: 10 }],
    ['sonnet', ['azure', 'gpt-4o'], clouds.azure.usage, { input: 2.5, output: 10 }],
    ['gpt', ['vertex', 'gemini-2.5-flash'], geminiUsage, { input: 0.3, output: 2.5 }]]) {
    await fake.clear();
    const { data, response } = await sdk().chat.completions.create({ model: route, messages: [{ role: 'user', content: 'fail over' }] }).withResponse();
    assert.equal(data.choices[0].message.content, 'Hello! You said: fail over');
    const seen = (await fake.requests()).filter((q) => q.dialect !== 'google-oauth');
    assert.equal(seen[0].status, 429, route);
    assert.equal(seen.at(-1).status, 200, route);
    const row = await waitRow(s.db, response.headers.get('x-gw-request-id'));
    assert.deepEqual([row.provider, row.model], want);
    assert.equal(row.route, route);
    assert.ok(row.attempts >= 2);
    const answered = usage(seen.at(-1).usage);
    assert.equal(row.input_tokens, answered.prompt);
    assert.equal(row.output_tokens, answered.completion);
    assert.ok(near(row.cost_usd, cost(price, answered)), `${route}: ${row.cost_usd}`);
  }
  // No route: the SDK sees OpenAI's rate-limit error.
  for (const model of ['vertex/gemini-2.5-pro+fail=429', 'vertex/claude-haiku-4-5@20251001+fail=429', 'azure/gpt-4o+fail=429']) {
    await assert.rejects(sdk().chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }),
      (e) => e.status === 429 && e.error?.type === 'rate_limit_error' || (e.status === 429 && e.code === 'rate_limit_exceeded'), model);
  }
});

test('azure: content filter — a stopped prompt is a 400 content_filter; filtered output finishes content_filter', async () => {
  await assert.rejects(sdk().chat.completions.create({ model: 'azure/gpt-4o+filter', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 400 && e.code === 'content_filter' && /jailbreak/.test(e.message) && /azure/.test(e.message));
  const r = await sdk().chat.completions.create({ model: 'azure/gpt-4o+safety', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(r.choices[0].finish_reason, 'content_filter');
  const stream = await sdk().chat.completions.create({ model: 'azure/gpt-4o+safety', stream: true, messages: [{ role: 'user', content: 'x' }] });
  const finishes = [];
  for await (const chunk of stream) for (const ch of chunk.choices) if (ch.finish_reason) finishes.push(ch.finish_reason);
  assert.deepEqual(finishes, ['content_filter']);
});

test('vertex claude and azure through /v1/messages and gw compare', async () => {
  for (const model of ['vertex/claude-sonnet-4-5@20250929', 'azure/gpt-4o', 'vertex/gemini-2.5-flash']) {
    const res = await fetch(`${base}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model, max_tokens: 50, messages: [{ role: 'user', content: 'via messages' }] }),
    });
    assert.equal(res.status, 200, model);
    const m = await res.json();
    assert.equal(m.type, 'message');
    assert.equal(m.content[0].text, 'Hello! You said: via messages');
  }
  const r = await runGw(['--config', s.config, 'compare', '-m', 'vertex/gemini-2.5-pro', '-m', 'vertex/claude-haiku-4-5@20251001', '-m', 'azure/gpt-4o', '--format', 'json', 'compare', 'clouds'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.results.map((x) => [x.status, x.answer]), Array(3).fill(['ok', 'Hello! You said: compare clouds']));
});

test('/v1/responses through each cloud; embeddings through Azure (Vertex has none: a 400)', async () => {
  for (const c of Object.values(clouds)) {
    const r = await sdk().responses.create({ model: c.model, input: 'via responses' });
    assert.equal(r.output_text, 'Hello! You said: via responses', c.model);
  }
  for (const [model, path] of [['azure/text-embedding-3-small', '/openai/deployments/text-embedding-3-small/embeddings'], ['azurev1/text-embedding-3-small', '/openai/v1/embeddings']]) {
    await fake.clear();
    const { data, response } = await sdk().embeddings.create({ model, input: ['hello world', 'three more words'] }).withResponse();
    assert.equal(data.data.length, 2);
    assert.deepEqual(data.usage, { prompt_tokens: 5, total_tokens: 5 });
    const [sent] = await fake.requests();
    assert.equal(sent.path, path);
    assert.equal(sent.body.model, 'text-embedding-3-small');
    assert.equal(sent.status, 200);
    const row = await waitRow(s.db, response.headers.get('x-gw-request-id'));
    assert.equal(row.input_tokens, 5);
    assert.ok(near(row.cost_usd, 5 * 0.02 / 1e6), String(row.cost_usd));
  }
  await assert.rejects(sdk().embeddings.create({ model: 'vertex/text-embedding-005', input: 'x' }), (e) => e.status === 400);
});

test('vertex: the token is exchanged once, reused, and renewed before it expires', async () => {
  await fake.clear();
  const ask = () => sdk().chat.completions.create({ model: 'vxshort/gemini-2.5-flash', messages: [{ role: 'user', content: 'tok' }] });
  await ask();
  await ask();
  let seen = await fake.requests();
  const tokens = () => seen.filter((q) => q.dialect === 'google-oauth');
  const calls = () => seen.filter((q) => q.dialect === 'vertex-gemini');
  assert.equal(tokens().length, 1, 'one exchange for two requests');
  assert.equal(tokens()[0].status, 200);
  // The assertion gw posted: form-encoded jwt-bearer grant, a three-part JWT.
  assert.equal(tokens()[0].headers['content-type'], 'application/x-www-form-urlencoded');
  assert.match(tokens()[0].body, /^grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal(calls()[0].path, '/v1/projects/other-proj/locations/global/publishers/google/models/gemini-2.5-flash:generateContent');
  assert.equal(calls()[0].headers.authorization, calls()[1].headers.authorization);
  // expires_in=3: renewed 1.5 s before expiry.
  await new Promise((r) => setTimeout(r, 1700));
  await ask();
  seen = await fake.requests();
  assert.equal(tokens().length, 2, 'a second exchange once the first token nears its expiry');
  assert.notEqual(calls()[2].headers.authorization, calls()[0].headers.authorization);
  assert.equal(calls()[2].status, 200);
  // No token or key in gw's log.
  assert.doesNotMatch(gw.stderr(), /ya29|PRIVATE KEY|az-test-key/);
});

test('guard and limits apply to cloud targets: an e-mail masked before Vertex, rpm enforced', async () => {
  const t = scratch(`${readFileSync(s.config, 'utf8')}
[guard]
pii = ["email"]
action = "mask"

[users.erin]
rpm = 1
`);
  const g = await spawnGw(['--config', t.config, 'serve', '--listen', '127.0.0.1:0'], { env: cleanEnv({ GW_DB: t.db, GW_TEST_AZURE_TOKEN: AZ_TOKEN }), readyPrefix: 'gw serve: listening on ' });
  try {
    const client = new OpenAI({ baseURL: `${g.value.split(' ')[0]}/v1`, apiKey: 'unused', maxRetries: 0, defaultHeaders: { 'x-gw-user': 'erin' } });
    await fake.clear();
    const r = await client.chat.completions.create({ model: 'vertex/claude-sonnet-4-5@20250929', messages: [{ role: 'user', content: 'mail alice@example.com now' }] });
    assert.equal(r.choices[0].message.content, 'Hello! You said: mail alice@example.com now');
    const sent = (await fake.requests()).filter((q) => q.dialect === 'vertex-anthropic');
    assert.equal(sent.length, 1);
    assert.doesNotMatch(JSON.stringify(sent[0].body), /alice@example\.com/);
    assert.match(JSON.stringify(sent[0].body), /<EMAIL_1>/);
    await assert.rejects(client.chat.completions.create({ model: 'azure/gpt-4o', messages: [{ role: 'user', content: 'again' }] }),
      (e) => e.status === 429);
  } finally { await stopChild(g.child); t.cleanup(); }
});

test('bad credentials: an unreadable key file is a config error; a key the endpoint refuses is a clear upstream error', async () => {
  const t = scratch();
  try {
    const bad = join(t.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ type: 'service_account', client_email: 'x@y' }), { mode: 0o600 });
    writeFileSync(t.config, vertexToml('vx', `project = "p"\ntoken_url = "${fake.base}/oauth2/token"`).replace(sa, bad), { mode: 0o600 });
    let r = await runGw(['--config', t.config, 'chat', '-m', 'vx/gemini-2.5-pro', 'hi'], { env: cleanEnv({ GW_DB: t.db }) });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /credentials_file '.*bad\.json' is not a service-account key \(no PEM private_key\)/);

    writeFileSync(t.config, vertexToml('vx', `project = "p"`).replace(sa, join(t.dir, 'absent.json')), { mode: 0o600 });
    r = await runGw(['--config', t.config, 'chat', '-m', 'vx/gemini-2.5-pro', 'hi'], { env: cleanEnv({ GW_DB: t.db }) });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /absent\.json' cannot be read/);

    // A well-formed key the (fake) Google does not know: its signature does not verify.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = JSON.parse(readFileSync(KEY_FIXTURE, 'utf8'));
    other.private_key = privateKey.export({ type: 'pkcs8', format: 'pem' });
    const otherPath = join(t.dir, 'other.json');
    writeFileSync(otherPath, JSON.stringify(other), { mode: 0o600 });
    writeFileSync(t.config, vertexToml('vx', `token_url = "${fake.base}/oauth2/token"`).replace(sa, otherPath), { mode: 0o600 });
    r = await runGw(['--config', t.config, 'chat', '-m', 'vx/gemini-2.5-pro', 'hi'], { env: cleanEnv({ GW_DB: t.db }) });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /vx: the Google token endpoint answered HTTP 400 \(invalid_grant: Invalid JWT Signature\.\)/);
    assert.doesNotMatch(r.stderr, /PRIVATE KEY|eyJ/);
    const rows = sql(t.db, 'SELECT provider, model, status, error_code FROM ledger');
    assert.deepEqual(rows.map((x) => [x.provider, x.model, x.status, x.error_code]), [['vx', 'gemini-2.5-pro', 502, 'upstream_auth_error']]);
  } finally { t.cleanup(); }
});
