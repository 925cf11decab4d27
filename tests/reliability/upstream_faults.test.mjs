// Upstream faults, one at a time: what the client gets, what the ledger row holds, and that
// gw still answers a normal request afterwards. The fake upstream is steered by directives in
// the model name (tests/fake_upstream/README.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startFake, closedPort, fakeProviders, gatewayFor, chat, parseSse, assertOpenAIError,
  assertStreamError, assertFailed, waitRow, assertHealthy, memMb, peakGrowth, sleep,
} from './lib.mjs';

let fake, deadPort;
const G = gatewayFor(() => `
${fakeProviders(fake)}
[providers.quick]                 # answers must start within 0.5 s (and keep coming)
kind = "openai"
base_url = "${fake.base}/v1"
api_key = "sk-quick"
first_byte_timeout_s = 0.5
timeout_s = 20

[providers.quickanthropic]
kind = "anthropic"
base_url = "${fake.base}"
api_key = "ant-quick"
first_byte_timeout_s = 0.5

[providers.brief]                 # a whole answer must take at most 1 s
kind = "openai"
base_url = "${fake.base}/v1"
api_key = "sk-brief"
timeout_s = 1

[providers.dead]                  # nothing listens there
kind = "openai"
base_url = "http://127.0.0.1:${deadPort}/v1"
api_key = "sk-dead"
connect_timeout_s = 1

[routes.dead-then-alive]
targets = ["dead/fresh", "fake/alive"]   # dead/x has its circuit open by then
retries = 0
`);

before(async () => {
  fake = await startFake();
  deadPort = await closedPort();
});
after(async () => {
  await G.close();
  await fake.stop();
});

const dialects = ['fake', 'fakeanthropic', 'fakegemini'];

