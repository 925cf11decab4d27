// Virtual keys end to end: `gw keys create|list|revoke`, the auth stage of `gw serve` (auto
// mode: open until the first key exists), attribution to the key's tenant and user in the
// ledger, and a revoked key refused by the running server within a second.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild, runGw } from './harness.mjs';

let fake, s, gw, base;
const env = () => cleanEnv({ GW_DB: s.db });
const gwCli = (args) => runGw(['--config', s.config, ...args], { env: env() });
const client = (apiKey) => new OpenAI({ baseURL: `${base}/v1`, apiKey, maxRetries: 0 });
const ask = (apiKey, extra = {}) =>
  client(apiKey).chat.completions.create({ model: 'fake/x', messages: [{ role: 'user', content: 'hi' }], ...extra });
const keys = {};

before(async () => {
  fake = await startFake();
  s = scratch(fakeProviders(fake));
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
});
after(async () => {
  if (gw) await stopChild(gw.child);
  if (process.env.GW_DEBUG) console.error(gw.stderr());
  await fake.stop();
  s.cleanup();
});

test('with no keys, serve answers without auth (auto)', async () => {
  const r = await ask('unused');
  assert.equal(r.choices[0].message.content, 'Hello! You said: hi');
  const list = await gwCli(['keys', 'list', '--format', 'json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout), []);
});

test('gw keys create prints the secret once', async () => {
  for (const [tenant, user] of [['acme', 'alice'], ['globex', 'bob']]) {
    const r = await gwCli(['keys', 'create', '--name', `${tenant}-ci`, '--user', user, '--tenant', tenant]);
    assert.equal(r.code, 0, r.stderr);
    const secret = r.stdout.trim();
    assert.match(secret, /^gk-[A-Za-z0-9]{40}$/);
    assert.match(r.stderr, /not shown again/);
    keys[tenant] = { secret };
  }
  const list = await gwCli(['keys', 'list', '--format', 'json']);
  const rows = JSON.parse(list.stdout);
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.match(row.id, /^key_[A-Za-z0-9]{12}$/);
    assert.equal(row.status, 'active');
    keys[row.tenant].id = row.id;
    assert.equal(row.prefix, keys[row.tenant].secret.slice(0, 8));
    assert.ok(!list.stdout.includes(keys[row.tenant].secret), 'list never shows a secret');
  }
  assert.equal(rows.find((r) => r.tenant === 'acme').user, 'alice');
  assert.equal(rows.find((r) => r.tenant === 'globex').user, 'bob');
  // The server re-reads whether keys exist at most once a second.
  await new Promise((r) => setTimeout(r, 1100));
});

test('no key or a wrong key is a 401 in the OpenAI shape', async () => {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake/x', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 401);
  const body = await res.json();
  assert.equal(body.error.type, 'invalid_request_error');
  assert.equal(body.error.code, 'invalid_api_key');
  assert.match(body.error.message, /^Missing API key/);

  const wrong = 'gk-thisisnotarealkeythisisnotarealkey0000';
  await assert.rejects(ask(wrong), (e) => {
    assert.equal(e.status, 401);
    assert.equal(e.code, 'invalid_api_key');
    assert.ok(!e.message.includes(wrong));
    return true;
  });
  await assert.rejects(ask('unused'), (e) => e.status === 401);
});

test('each key works through the OpenAI SDK, attributed to its tenant and user', async () => {
  for (let i = 0; i < 2; i++) assert.equal((await ask(keys.acme.secret)).choices[0].message.content, 'Hello! You said: hi');
  await ask(keys.globex.secret);
  // x-api-key works too, and a streamed request is attributed the same way.
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': keys.globex.secret },
    body: JSON.stringify({ model: 'fake/x', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(res.status, 200);
  const stream = await ask(keys.globex.secret, { stream: true });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
  assert.equal(text, 'Hello! You said: hi');
  // The request's own user overrides the key's.
  await ask(keys.acme.secret, { user: 'carol' });

  const want = { 'acme/alice': 2, 'acme/carol': 1, 'globex/bob': 3 };
  let rows = [];
  for (let i = 0; i < 40; i++) {
    const r = await gwCli(['report', '--by', 'tenant,user', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    rows = JSON.parse(r.stdout).rows;
    const got = Object.fromEntries(rows.map((x) => [`${x.tenant}/${x.user}`, x.requests]));
    if (Object.entries(want).every(([k, v]) => got[k] === v)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const got = Object.fromEntries(rows.map((x) => [`${x.tenant}/${x.user}`, x.requests]));
  for (const [k, v] of Object.entries(want)) assert.equal(got[k], v, `${k} in ${JSON.stringify(rows)}`);
  const byKey = JSON.parse((await gwCli(['report', '--by', 'key', '--format', 'json'])).stdout).rows;
  assert.equal(byKey.find((x) => x.key === keys.acme.id)?.requests, 3, JSON.stringify(byKey));
});

test('a revoked key is refused by the running server within a second', async () => {
  const bad = await gwCli(['keys', 'revoke', 'key_doesnotexist']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /key_doesnotexist/);

  await ask(keys.acme.secret);  // warm the cache
  const r = await gwCli(['keys', 'revoke', keys.acme.id]);
  assert.equal(r.code, 0, r.stderr);
  const t0 = Date.now();
  let status = 200;
  for (let i = 0; i < 20 && status !== 401; i++) {
    try { await ask(keys.acme.secret); } catch (e) { status = e.status; break; }
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(status, 401);
  assert.ok(Date.now() - t0 < 1500, `refused after ${Date.now() - t0} ms`);
  assert.equal((await ask(keys.globex.secret)).choices[0].message.content, 'Hello! You said: hi');

  const list = JSON.parse((await gwCli(['keys', 'list', '--format', 'json'])).stdout);
  assert.equal(list.find((k) => k.id === keys.acme.id).status, 'revoked');
  assert.equal(list.find((k) => k.id === keys.globex.id).status, 'active');
  const table = await gwCli(['keys', 'list']);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /^ID\s+PREFIX\s+NAME\s+USER\s+TENANT\s+CREATED\s+STATUS/);
  const line = table.stdout.split('\n').find((l) => l.startsWith(keys.acme.id));
  assert.match(line, /acme-ci\s+alice\s+acme\s+\S+\s+revoked/);
});
