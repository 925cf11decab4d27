// `gw chat` against the fake Anthropic and Gemini servers: the request each receives must be
// one the real API accepts, and what comes back must look exactly like an OpenAI answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, scratch, fakeProviders, cleanEnv, runGw } from './harness.mjs';

let fake, s;
const chat = (args) => runGw(['--config', s.config, 'chat', ...args], { env: cleanEnv({ GW_DB: s.db }) });

before(async () => { fake = await startFake(); s = scratch(fakeProviders(fake)); });
after(async () => { await fake.stop(); s.cleanup(); });

const kinds = {
  anthropic: {
    provider: 'fakeanthropic', model: 'claude-x',
    check(req, { stream }) {
      assert.equal(req.path, '/v1/messages');
      assert.equal(req.headers['x-api-key'], 'ant-test-123');
      assert.equal(req.headers['anthropic-version'], '2023-06-01');
      assert.equal(req.body.model, 'claude-x');
      assert.equal(req.body.max_tokens, 4096);
      assert.equal(Boolean(req.body.stream), stream);
    },
    system: (req) => req.body.system,
    // OpenAI prompt_tokens = input + cache read + cache write (docs/PROTOCOLS.md §6.3).
    usage: (u) => ({ prompt: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0), completion: u.output_tokens, cached: u.cache_read_input_tokens ?? 0 }),
  },
  gemini: {
    provider: 'fakegemini', model: 'gemini-x',
    check(req, { stream }) {
      assert.equal(req.path, stream ? '/v1beta/models/gemini-x:streamGenerateContent' : '/v1beta/models/gemini-x:generateContent');
      if (stream) assert.equal(req.query.alt, 'sse');
      assert.equal(req.headers['x-goog-api-key'], 'gem-test-123');
    },
    system: (req) => (req.body.systemInstruction ?? req.body.system_instruction).parts.map((p) => p.text).join(''),
    usage: (u) => ({ prompt: u.promptTokenCount, completion: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0), cached: u.cachedContentTokenCount ?? 0 }),
  },
};

