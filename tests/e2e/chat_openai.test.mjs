// `gw chat` end to end: the real binary against the fake OpenAI-compatible upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, scratch, fakeProviders, cleanEnv, runGw, spawnGw, stopChild } from './harness.mjs';

let fake, s;
const env = () => cleanEnv({ GW_DB: s.db });
const chat = (args, opts = {}) => runGw(['--config', s.config, 'chat', ...args], { env: env(), ...opts });

before(async () => {
  fake = await startFake();
  s = scratch(fakeProviders(fake, `
[providers.dead]
kind = "openai"
base_url = "http://127.0.0.1:1/v1"
api_key = "sk-dead"

[providers.slowfake]
kind = "openai"
base_url = "${fake.base}/v1"
api_key = "sk-test-123"
first_byte_timeout_s = 1
`));
});
after(async () => { await fake.stop(); s.cleanup(); });

test('mock/echo works offline with no key and no config', async () => {
  const r = await runGw(['chat', '-m', 'mock/echo', 'hello'], { env: cleanEnv({ GW_DB: '/tmp/gw-e2e-mock.db', XDG_CONFIG_HOME: '/nonexistent' }) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hello\n');
});

test('default model without keys is mock/echo', async () => {
  const r = await runGw(['chat', 'Hello from gw'], { env: cleanEnv({ GW_DB: '/tmp/gw-e2e-mock.db', XDG_CONFIG_HOME: '/nonexistent' }) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hello from gw\n');
});

test('streams the fake answer and sends a correct OpenAI request', async () => {
  await fake.clear();
  const r = await chat(['-m', 'fake/gpt-test', 'hi', 'there']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hello! You said: hi there\n');
  const req = await fake.last();
  assert.equal(req.path, '/v1/chat/completions');
  assert.equal(req.headers.authorization, 'Bearer sk-test-123');
  assert.equal(req.body.model, 'gpt-test');
  assert.deepEqual(req.body.messages, [{ role: 'user', content: 'hi there' }]);
  assert.equal(req.body.stream, true);
  assert.deepEqual(req.body.stream_options, { include_usage: true });
});

test('output arrives chunk by chunk while the upstream is still streaming', async () => {
  const r = await chat(['-m', 'fake/gpt-test+words=6+pace=150', 'x']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'lorem ipsum dolor sit amet consectetur');
  assert.ok(r.chunks.length >= 3, `expected several stdout writes, got ${r.chunks.length}`);
});

test('bytewise and split streams give the exact text', async () => {
  for (const mode of ['bytewise', 'split=3', 'crlf+split=5']) {
    const r = await chat(['-m', `fake/gpt-test+${mode}`, 'héllo wörld 🌍 漢字']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Hello! You said: héllo wörld 🌍 漢字\n', mode);
  }
});

test('--no-stream sends a non-streaming request', async () => {
  await fake.clear();
  const r = await chat(['--no-stream', '-m', 'fake/gpt-test', 'plain']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hello! You said: plain\n');
  const req = await fake.last();
  assert.equal(req.body.stream, undefined);
  assert.equal(req.body.stream_options, undefined);
});

test('stdin prompt and system prompt', async () => {
  await fake.clear();
  const r = await chat(['-s', 'Summarise', '-m', 'fake/gpt-test'], { input: 'some text' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hello! You said: some text\n');
  const req = await fake.last();
  assert.deepEqual(req.body.messages, [{ role: 'system', content: 'Summarise' }, { role: 'user', content: 'some text' }]);
});

test('-o options reach the upstream with their JSON types', async () => {
  await fake.clear();
  const r = await chat(['-m', 'fake/gpt-test', '-o', 'temperature=0.2', '-o', 'max_tokens=200', '-o', 'stop=["END"]', 'opts']);
  assert.equal(r.code, 0, r.stderr);
  const req = await fake.last();
  assert.equal(req.body.temperature, 0.2);
  assert.equal(req.body.max_tokens, 200);
  assert.equal(req.body.stop, 'END');
});

test('a bad option value is a usage error (exit 2) and nothing is sent', async () => {
  await fake.clear();
  const r = await chat(['-m', 'fake/gpt-test', '-o', 'temperature=7', 'x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /temperature/);
  assert.equal((await fake.requests()).length, 0);
});

test('--json prints the whole OpenAI-shaped response', async () => {
  const r = await chat(['--json', '-m', 'fake/gpt-test', 'js']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.object, 'chat.completion');
  assert.equal(j.choices[0].message.role, 'assistant');
  assert.equal(j.choices[0].message.content, 'Hello! You said: js');
  assert.equal(j.choices[0].finish_reason, 'stop');
  assert.ok(j.usage.prompt_tokens > 0);
  assert.equal(j.usage.completion_tokens, 4);
});

test('--stats prints latency, ttft and tokens to stderr only', async () => {
  const r = await chat(['--stats', '-m', 'fake/gpt-test', 'stats please']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hello! You said: stats please\n');
  assert.match(r.stderr, /latency [0-9.]+s/);
  assert.match(r.stderr, /ttft [0-9.]+s/);
  assert.match(r.stderr, /12 in \/ 5 out tokens/);
});

test('a tool call is shown with its name and arguments (stream and not)', async () => {
  const tools = JSON.stringify([{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]);
  for (const extra of [[], ['--no-stream']]) {
    const r = await chat([...extra, '-m', 'fake/gpt-test+tool', '-o', `tools=${tools}`, 'weather?']);
    assert.equal(r.code, 0, r.stderr);
    const m = r.stdout.match(/\[tool call (\S+)\] get_weather\((.*)\)/);
    assert.ok(m, r.stdout);
    assert.deepEqual(JSON.parse(m[2]), { city: 'Paris', unit: 'c' });
  }
});

const faults = [
  ['fail=401', /fake: Incorrect API key/],
  ['fail=500', /fake: /],
  ['fail=503', /503|fake: /],
  ['malformed', /malformed|invalid JSON/],
  ['midstream-error', /fake: /],
  ['cut', /upstream stream ended early/],
];
for (const [mode, re] of faults) {
  test(`upstream fault ${mode} → exit 1 with the upstream's message`, async () => {
    const r = await chat(['-m', `fake/gpt-test+${mode}`, 'x'], { timeoutMs: 30000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, re);
  });
}

test('429 with retry-after is retried, then reported (exit 1)', async () => {
  await fake.clear();
  const r = await chat(['-m', 'fake/gpt-test+fail=429', 'x']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /429/);
  assert.equal((await fake.requests()).length, 3, 'one try and two retries');
});

test('a flaky upstream succeeds on retry', async () => {
  const r = await chat(['-m', `fake/gpt-test+flaky=1+n${Date.now()}`, 'again']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hello! You said: again\n');
});

test('connection refused is a clear error', async () => {
  const r = await chat(['-m', 'dead/gpt-test', 'x']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot connect to dead \(127\.0\.0\.1:1\)/);
});

test('a stalled upstream times out (first_byte_timeout_s)', async () => {
  const r = await chat(['-m', 'slowfake/gpt-test+stall=5000', 'x']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /did not answer in time/);
});

test('unknown model lists what is known (exit 1)', async () => {
  const r = await chat(['-m', 'nope/model', 'x']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /does not exist/);
  assert.match(r.stderr, /fake\/<model>/);
});

test('no key for a public provider is a config error (exit 3)', async () => {
  const r = await runGw(['chat', '-m', 'openai/gpt-4o-mini', 'x'], { env: cleanEnv({ GW_DB: s.db, XDG_CONFIG_HOME: '/nonexistent' }) });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /OPENAI_API_KEY/);
});

test('zero-config env vars: OPENAI_BASE_URL and OPENAI_API_KEY', async () => {
  await fake.clear();
  const r = await runGw(['chat', 'zero config'], {
    env: cleanEnv({ GW_DB: s.db, XDG_CONFIG_HOME: '/nonexistent', OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: `${fake.base}/v1` }),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Hello! You said: zero config\n');
  const req = await fake.last();
  assert.equal(req.headers.authorization, 'Bearer sk-env');
  assert.equal(req.body.model, 'gpt-4o-mini');
});

test('Ctrl-C mid-stream exits 130', async () => {
  const { child } = await spawnGw(['--config', s.config, 'chat', '-m', 'fake/gpt-test+words=40+pace=200', 'x'], { env: env() });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.kill('SIGINT');
  const code = await stopChild(child, 'SIGINT');
  assert.equal(code, 130);
});
