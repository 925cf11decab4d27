// `gw compare`: one prompt, several models, side by side.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, scratch, fakeProviders, cleanEnv, runGw } from './harness.mjs';

let fake, s;
before(async () => { fake = await startFake(); s = scratch(fakeProviders(fake)); });
after(async () => { await fake.stop(); s.cleanup(); });

const compare = (args) => runGw(['--config', s.config, 'compare', ...args], { env: cleanEnv({ GW_DB: s.db }) });

test('compare shows every model with answer, tokens and status (json)', async () => {
  const r = await compare(['-m', 'fake/gpt-x', '-m', 'fakeanthropic/claude-x', '-m', 'fakegemini/gemini-x+fail=400', '--format', 'json', 'compare', 'this']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.prompt, 'compare this');
  assert.equal(j.results.length, 3);
  const [a, b, c] = j.results;
  assert.equal(a.model, 'fake/gpt-x');
  assert.equal(a.answer, 'Hello! You said: compare this');
  assert.equal(a.status, 'ok');
  assert.equal(a.output_tokens, 5);
  assert.ok(a.input_tokens > 0 && a.latency_ms > 0 && a.ttft_ms >= 0);
  assert.equal(b.answer, 'Hello! You said: compare this');
  assert.equal(c.status, 'error');
  assert.equal(c.answer, null);
  assert.match(c.error, /fakegemini/);
});

test('compare table and markdown formats, --runs averages', async () => {
  const t = await compare(['-m', 'fake/a', '-m', 'mock/echo', '--runs', '2', 'hi']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /^MODEL\s+STATUS\s+TTFT\s+LATENCY\s+IN\s+OUT\s+TOK\/S\s+COST/m);
  assert.match(t.stdout, /── fake\/a ──\nHello! You said: hi/);
  const md = await compare(['-m', 'fake/a', '-m', 'mock/echo', '--format', 'markdown', 'hi']);
  assert.match(md.stdout, /^\| MODEL/m);
  assert.match(md.stdout, /^\|-+\|/m);
});

test('compare needs two models and a prompt (exit 2); all failing is exit 1', async () => {
  assert.equal((await compare(['-m', 'fake/a', 'hi'])).code, 2);
  assert.equal((await compare(['-m', 'fake/a', '-m', 'fake/b', '--format', 'xml', 'hi'])).code, 2);
  const bad = await compare(['-m', 'fake/a+fail=400', '-m', 'fake/b+fail=404', 'hi']);
  assert.equal(bad.code, 1);
});