for (const [kind, k] of Object.entries(kinds)) {
  const m = (extra = '') => `${k.provider}/${k.model}${extra}`;

  test(`${kind}: plain and streamed answers`, async () => {
    for (const stream of [false, true]) {
      await fake.clear();
      const r = await chat([...(stream ? [] : ['--no-stream']), '-m', m(), 'hello', 'there']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Hello! You said: hello there\n');
      k.check(await fake.last(), { stream });
    }
  });

  test(`${kind}: byte-split and paced streams arrive intact`, async () => {
    for (const mode of ['bytewise', 'split=7', 'words=6+pace=100']) {
      const r = await chat(['-m', m(`+${mode}`), 'héllo 🌍 漢字']);
      assert.equal(r.code, 0, r.stderr);
      if (mode.startsWith('words')) assert.equal(r.stdout.trim(), 'lorem ipsum dolor sit amet consectetur');
      else assert.equal(r.stdout, 'Hello! You said: héllo 🌍 漢字\n', mode);
    }
  });

  test(`${kind}: system prompt`, async () => {
    await fake.clear();
    const r = await chat(['-s', 'Be brief.', '-m', m(), 'q']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(k.system(await fake.last()), 'Be brief.');
  });

  test(`${kind}: usage equals what the upstream reported (stream and not, with cache)`, async () => {
    for (const stream of [false, true]) {
      await fake.clear();
      const r = await chat([...(stream ? ['--stats'] : ['--json']), '-m', m('+cache'), 'count my tokens please']);
      assert.equal(r.code, 0, r.stderr);
      const reported = k.usage((await fake.last()).usage);
      if (stream) {
        assert.match(r.stderr, new RegExp(`${reported.prompt} in / ${reported.completion} out tokens`));
      } else {
        const u = JSON.parse(r.stdout).usage;
        assert.equal(u.prompt_tokens, reported.prompt);
        assert.equal(u.completion_tokens, reported.completion);
        assert.equal(u.prompt_tokens_details.cached_tokens, reported.cached);
        assert.equal(u.total_tokens, reported.prompt + reported.completion);
      }
    }
  });

  test(`${kind}: multi-turn with a tool call and its result`, async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    // Turn 1: the model asks for the tool.
    const first = await chat(['--json', '-m', m('+tool'), '-o', `tools=${JSON.stringify(tools)}`, 'weather in Paris?']);
    assert.equal(first.code, 0, first.stderr);
    const msg = JSON.parse(first.stdout).choices[0].message;
    assert.equal(msg.tool_calls[0].function.name, 'get_weather');
    // Turn 2: the tool result goes back; the upstream must accept the history.
    const history = [
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: msg.content, tool_calls: msg.tool_calls },
      { role: 'tool', tool_call_id: msg.tool_calls[0].id, content: '18C and sunny' },
    ];
    await fake.clear();
    const second = await chat(['-m', m(), '-o', `tools=${JSON.stringify(tools)}`, '-o', `messages=${JSON.stringify(history)}`, 'thanks, and tomorrow?']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'Hello! You said: thanks, and tomorrow?\n');
    const body = (await fake.last()).body;
    const text = JSON.stringify(body);
    assert.match(text, /18C and sunny/);
    if (kind === 'anthropic') {
      assert.deepEqual(body.messages.map((x) => x.role), ['user', 'assistant', 'user']);
      const use = body.messages[1].content.find((b) => b.type === 'tool_use');
      assert.deepEqual(use.input, { city: 'Paris', unit: 'c' });
      const result = body.messages[2].content[0];
      assert.equal(result.type, 'tool_result');
      assert.equal(result.tool_use_id, use.id);
      assert.equal(body.messages[2].content.at(-1).text, 'thanks, and tomorrow?');
      assert.equal(body.tools[0].input_schema.required[0], 'city');
    } else {
      assert.deepEqual(body.contents.map((x) => x.role), ['user', 'model', 'user']);
      const call = body.contents[1].parts.find((p) => p.functionCall);
      assert.deepEqual(call.functionCall.args, { city: 'Paris', unit: 'c' });
      assert.ok(call.thoughtSignature, 'the thought signature survives the round trip');
      const resp = body.contents[2].parts.find((p) => p.functionResponse);
      assert.equal(resp.functionResponse.name, 'get_weather');
      assert.deepEqual(resp.functionResponse.response, { output: '18C and sunny' });
      assert.equal(body.tools[0].functionDeclarations[0].name, 'get_weather');
    }
  });

  test(`${kind}: an image part is sent as the provider's image block`, async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    const messages = [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }];
    await fake.clear();
    const r = await chat(['-m', m(), '-o', `messages=${JSON.stringify(messages)}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Hello! You said: what is this?\n');
    const body = (await fake.last()).body;
    if (kind === 'anthropic') {
      const img = body.messages[0].content.find((b) => b.type === 'image');
      assert.deepEqual(img.source, { type: 'base64', media_type: 'image/png', data: png });
    } else {
      const part = body.contents[0].parts.find((p) => p.inlineData || p.inline_data);
      const data = part.inlineData ?? part.inline_data;
      assert.equal(data.mimeType ?? data.mime_type, 'image/png');
      assert.equal(data.data, png);
    }
  });

  const faults = [
    ['fail=429', 1, /rate|429|RESOURCE_EXHAUSTED|exhausted/i],
    ['fail=500', 1, new RegExp(k.provider)],
    ['fail=529', 1, /overloaded|fakeanthropic|fakegemini/i],
    ['fail=401', 1, /key|auth|API_KEY|permission/i],
    ['cut', 1, /upstream stream ended early/],
    ['midstream-error', 1, new RegExp(k.provider)],
    ['malformed', 1, /malformed|invalid|JSON/i],
  ];
  for (const [mode, code, re] of faults) {
    test(`${kind}: fault ${mode} → exit ${code}`, async () => {
      const r = await chat(['-m', m(`+${mode}`), 'x']);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, re);
    });
  }
}

test('gemini: a blocked prompt is a content_filter completion, not a crash', async () => {
  const r = await chat(['--json', '-m', 'fakegemini/gemini-x+block', 'x']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.choices[0].finish_reason, 'content_filter');
  assert.equal(j.choices[0].message.content, null);
});

test('anthropic: a refusal maps to content_filter', async () => {
  const r = await chat(['--json', '-m', 'fakeanthropic/claude-x+safety', 'x']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).choices[0].finish_reason, 'content_filter');
});
