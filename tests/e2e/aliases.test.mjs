// [aliases] and who called: an inbound model name mapped to a route (as a company maps Claude
// Code's dated model names), allowed by a key that lists the route, listed by /v1/models; and
// the ledger's endpoint and client family, grouped by `gw report --by endpoint,client`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild, runGw } from './harness.mjs';
import { chat, waitRow } from '../reliability/lib.mjs';

let fake, s, gw, base;
const env = () => cleanEnv({ GW_DB: s.db });
const gwCli = (args) => runGw(['--config', s.config, ...args], { env: env() });

before(async () => {
  fake = await startFake();
  s = scratch(fakeProviders(fake, `
[routes.smart]
targets = ["fake/smart-a", "fake/smart-b"]

[aliases]
"claude-sonnet-4-5-20250929" = "smart"
"gpt-4o" = "fake/aliased"
`));
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
});
after(async () => {
  if (gw) await stopChild(gw.child);
  await fake.stop();
  s.cleanup();
});

test('an alias routes to its route or model, and says so', async () => {
  await fake.clear();
  const r = await chat(base, { model: 'claude-sonnet-4-5-20250929', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('x-gw-model'), 'smart-a');
  assert.match(r.headers.get('x-gw-route-reason'), /^alias claude-sonnet-4-5-20250929 -> smart; /);
  // A bare well-known name can be taken over too.
  const g = await chat(base, { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(g.status, 200, g.text);
  assert.equal((await fake.last()).model, 'aliased');
  const row = await waitRow(s.db, r.id);
  assert.equal(row.requested_model, 'claude-sonnet-4-5-20250929');
  assert.equal(row.route, 'smart');
  // gw chat takes the same alias.
  const c = await gwCli(['chat', '-m', 'claude-sonnet-4-5-20250929', 'hello']);
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stdout.trim(), 'Hello! You said: hello');
});

test('a key allowed the route may use its alias; /v1/models lists the alias', async () => {
  const k = await gwCli(['keys', 'create', '--name', 'alias', '--models', 'smart']);
  assert.equal(k.code, 0, k.stderr);
  const key = k.stdout.trim();
  await new Promise((res) => setTimeout(res, 1100));
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0 });
  const r = await client.chat.completions.create({ model: 'claude-sonnet-4-5-20250929', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(r.choices[0].message.content, 'Hello! You said: x');
  await assert.rejects(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 403 && e.code === 'model_not_allowed');
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.deepEqual(ids.sort(), ['claude-sonnet-4-5-20250929', 'smart']);
});

test('the ledger records the endpoint and the client family; gw report groups by them', async () => {
  const k = await gwCli(['keys', 'create', '--name', 'family']);
  const key = k.stdout.trim();
  await new Promise((res) => setTimeout(res, 1100));
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0 });
  const r = await client.chat.completions.create({ model: 'fake/fam', messages: [{ role: 'user', content: 'sdk' }] }).withResponse();
  const id = r.response.headers.get('x-gw-request-id');
  const curl = await chat(base, { model: 'fake/fam', messages: [{ role: 'user', content: 'curl' }] },
    { headers: { authorization: `Bearer ${key}`, 'user-agent': 'curl/8.0.1' } });
  const row = await waitRow(s.db, id);
  assert.equal(row.endpoint, 'chat');
  assert.equal(row.client_family, 'openai-sdk');
  assert.equal((await waitRow(s.db, curl.id)).client_family, 'curl');
  const rep = await gwCli(['report', '--by', 'endpoint,client', '--format', 'json']);
  assert.equal(rep.code, 0, rep.stderr);
  const rows = JSON.parse(rep.stdout).rows;
  const find = (client) => rows.find((x) => x.endpoint === 'chat' && x.client === client);
  assert.ok(find('openai-sdk')?.requests >= 1, JSON.stringify(rows));
  assert.ok(find('curl')?.requests >= 1, JSON.stringify(rows));
  assert.ok(find('chat')?.requests >= 1, 'gw chat rows group under the command: ' + JSON.stringify(rows));
});
