// Size limits: a 50 MB client request body is refused with 413 without being buffered; a
// 50 MB upstream answer (whole or streamed) is delivered with memory bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  startFake, fakeProviders, gatewayFor, chat, parseSse, assertOpenAIError, waitRow, assertHealthy, memMb, peakGrowth,
} from './lib.mjs';

const MiB = 1 << 20;
let fake;
const G = gatewayFor(() => fakeProviders(fake));
before(async () => { fake = await startFake(); });
after(async () => { await G.close(); await fake.stop(); });

// A raw client sending `size` bytes of body. `expect`: asks for 100-continue first and sends
// the body only if told to. `readFirst` false: reads nothing until the whole body is sent, as
// many clients do. Resolves {status (0: no answer), text, err}; bounded by 30 s.
function bigPost(base, size, { chunked = false, expect = false, readFirst = true } = {}) {
  const url = new URL(base);
  return new Promise((resolve) => {
    const sock = net.connect(Number(url.port), url.hostname);
    let got = '', err = null, over = false, sentAll = false;
    const done = () => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ status: Number(got.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0), text: got.slice(got.indexOf('\r\n\r\n') + 4), err, sentAll });
    };
    const timer = setTimeout(done, 30000);
    const complete = () => {
      const end = got.indexOf('\r\n\r\n');
      const m = got.match(/^content-length: *(\d+)/im);
      return end >= 0 && m && got.length - end - 4 >= Number(m[1]);
    };
    let pumping = false;
    const block = Buffer.alloc(MiB, 'x');
    let sent = 0;
    const pump = () => {
      pumping = true;
      while (sent < size && !over) {
        const n = Math.min(block.length, size - sent);
        const piece = n === block.length ? block : block.subarray(0, n);
        sent += n;
        const ok = sock.write(chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
        if (!ok) { sock.once('drain', pump); return; }
      }
      if (chunked && !over) sock.write('0\r\n\r\n');
      sentAll = true;
      if (!readFirst) sock.resume();
    };
    sock.on('data', (d) => {
      got += d;
      if (expect && !pumping && /^HTTP\/1\.1 100/.test(got)) { got = got.slice(got.indexOf('\r\n\r\n') + 4); pump(); }
      if (/^HTTP\/1\.1 [2-5]/.test(got) && complete()) done();
    });
    sock.on('error', (e) => { err = e.code; done(); });
    sock.on('close', done);
    sock.once('connect', () => {
      if (!readFirst) sock.pause();
      sock.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
        (chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${size}\r\n`) +
        (expect ? 'Expect: 100-continue\r\n' : '') + '\r\n');
      if (!expect) pump();
    });
  });
}

test('a 50 MB request body: 413 request_too_large before the body is sent, never buffered', async () => {
  const gw = await G.get();
  const [r, grew] = await peakGrowth(gw.pid, () => bigPost(gw.base, 50 * MiB, { expect: true }));
  assert.equal(r.status, 413, `${r.err} ${r.text}`);
  assertOpenAIError(JSON.parse(r.text), { code: 'request_too_large' }, '50 MB body');
  assert.equal(r.sentAll, false, 'refused on its Content-Length, before any body byte');
  assert.ok(grew < gw.boundMb(24), `RSS grew by ${grew.toFixed(1)} MiB for a refused body`);
  await assertHealthy(gw);
});

test('a client that sends all 50 MB before reading still gets the 413', async () => {
  const gw = await G.get();
  for (const chunked of [false, true]) {
    const [r, grew] = await peakGrowth(gw.pid, () => bigPost(gw.base, 50 * MiB, { chunked, readFirst: false }));
    assert.ok(gw.alive());
    assert.ok(grew < gw.boundMb(24), `chunked=${chunked}: RSS grew by ${grew.toFixed(1)} MiB for a refused body`);
    assert.equal(r.status, 413, `chunked=${chunked}: the client got ${r.err ?? 'no answer'} instead of the 413 (sent all: ${r.sentAll})`);
    assertOpenAIError(JSON.parse(r.text), { code: 'request_too_large' }, `chunked=${chunked}`);
  }
  await assertHealthy(gw);
});

test('a 50 MB upstream answer is delivered whole, memory bounded', async () => {
  const gw = await G.get();
  for (const p of ['fake', 'fakeanthropic']) {
    const [r, grew] = await peakGrowth(gw.pid, () => chat(gw.base, { model: `${p}/huge+huge=50` }, { timeoutMs: 120000 }));
    assert.ok(gw.alive(), `${p}: gw serve died on a 50 MB answer`);
    assert.equal(r.status, 200, `${p}: ${r.text.slice(0, 300)}`);
    const content = r.json.choices[0].message.content;
    assert.equal(content.length, 50 * MiB, p);
    const row = await waitRow(gw.db, r.id);
    assert.equal(row.status, 200);
    assert.ok(row.output_tokens > 1e6, `${p}: ${row.output_tokens} output tokens`);
    console.log(`50 MiB answer via ${p}: ${r.ms} ms, gw RSS peak +${grew.toFixed(0)} MiB, now ${memMb(gw.pid).rss.toFixed(0)} MiB`);
    // A bounded number of copies of the answer at once, not one per chunk or per retry.
    assert.ok(grew < gw.boundMb(6 * 50), `${p}: RSS grew by ${grew.toFixed(0)} MiB for a 50 MiB answer`);
  }
  await assertHealthy(gw);
});

test('a 50 MB streamed answer flows through without being buffered', async () => {
  const gw = await G.get();
  const [r, grew] = await peakGrowth(gw.pid, () => chat(gw.base, { model: 'fake/huges+huge=50', stream: true }, { timeoutMs: 120000 }));
  assert.equal(r.status, 200);
  const sse = parseSse(r.text);
  assert.equal(sse.done, true);
  assert.deepEqual(sse.errors, []);
  assert.equal(sse.content.length, 50 * MiB);
  console.log(`50 MiB stream: ${r.ms} ms, gw RSS peak +${grew.toFixed(1)} MiB`);
  assert.ok(grew < gw.boundMb(32), `RSS grew by ${grew.toFixed(1)} MiB while streaming 50 MiB`);
  const row = await waitRow(gw.db, r.id);
  assert.equal(row.status, 200);
  assert.equal(row.stream, 1);
  await assertHealthy(gw);
});