test('connection refused: 502 upstream_connect_error, recorded; a two-target route fails over', async () => {
  const gw = await G.get();
  for (const stream of [false, true]) {
    const r = await chat(gw.base, { model: 'dead/x', stream });
    assert.equal(r.status, 502, r.text);
    assertOpenAIError(r.json, { type: 'server_error', code: 'upstream_connect_error' }, `stream=${stream}`);
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
    const row = await waitRow(gw.db, r.id);
    assert.equal(row.status, 502);
    assert.equal(row.error_code, 'upstream_connect_error');
    assert.equal(row.stream, stream ? 1 : 0);
  }
  const r = await chat(gw.base, { model: 'dead-then-alive', messages: [{ role: 'user', content: 'over' }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('x-gw-attempts'), '2');
  assert.equal(r.json.choices[0].message.content, 'Hello! You said: over');
  const row = await waitRow(gw.db, r.id);
  assert.equal(row.status, 200);
  assert.equal(row.attempts, 2);
  assert.equal(row.route, 'dead-then-alive');
  await assertHealthy(gw);
});

test('connection reset halfway through the body', async () => {
  const gw = await G.get();
  for (const p of dialects) {
    const r = await chat(gw.base, { model: `${p}/reset+reset+words=400` });
    assert.ok([502, 504].includes(r.status), `${p}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    assertOpenAIError(r.json, { type: 'server_error' }, p);
    const row = await waitRow(gw.db, r.id);
    assert.equal(row.status, r.status, p);
    assert.ok(row.error_type, p);

    const s = await chat(gw.base, { model: `${p}/resets+reset+words=40`, stream: true });
    const sse = assertStreamError(s, { code: 'upstream_stream_truncated' }, `${p} stream`);
    assert.ok(sse.content.length > 0, `${p}: the first half reached the client`);
    const srow = await waitRow(gw.db, s.id);
    assert.equal(srow.status, 502, p);
    assert.equal(srow.error_code, 'upstream_stream_truncated', p);
    assert.equal(srow.usage_estimated, 1, p);
    assert.ok(srow.output_tokens > 0, `${p}: what was streamed is counted`);
  }
  await assertHealthy(gw);
});

test('stall before the first byte: 504 after first_byte_timeout_s, and the upstream is let go', async () => {
  const gw = await G.get();
  await fake.clear();
  for (const [model, stream] of [['quick/stall+stall=20000', false], ['quick/stalls+stall=20000', true], ['quickanthropic/stall+stall=20000', true]]) {
    const r = await chat(gw.base, { model, stream });
    assert.equal(r.status, 504, `${model}: ${r.text}`);
    assertOpenAIError(r.json, { type: 'server_error', code: 'timeout' }, model);
    assert.ok(r.ms < 8000, `${model}: took ${r.ms} ms for 0.5 s timeouts`);
    const row = await waitRow(gw.db, r.id);
    assert.equal(row.status, 504);
    assert.equal(row.error_code, 'timeout');
    assert.ok(row.attempts >= 1);
  }
  // The fake saw gw hang up on every stalled attempt long before its 20 s stall ended.
  await sleep(300);
  const seen = (await fake.requests()).filter((q) => q.model.includes('stall=20000'));
  assert.ok(seen.length >= 3, `${seen.length} stalled attempts`);
  for (const q of seen) assert.ok(q.peer_gone_ms !== null && q.peer_gone_ms < 3000, `${q.model}: gw closed after ${q.peer_gone_ms} ms`);
  await assertHealthy(gw);
});

test('stall mid-stream: the stream ends with an error event, never [DONE], and is recorded', async () => {
  const gw = await G.get();
  const r = await chat(gw.base, { model: 'quick/mid+stallmid=20000+words=20', stream: true });
  const sse = assertStreamError(r, { code: ['timeout', 'upstream_stream_truncated'] }, 'stallmid stream');
  assert.equal(sse.content.trim(), 'lorem', 'the content before the stall reached the client');
  assert.ok(r.ms < 8000, `took ${r.ms} ms`);
  const row = await waitRow(gw.db, r.id);
  assert.ok([502, 504].includes(row.status), `row status ${row.status}`);
  assert.equal(row.usage_estimated, 1);
  assert.ok(row.output_tokens > 0);

  // The same pause in the middle of a whole answer's body.
  const n = await chat(gw.base, { model: 'quick/midn+stallmid=20000+words=400' });
  assert.equal(n.status, 504, n.text.slice(0, 200));
  assertOpenAIError(n.json, { code: 'timeout' }, 'stallmid whole answer');
  assert.equal((await waitRow(gw.db, n.id)).status, 504);

  // timeout_s bounds the whole answer, even one that keeps coming.
  const t = await chat(gw.base, { model: 'brief/slow+words=40+pace=100', stream: true });
  assertStreamError(t, { code: ['timeout', 'upstream_stream_truncated'] }, 'timeout_s stream');
  assert.ok(t.ms >= 900 && t.ms < 4000, `timeout_s=1 took ${t.ms} ms`);
  await assertHealthy(gw);
});

test('a stream stalled past its timeout is reported as a timeout: code timeout, row 504', async () => {
  const gw = await G.get();
  for (const model of ['quick/mid2+stallmid=20000+words=20', 'brief/slow2+words=40+pace=100']) {
    const r = await chat(gw.base, { model, stream: true });
    assertStreamError(r, { code: 'timeout' }, model);
    const row = await waitRow(gw.db, r.id);
    assert.equal(row.status, 504, model);
    assert.equal(row.error_code, 'timeout', model);
  }
});

test('malformed JSON answer: 502 bad_upstream_response; a malformed stream event: error event', async () => {
  const gw = await G.get();
  for (const p of dialects) {
    const r = await chat(gw.base, { model: `${p}/mal+malformed` });
    assert.equal(r.status, 502, `${p}: ${r.text.slice(0, 200)}`);
    assertOpenAIError(r.json, { code: 'bad_upstream_response' }, p);
    const row = await waitRow(gw.db, r.id);
    assert.equal(row.status, 502);
    assert.equal(row.error_code, 'bad_upstream_response');
  }
  const s = await chat(gw.base, { model: 'fake/mals+malformed+words=10', stream: true });
  assertStreamError(s, { code: 'bad_upstream_response' }, 'malformed stream');
  const row = await waitRow(gw.db, s.id);
  assert.equal(row.status, 502);
  await assertHealthy(gw);
});

test('a stream that ends without its final event: upstream_stream_truncated', async () => {
  const gw = await G.get();
  for (const p of dialects) {
    const r = await chat(gw.base, { model: `${p}/eof+eof+words=20`, stream: true });
    const sse = assertStreamError(r, { code: 'upstream_stream_truncated' }, p);
    assert.ok(sse.content.length > 0, p);
    const row = await waitRow(gw.db, r.id);
    assert.equal(row.status, 502, p);
    assert.equal(row.error_code, 'upstream_stream_truncated', p);
    assert.equal(row.usage_estimated, 1, p);
  }
  await assertHealthy(gw);
});

test('a 200 whose body is an error is an error, not an answer', async () => {
  const gw = await G.get();
  for (const p of dialects) {
    const r = await chat(gw.base, { model: `${p}/eb+errbody` });
    assert.ok(r.status >= 500, `${p}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    assertOpenAIError(r.json, { type: 'server_error' }, p);
    const row = await waitRow(gw.db, r.id);
    assert.equal(row.status, r.status, p);

    const s = await chat(gw.base, { model: `${p}/ebs+errbody`, stream: true });
    assertFailed(s, {}, `${p} stream`);
    const srow = await waitRow(gw.db, s.id);
    assert.notEqual(srow.status, 200, p);
  }
  await assertHealthy(gw);
});

test('an answer nested 5,000 levels deep: 502 bad_upstream_response, no crash', async () => {
  const gw = await G.get();
  for (const p of dialects) {
    const r = await chat(gw.base, { model: `${p}/deep+deep=5000` }).catch((e) => ({ status: 0, text: String(e) }));
    assert.ok(gw.alive(), `${p}: gw serve died on a deeply nested answer (signal ${gw.child.signalCode})`);
    assert.equal(r.status, 502, `${p}: ${r.text.slice(0, 200)}`);
    assertOpenAIError(r.json, { code: 'bad_upstream_response' }, p);
    const row = await waitRow(gw.db, r.id);
    assert.equal(row.status, 502, p);
    assert.equal(row.error_code, 'bad_upstream_response', p);
  }
  const s = await chat(gw.base, { model: 'fake/deeps+deep=5000+words=5', stream: true }).catch((e) => ({ status: 0, text: String(e) }));
  assert.ok(gw.alive(), 'gw serve died on a deeply nested stream event');
  assertFailed(s, { code: 'bad_upstream_response' }, 'deep stream event');
  await assertHealthy(gw);
});

test('an SSE line that never ends: the stream ends with an error event, recorded, RSS bounded', async () => {
  const gw = await G.get();
  for (const p of ['fake', 'fakeanthropic']) {
    const [r, grew] = await peakGrowth(gw.pid, () =>
      chat(gw.base, { model: `${p}/endless+endless`, stream: true }, { timeoutMs: 60000 }).catch((e) => ({ status: 0, text: String(e) })));
    assert.ok(gw.alive(), `${p}: gw serve died on an endless SSE line`);
    assertFailed(r, {}, `${p} endless line`);
    assert.ok(r.ms < 30000, `${p}: took ${r.ms} ms`);
    assert.ok(grew < gw.boundMb(48), `${p}: RSS grew by ${grew.toFixed(1)} MiB for an SSE line capped at 8 MiB`);
    const row = await waitRow(gw.db, r.id);
    assert.notEqual(row.status, 200, p);
    console.log(`endless SSE line (${p}): client got ${(r.text.length / 1048576).toFixed(2)} MiB in ${r.ms} ms, gw RSS +${grew.toFixed(1)} MiB`);
  }
  // A whole answer that never ends stops at gw's 64 MiB bound on an answer.
  const [n, grew] = await peakGrowth(gw.pid, () => chat(gw.base, { model: 'fake/endlessn+endless' }, { timeoutMs: 60000 }));
  assert.equal(n.status, 502, n.text.slice(0, 200));
  assertOpenAIError(n.json, { code: 'bad_upstream_response' }, 'endless body');
  console.log(`endless body: 502 in ${n.ms} ms, gw RSS +${grew.toFixed(1)} MiB`);
  await assertHealthy(gw);
});

test('missing usage: the row is estimated', async () => {
  const gw = await G.get();
  for (const p of dialects) {
    for (const stream of [false, true]) {
      const r = await chat(gw.base, { model: `${p}/nou+nousage+words=12`, stream });
      assert.equal(r.status, 200, r.text.slice(0, 200));
      if (stream) assert.equal(parseSse(r.text).done, true);
      const row = await waitRow(gw.db, r.id);
      assert.equal(row.status, 200);
      assert.equal(row.usage_estimated, 1, `${p} stream=${stream}`);
      assert.ok(row.input_tokens > 0 && row.output_tokens > 0, `${p} stream=${stream}: ${row.input_tokens}/${row.output_tokens}`);
    }
  }
  await assertHealthy(gw);
});

test('absurd usage numbers (negative, > 1e12) are treated as not reported and estimated', async () => {
  const gw = await G.get();
  const bad = [];
  for (const kind of ['absurd', 'negative']) {
    for (const p of dialects) {
      for (const stream of [false, true]) {
        const r = await chat(gw.base, { model: `${p}/u+usage=${kind}+words=12`, stream, stream_options: stream ? { include_usage: true } : undefined });
        assert.equal(r.status, 200, r.text.slice(0, 200));
        const row = await waitRow(gw.db, r.id);
        const ok = row.usage_estimated === 1 && row.input_tokens > 0 && row.input_tokens < 1e6 &&
          row.output_tokens > 0 && row.output_tokens < 1e6 && (row.cost_usd === null || (row.cost_usd >= 0 && row.cost_usd < 1));
        if (!ok) bad.push(`${kind} ${p} stream=${stream}: estimated=${row.usage_estimated} in=${row.input_tokens} out=${row.output_tokens} cost=${row.cost_usd}`);
      }
    }
  }
  assert.deepEqual(bad, [], bad.join('\n'));
  await assertHealthy(gw);
});
