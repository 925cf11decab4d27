// Durability of the ledger (issue 12, part 5): kill -9 under load loses at most the rows of
// the writer's last flush interval and never corrupts or duplicates; SIGTERM under load
// answers and records every in-flight request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startFake, fakeProviders, scratch, startGw, chat, parseSse, rawPost, sql, sleep, user,
  ledgerIntervalMs,
} from './lib.mjs';

let fake;
before(async () => { fake = await startFake({ threads: 256 }); });
after(async () => { await fake.stop(); });

const PATH = '/v1/chat/completions';

async function inFlight(base) {
  const m = await (await fetch(`${base}/metrics`)).text();
  return Number(m.match(/^gw_requests_in_flight (\S+)/m)?.[1]);
}

test('kill -9 under load: the ledger is intact, no duplicates, only the last flush interval lost', async () => {
  const s = scratch(fakeProviders(fake));
  const interval = ledgerIntervalMs();
  // What a missing row may have on top of the interval: the batch's own commit, and the
  // writer thread (nice 10) waiting for a CPU on a loaded 2-core machine.
  const grace = 250;
  try {
    const gw = await startGw(undefined, { s });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const completed = [];
    let stop = false, failedAfterKill = 0;
    const worker = async (w) => {
      for (let i = 0; !stop && i < 100000; i++) {
        const stream = (i + w) % 4 === 0;
        const body = { model: stream ? 'fake/k9s+words=5' : 'fake/k9', stream, messages: user(`k ${w} ${i}`) };
        try {
          const r = await rawPost(gw.base, PATH, body, { agent, timeoutMs: 10000 });
          if (r.status === 200 && (!stream || parseSse(r.text).done)) completed.push({ id: r.headers['x-gw-request-id'], t: Date.now() });
        } catch { if (stop) failedAfterKill++; }
      }
    };
    const t0 = Date.now();
    const workers = Array.from({ length: 32 }, (_, w) => worker(w));
    await sleep(2000);
    const killAt = Date.now();
    gw.child.kill('SIGKILL');
    stop = true;
    await Promise.all(workers);
    await gw.stop();  // reaps the killed process
    agent.destroy();
    const loadSecs = (killAt - t0) / 1000;

    // Restart on the same file: it opens, recovers the WAL, and serves.
    const again = await startGw(undefined, { s });
    const r = await chat(again.base, { model: 'fake/after-restart' });
    assert.equal(r.status, 200, r.text);
    assert.equal(await again.stop('SIGTERM'), 0);

    const integrity = sql(s.db, 'PRAGMA integrity_check').map((x) => x.integrity_check);
    assert.deepEqual(integrity, ['ok']);
    const [{ n, d }] = sql(s.db, 'SELECT count(*) AS n, count(DISTINCT request_id) AS d FROM ledger');
    assert.equal(n, d, `${n - d} request ids appear twice`);
    const ids = new Set(sql(s.db, 'SELECT request_id FROM ledger').map((x) => x.request_id));
    assert.ok(ids.has(r.id), 'the request after the restart is recorded');
    const missing = completed.filter((c) => !ids.has(c.id));
    const ages = missing.map((c) => killAt - c.t);
    const oldest = Math.max(0, ...ages);  // responses read after the kill count as 0 ms
    console.log(`kill -9 under load: ${completed.length} requests completed in ${loadSecs.toFixed(1)} s ` +
      `(${(completed.length / loadSecs).toFixed(0)}/s, 32 clients); ${n} rows after restart; ` +
      `${missing.length} completed request(s) missing, the oldest completed ${oldest} ms before the kill ` +
      `(writer interval ${interval} ms); integrity_check ok; ${failedAfterKill} request(s) failed by the kill`);
    assert.ok(completed.length > 50, `only ${completed.length} requests completed under load`);
    assert.ok(oldest <= interval + grace,
      `a request completed ${oldest} ms before the kill has no row (interval ${interval} ms + ${grace} ms)`);
  } finally {
    s.cleanup();
  }
});

test('SIGTERM under load: every in-flight request is answered and recorded', async () => {
  const s = scratch(fakeProviders(fake));
  try {
    const gw = await startGw(undefined, { s });
    const N = 60;
    const agent = new http.Agent({ keepAlive: false, maxSockets: N });
    const pending = Array.from({ length: N }, (_, i) => {
      const stream = i % 2 === 0;
      const body = { model: stream ? 'fake/term-s+words=10+pace=100' : 'fake/term-n+stall=1000', stream, messages: user(`t${i}`) };
      return rawPost(gw.base, PATH, body, { agent, timeoutMs: 30000 }).catch((e) => ({ status: 0, text: String(e), headers: {} }));
    });
    let n = 0;
    for (let i = 0; i < 100 && n < N; i++) { n = await inFlight(gw.base); if (n < N) await sleep(50); }
    assert.equal(n, N, 'all requests reached gw before the signal');
    const t0 = Date.now();
    const code = await gw.stop('SIGTERM');
    const results = await Promise.all(pending);
    const secs = (Date.now() - t0) / 1000;
    agent.destroy();
    assert.equal(code, 0);
    const bad = results.filter((r, i) => r.status !== 200 || (i % 2 === 0 && (!parseSse(r.text).done || parseSse(r.text).content.trim().split(/\s+/).length !== 10)));
    assert.equal(bad.length, 0, `${bad.length} in-flight requests not answered whole, e.g. ${bad[0]?.status} ${bad[0]?.text?.slice(0, 200)}`);
    const ids = new Set(sql(s.db, 'SELECT request_id FROM ledger WHERE status = 200').map((x) => x.request_id));
    const unrecorded = results.filter((r) => !ids.has(r.headers['x-gw-request-id']));
    console.log(`SIGTERM with ${N} requests in flight: exit ${code} after ${secs.toFixed(2)} s, ${N - bad.length} answered, ${N - unrecorded.length} recorded`);
    assert.equal(unrecorded.length, 0, `${unrecorded.length} answered requests have no row`);
  } finally {
    s.cleanup();
  }
});
