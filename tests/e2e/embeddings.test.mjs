// POST /v1/embeddings and GET /v1/models/{id} with the official `openai` SDK through `gw serve`
// against the fake upstream: float and base64 (the SDK's default, which it decodes itself, and
// an explicit one), `dimensions`, to an OpenAI-compatible upstream (passed on, relayed as it
// came) and to Gemini (:batchEmbedContents, split past 100 inputs; gw writes the answer and
// encodes base64 itself),
// failover from a rate-limited upstream, a bad request's 400 with its param, the ledger's usage
// and cost against the fake's, the guard masking an e-mail address in the input, the mock
// without keys; models.retrieve for a known id with a slash, an unknown one (404), and with
// keys required (401 without a key). Tests that create a key come last.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFake, scratch, cleanEnv, spawnGw, stopChild, runGw } from './harness.mjs';
import { waitRow, sql } from '../reliability/lib.mjs';

// The built-in provider names, pointed at the fake, so the built-in prices apply.
const config = (fake) => `
[providers.openai]
kind = "openai"
base_url = "${fake.base}/v1"
api_key = "sk-test-123"

[providers.gemini]
kind = "gemini"
base_url = "${fake.base}"
api_key = "gem-test-123"

[routes.emb]
strategy = "fallback"
targets = ["openai/text-embedding-3-small+fail=429", "openai/text-embedding-3-large"]

[aliases]
"my-embedder" = "openai/text-embedding-3-small"

[guard]
pii = ["email"]
action = "mask"
`;

// The fake's vector for a text (tests/fake_upstream/README.md, "Embeddings"): h = sum of
// byte * (position + 1) mod 65521; value k = ((h + 97k) mod 2001 - 1000) / 1024.
function fakeVector(text, dims = 8) {
  const b = Buffer.from(text, 'utf8');
  let h = 0;
  for (let j = 0; j < b.length; j++) h = (h + b[j] * (j + 1)) % 65521;
  return Array.from({ length: dims }, (_, k) => (((h + 97 * k) % 2001) - 1000) / 1024);
}
const words = (t) => t.split(/\s+/).filter(Boolean).length;
const estimate = (t) => Math.ceil(Buffer.byteLength(t) / 4);  // gw's: ~4 bytes a token
const floats = (v) => Array.from(v);
function decodeBase64(s) {
  const buf = Buffer.from(s, 'base64');
  return Array.from({ length: buf.length / 4 }, (_, i) => buf.readFloatLE(i * 4));
}

let fake, s, gw, base, client;
const env = () => cleanEnv({ GW_DB: s.db });
const gwCli = (args) => runGw(['--config', s.config, ...args], { env: env() });

before(async () => {
  fake = await startFake();
  s = scratch(config(fake));
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
  client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => {
  if (gw) await stopChild(gw.child);
  await fake.stop();
  s.cleanup();
});

async function embeddingsSeen() {
  return (await fake.requests()).filter((r) => r.path === '/v1/embeddings' || r.path.includes('mbedContent'));
}

test('OpenAI-compatible, float: the vectors and usage are the fake\'s, the ledger row priced', async () => {
  await fake.clear();
  const input = ['hello world', 'second input here'];
  const { data: r, response } = await client.embeddings.create(
    { model: 'openai/text-embedding-3-small', input, encoding_format: 'float' }).withResponse();
  assert.equal(r.object, 'list');
  assert.equal(r.data.length, 2);
  assert.deepEqual(r.data.map((d) => d.embedding), input.map((t) => fakeVector(t)));
  assert.deepEqual(r.data.map((d) => d.index), [0, 1]);
  const fakeTokens = words(input[0]) + words(input[1]);
  assert.deepEqual(r.usage, { prompt_tokens: fakeTokens, total_tokens: fakeTokens });

  // The body went on as sent, with the target's model name; the fake's own answer equals gw's.
  const seen = await embeddingsSeen();
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0].body, { model: 'text-embedding-3-small', input, encoding_format: 'float' });
  assert.deepEqual(seen[0].usage, r.usage);
  const direct = await (await fetch(`${fake.base}/v1/embeddings`, {
    method: 'POST', headers: { authorization: 'Bearer sk-test-123', 'content-type': 'application/json' },
    body: JSON.stringify(seen[0].body),
  })).json();
  assert.deepEqual(direct.data, r.data);

  const row = await waitRow(s.db, response.headers.get('x-gw-request-id'));
  assert.equal(row.endpoint, 'embeddings');
  assert.equal(row.provider, 'openai');
  assert.equal(row.model, 'text-embedding-3-small');
  assert.equal(row.input_tokens, fakeTokens);
  assert.equal(row.output_tokens, 0);
  assert.equal(row.usage_estimated, 0);
  assert.ok(Math.abs(row.cost_usd - fakeTokens * 0.02 / 1e6) < 1e-15, `cost ${row.cost_usd}`);
});

