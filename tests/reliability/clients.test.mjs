// Misbehaving and numerous clients: one that hangs up mid-stream, one that hangs up while a
// whole answer is still being made, one that never reads, and 1,000 concurrent streams.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import {
  startFake, fakeProviders, gatewayFor, parseSse, waitRow, waitRowWhere, assertHealthy, memMb,
  peakGrowth, rawPost, sql, sleep, user,
} from './lib.mjs';

let fake;
const G = gatewayFor(() => fakeProviders(fake));
// One fake worker thread per open connection: the 1,000-stream test needs more than 1,000.
before(async () => { fake = await startFake({ threads: 1100 }); });
after(async () => { await G.close(); await fake.stop(); });

async function inFlight(base) {
  const m = await (await fetch(`${base}/metrics`)).text();
  return Number(m.match(/^gw_requests_in_flight (\S+)/m)?.[1]);
}
async function waitIdle(base, ms = 3000) {
  const until = Date.now() + ms;
  let n = await inFlight(base);
  while (n !== 0 && Date.now() < until) { await sleep(50); n = await inFlight(base); }
  return n;
}

test('a client that disconnects mid-stream: row cancelled=1, what was streamed is counted', async () => {
  const gw = await G.get();
  for (const p of ['fake', 'fakeanthropic', 'fakegemini']) {
    const ac = new AbortController();
    const guard = setTimeout(() => ac.abort(), 15000);  // bounds every read below
    const res = await fetch(`${gw.base}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: ac.signal,
      body: JSON.stringify({ model: `${p}/gone+words=400+pace=20`, stream: true, messages: user('x') }),
    });
    assert.equal(res.status, 200);
    const id = res.headers.get('x-gw-request-id');
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let text = '';
    const until = Date.now() + 10000;
    while (Date.now() < until) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
      if (parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2)).content.split(' ').length >= 40) break;
    }
    ac.abort();
    clearTimeout(guard);
    const words = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2)).content.trim().split(/\s+/).length;
    assert.ok(words >= 40, `${p}: read ${words} words`);
    const row = await waitRow(gw.db, id);
    assert.equal(row.cancelled, 1, `${p}: ${JSON.stringify(row)}`);
    assert.equal(row.stream, 1);
    assert.ok(row.output_tokens >= words / 2,
      `${p}: ${row.output_tokens} output tokens recorded for ${words} words streamed (estimated=${row.usage_estimated})`);
    assert.equal(await waitIdle(gw.base), 0, `${p}: the request ended long before the 8 s upstream stream`);
  }
  await assertHealthy(gw);
});

test('a client that disconnects from a whole answer: row cancelled=1, the upstream let go at once', async () => {
  const gw = await G.get();
  await fake.clear();
  const model = 'fake/abandoned+stall=10000';
  const t0 = Date.now();
  const err = await fetch(`${gw.base}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(500),
    body: JSON.stringify({ model, messages: user('x') }),
  }).then(() => null, (e) => e);
  assert.ok(err, 'the request was aborted by the client');
  // gw notices the hang-up and closes its upstream connection: the fake sees it well before
  // its 10 s stall is over.
  let seen;
  for (let i = 0; i < 60 && !seen; i++) {
    seen = (await fake.requests()).find((q) => q.model === 'abandoned+stall=10000');
    if (!seen) await sleep(50);
  }
  assert.ok(seen, `the upstream request was still open ${Date.now() - t0} ms after the client left`);
  assert.ok(seen.peer_gone_ms !== null && seen.peer_gone_ms < 2000, `gw closed the upstream after ${seen.peer_gone_ms} ms`);
  const row = await waitRowWhere(gw.db, `requested_model = '${model}'`, 4000);
  assert.equal(row.cancelled, 1, JSON.stringify(row));
  assert.equal(row.stream, 0);
  assert.equal(await waitIdle(gw.base), 0);
  await assertHealthy(gw);
});

test('a client that never reads a long stream: gw stops reading upstream, RSS stays bounded', async () => {
  const gw = await G.get();
  const model = 'fake/neverread+huge=64';
  const body = JSON.stringify({ model, stream: true, messages: user('x') });
  const { port } = new URL(gw.base);
  const busy = await inFlight(gw.base);  // requests earlier tests left behind, if any
  const sock = net.connect(Number(port), '127.0.0.1');
  await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
  sock.on('error', () => {});
  const [, grew] = await peakGrowth(gw.pid, async () => {
    sock.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await sleep(300);
    sock.pause();  // from here on nothing is read: kernel buffers fill, then gw must wait
    await sleep(3000);
  });
  console.log(`client that never reads a 64 MiB stream: gw RSS +${grew.toFixed(1)} MiB over 3 s`);
  assert.ok(grew < gw.boundMb(16), `gw RSS grew by ${grew.toFixed(1)} MiB for a client that reads nothing`);
  assert.equal(await inFlight(gw.base), busy + 1, 'the stream is parked, not failed');
  sock.destroy();  // unread data: the kernel resets the connection
  const row = await waitRowWhere(gw.db, `requested_model = '${model}'`, 15000);  // slow under ASan on a loaded machine
  assert.equal(row.cancelled, 1);
  await assertHealthy(gw);
});

test('1,000 concurrent streams all complete', async () => {
  const gw = await G.get();
  const N = 1000;
  const model = 'fake/many+words=10+pace=100';
  const agent = new http.Agent({ keepAlive: false, maxSockets: N });
  const before = memMb(gw.pid).rss;
  let peak = before;
  const timer = setInterval(() => { try { peak = Math.max(peak, memMb(gw.pid).rss); } catch {} }, 100);
  const t0 = Date.now();
  let results;
  try {
    results = await Promise.all(Array.from({ length: N }, (_, i) =>
      rawPost(gw.base, '/v1/chat/completions', { model, stream: true, messages: user(`s${i}`) }, { agent, timeoutMs: 180000 })
        .catch((e) => ({ status: 0, text: String(e) }))));
  } finally { clearInterval(timer); agent.destroy(); }
  const secs = (Date.now() - t0) / 1000;
  const bad = results.filter((r) => {
    if (r.status !== 200) return true;
    const sse = parseSse(r.text);
    return !sse.done || sse.errors.length || sse.content.trim().split(/\s+/).length !== 10;
  });
  console.log(`1,000 concurrent 1 s streams: ${secs.toFixed(1)} s, ${N - bad.length} complete, gw RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} MiB`);
  assert.equal(bad.length, 0, `${bad.length} streams failed, e.g. ${bad[0]?.status} ${bad[0]?.text?.slice(0, 200)}`);
  assert.ok(secs < 150, `took ${secs} s`);
  let rows = 0;
  for (let i = 0; i < 100 && rows < N; i++) {
    rows = sql(gw.db, `SELECT count(*) AS n FROM ledger WHERE requested_model = '${model}' AND status = 200`)[0].n;
    if (rows < N) await sleep(100);
  }
  assert.equal(rows, N, 'every stream has its row');
  await assertHealthy(gw);
});