test('OpenAI-compatible, the SDK\'s default base64 with dimensions: decoded by the SDK', async () => {
  await fake.clear();
  const r = await client.embeddings.create({ model: 'my-embedder', input: 'alias and dims', dimensions: 4 });
  assert.deepEqual(floats(r.data[0].embedding), fakeVector('alias and dims', 4));
  const [seen] = await embeddingsSeen();
  assert.equal(seen.body.encoding_format, 'base64');  // passed on: the upstream encodes
  assert.equal(seen.body.dimensions, 4);
  assert.equal(seen.body.model, 'text-embedding-3-small');

  // Asked explicitly, base64 comes back as the string, little-endian float32.
  const b = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['x y'], encoding_format: 'base64' });
  assert.equal(typeof b.data[0].embedding, 'string');
  assert.deepEqual(decodeBase64(b.data[0].embedding), fakeVector('x y'));
});

test('Gemini: one batchEmbedContents call, outputDimensionality, usage estimated and priced', async () => {
  await fake.clear();
  const input = ['a b c', 'gemini two'];
  const { data: r, response } = await client.embeddings.create(
    { model: 'gemini/gemini-embedding-001', input, dimensions: 3, encoding_format: 'float' }).withResponse();
  assert.deepEqual(r.data.map((d) => d.embedding), input.map((t) => fakeVector(t, 3)));
  const tokens = estimate(input[0]) + estimate(input[1]);
  assert.deepEqual(r.usage, { prompt_tokens: tokens, total_tokens: tokens });
  const seen = await embeddingsSeen();
  assert.equal(seen.length, 1);
  assert.equal(seen[0].path, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
  assert.deepEqual(seen[0].body, {
    requests: input.map((text) => ({ model: 'models/gemini-embedding-001', content: { parts: [{ text }] }, outputDimensionality: 3 })),
  });
  const row = await waitRow(s.db, response.headers.get('x-gw-request-id'));
  assert.equal(row.endpoint, 'embeddings');
  assert.equal(row.provider, 'gemini');
  assert.equal(row.input_tokens, tokens);
  assert.equal(row.output_tokens, 0);
  assert.equal(row.usage_estimated, 1);
  assert.ok(Math.abs(row.cost_usd - tokens * 0.15 / 1e6) < 1e-15, `cost ${row.cost_usd}`);

  // The SDK's default base64 from Gemini: gw encodes the values itself.
  const d = await client.embeddings.create({ model: 'gemini/gemini-embedding-001', input: 'encoded by gw' });
  assert.deepEqual(floats(d.data[0].embedding), fakeVector('encoded by gw'));
  const e = await client.embeddings.create({ model: 'gemini/text-embedding-004', input: ['b64'], encoding_format: 'base64' });
  assert.deepEqual(decodeBase64(e.data[0].embedding), fakeVector('b64'));

  // More inputs than one Gemini batch takes (100): consecutive calls, one answer in order.
  await fake.clear();
  const many = Array.from({ length: 150 }, (_, i) => `input number ${i}`);
  const big = await client.embeddings.create({ model: 'gemini/gemini-embedding-001', input: many, encoding_format: 'float' });
  assert.deepEqual(big.data.map((d) => d.index), many.map((_, i) => i));
  assert.deepEqual(big.data.map((d) => d.embedding), many.map((t) => fakeVector(t)));
  assert.equal(big.usage.prompt_tokens, many.reduce((n, t) => n + estimate(t), 0));
  assert.deepEqual((await embeddingsSeen()).map((x) => x.body.requests.length), [100, 50]);
});

test('a route fails over from a 429ing upstream to the next target', async () => {
  await fake.clear();
  const { data: r, response } = await client.embeddings.create(
    { model: 'emb', input: 'fail over', encoding_format: 'float' }).withResponse();
  assert.deepEqual(r.data[0].embedding, fakeVector('fail over'));
  assert.equal(response.headers.get('x-gw-attempts'), '2');
  assert.equal(response.headers.get('x-gw-model'), 'text-embedding-3-large');
  const seen = await embeddingsSeen();
  assert.deepEqual(seen.map((x) => [x.body.model, x.status]),
    [['text-embedding-3-small+fail=429', 429], ['text-embedding-3-large', 200]]);
  const row = await waitRow(s.db, response.headers.get('x-gw-request-id'));
  assert.equal(row.attempts, 2);
  assert.equal(row.input_tokens, 2);
  assert.ok(Math.abs(row.cost_usd - 2 * 0.13 / 1e6) < 1e-15, `cost ${row.cost_usd}`);
});

test('a bad request is a 400 naming the param, recorded, never sent upstream', async () => {
  await fake.clear();
  const cases = [
    [{ model: 'openai/text-embedding-3-small', input: [] }, 'input'],
    [{ model: 'openai/text-embedding-3-small', input: ['ok', 5] }, 'input[1]'],
    [{ model: 'openai/text-embedding-3-small', input: 'x', dimensions: 0 }, 'dimensions'],
    [{ model: 'openai/text-embedding-3-small', input: 'x', encoding_format: 'int8' }, 'encoding_format'],
    [{ model: 'gemini/gemini-embedding-001', input: [1, 2, 3], encoding_format: 'float' }, 'input'],  // Gemini takes text only
  ];
  for (const [body, param] of cases) {
    await assert.rejects(client.embeddings.create(body), (e) => {
      assert.equal(e.status, 400, JSON.stringify(body));
      assert.ok(e instanceof OpenAI.BadRequestError);
      assert.equal(e.param, param, `${JSON.stringify(body)}: ${e.message}`);
      return true;
    });
  }
  assert.equal((await embeddingsSeen()).length, 0);
  // Each refusal left its ledger row (the writer commits within ~50 ms).
  let rows = [];
  for (const until = Date.now() + 8000; rows.length < cases.length && Date.now() < until;) {
    await new Promise((res) => setTimeout(res, 50));
    rows = sql(s.db, "SELECT error_code FROM ledger WHERE endpoint = 'embeddings' AND status = 400");
  }
  assert.equal(rows.length, cases.length);
});

test('the guard masks an e-mail address in the input before it leaves', async () => {
  await fake.clear();
  const { response } = await client.embeddings.create(
    { model: 'openai/text-embedding-3-small', input: ['write to alice@example.com today', 'nothing here'], encoding_format: 'float' }).withResponse();
  const [seen] = await embeddingsSeen();
  assert.deepEqual(seen.body.input, ['write to <EMAIL_1> today', 'nothing here']);
  assert.ok(!JSON.stringify(await fake.requests()).includes('alice@example.com'));
  const row = await waitRow(s.db, response.headers.get('x-gw-request-id'));
  assert.deepEqual(JSON.parse(row.pii).masked, { EMAIL: 1 });
});

test('the built-in mock embeds without any key', async () => {
  const r = await client.embeddings.create({ model: 'mock/echo', input: ['same', 'same'], encoding_format: 'float' });
  assert.equal(r.data.length, 2);
  assert.equal(r.data[0].embedding.length, 16);
  assert.deepEqual(r.data[0].embedding, r.data[1].embedding);
  const d = await client.embeddings.create({ model: 'mock/echo', input: 'same', dimensions: 5 });
  assert.equal(d.data[0].embedding.length, 5);
  assert.deepEqual(floats(d.data[0].embedding), r.data[0].embedding.slice(0, 5));
});

test('models.retrieve: a known id with a slash, a route; an unknown id is a 404', async () => {
  const m = await client.models.retrieve('openai/text-embedding-3-large');
  assert.deepEqual({ ...m }, { id: 'openai/text-embedding-3-large', object: 'model', created: 0, owned_by: 'openai' });
  const route = await client.models.retrieve('emb');
  assert.equal(route.owned_by, 'gw');
  const alias = await client.models.retrieve('my-embedder');
  assert.equal(alias.id, 'my-embedder');
  for (const id of ['openai/no-such-model', 'nope', '../etc/passwd']) {
    await assert.rejects(client.models.retrieve(id), (e) => {
      assert.ok(e instanceof OpenAI.NotFoundError, `${id}: ${e}`);
      assert.equal(e.status, 404);
      assert.equal(e.code, 'model_not_found');
      return true;
    });
  }
  // The path without /v1, as clients whose base URL lacks it call it.
  const r = await fetch(`${base}/models/mock%2Fecho`);
  assert.equal(r.status, 200);
  assert.equal((await r.json()).id, 'mock/echo');
});

// Last: creating a key makes keys required for every later request.
test('with keys required: 401 without a key; a key sees only what it may use', async () => {
  const k = await gwCli(['keys', 'create', '--name', 'emb', '--models', 'openai/*']);
  assert.equal(k.code, 0, k.stderr);
  const key = k.stdout.trim();
  await new Promise((res) => setTimeout(res, 1100));  // auth's cache
  const anon = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'gk-notarealkeynotarealkeynotarealkey00000', maxRetries: 0 });
  await assert.rejects(anon.models.retrieve('openai/text-embedding-3-large'), (e) => {
    assert.ok(e instanceof OpenAI.AuthenticationError, String(e));
    assert.equal(e.status, 401);
    return true;
  });
  await assert.rejects(anon.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'x' }),
    (e) => e.status === 401);
  const keyed = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0 });
  assert.equal((await keyed.models.retrieve('openai/text-embedding-3-large')).id, 'openai/text-embedding-3-large');
  await assert.rejects(keyed.models.retrieve('emb'), (e) => e.status === 404);  // not allowed: unknown
  const r = await keyed.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'keyed', encoding_format: 'float' });
  assert.deepEqual(r.data[0].embedding, fakeVector('keyed'));
});
