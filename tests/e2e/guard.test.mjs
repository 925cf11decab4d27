// The PII guard end to end (gw serve, gw chat, the fake upstream): personal data and secrets
// are masked before the request leaves gw (asserted on what the fake received), the caller
// gets the originals back, whole and streamed with the placeholder cut at every offset;
// block mode's status and body; a custom pattern and a term list; per-key and per-tenant
// policies; and the ledger's counts, never the values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild, runGw } from './harness.mjs';
import { chat, parseSse, sql, waitRow, assertOpenAIError } from '../reliability/lib.mjs';

const config = (fake) => fakeProviders(fake, `
[guard]
pii = ["email", "phone", "credit_card", "ssn", "cn_id", "iban", "ip", "secret"]
action = "mask"
actions = { secret = "block" }
restore = true
[[guard.custom]]
name = "EMPLOYEE_ID"
pattern = "EMP-[0-9]{6}"
[[guard.custom]]
name = "PROJECT"
terms = ["Project Falcon", "猎鹰计划"]

[tenants.strict.guard]
action = "block"
`);

// Values and what the fake must never see.
const V = {
  email: 'alice@example.com',
  phone: '13800138000',
  card: '4111 1111 1111 1111',
  cnid: '11010519491231002X',
  emp: 'EMP-123456',
  proj: 'Project Falcon',
  projZh: '猎鹰计划',
};
const prompt = `请联系${V.phone}或者发邮件到${V.email}谢谢. Card ${V.card}, ID ${V.cnid}, ` +
  `employee ${V.emp} on ${V.proj} (${V.projZh}); ${V.email} again.`;

let fake, s, gw, base;
const env = () => cleanEnv({ GW_DB: s.db });
const gwCli = (args, opts = {}) => runGw(['--config', s.config, ...args], { env: env(), ...opts });
const user = (content) => [{ role: 'user', content }];

async function fakeSaw() {
  return JSON.stringify(await fake.requests());
}

function assertNoOriginals(seen, what) {
  for (const [k, v] of Object.entries(V)) assert.ok(!seen.includes(v), `${what}: the fake received the ${k} ${v}`);
}

before(async () => {
  fake = await startFake();
  s = scratch(config(fake));
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
});
after(async () => {
  if (gw) await stopChild(gw.child);
  await fake.stop();
  s.cleanup();
});

test('every value is masked before it leaves, and restored in the answer', async () => {
  await fake.clear();
  const r = await chat(base, { model: 'fake/x', messages: user(prompt) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.choices[0].message.content, `Hello! You said: ${prompt}`);
  const seen = await fakeSaw();
  assertNoOriginals(seen, 'non-streamed');
  for (const p of ['<EMAIL_1>', '<PHONE_1>', '<CREDIT_CARD_1>', '<CN_ID_1>', '<EMPLOYEE_ID_1>', '<PROJECT_1>', '<PROJECT_2>'])
    assert.ok(seen.includes(p), `the fake should see ${p}: ${seen.slice(0, 600)}`);
  assert.ok(!seen.includes('<EMAIL_2>'), 'the same address twice is one placeholder');
  const row = await waitRow(s.db, r.id);
  const counts = JSON.parse(row.pii);
  assert.deepEqual(counts.masked, { EMAIL: 2, PHONE: 1, CREDIT_CARD: 1, CN_ID: 1, EMPLOYEE_ID: 1, PROJECT: 2 });
  for (const v of Object.values(V)) assert.ok(!JSON.stringify(row).includes(v), 'the ledger row holds no value');
});

test('a stream is restored whatever the chunking: placeholders cut at every offset', async () => {
  const text = `mail ${V.email} or ${V.emp}`;
  const want = `Hello! You said: ${text}`;
  // chunks=N splits the echoed text (which carries the placeholders) into N pieces.
  for (const n of [1, 2, 3, 5, 7, 11, 13, 17, 23, 29, 31, 37, 41, 47, 53]) {
    await fake.clear();
    const r = await chat(base, { model: `fake/x+chunks=${n}`, stream: true, messages: user(text) });
    assert.equal(r.status, 200, r.text);
    const sse = parseSse(r.text);
    assert.equal(sse.done, true);
    assert.equal(sse.content, want, `chunks=${n}`);
    assertNoOriginals(await fakeSaw(), `chunks=${n}`);
  }
  // One byte at a time: every offset at once.
  const r = await chat(base, { model: `fake/x+chunks=${want.length + 20}`, stream: true, messages: user(text) });
  assert.equal(parseSse(r.text).content, want);
});

test('block: a secret is refused with 400 pii_detected naming the type, never the value', async () => {
  await fake.clear();
  const secret = 'sk-proj-Abcdefghijklmnopqrstuvwxyz0123456789ABCD';
  const r = await chat(base, { model: 'fake/x', messages: user(`my key is ${secret}, mail ${V.email}`) });
  assert.equal(r.status, 400, r.text);
  assertOpenAIError(r.json, { type: 'invalid_request_error', code: 'pii_detected' });
  assert.match(r.json.error.message, /SECRET \(1\)/);
  assert.ok(!r.text.includes(secret) && !r.text.includes(V.email), r.text);
  assert.equal((await fake.requests()).length, 0, 'nothing reached the upstream');
  const row = await waitRow(s.db, r.id);
  assert.equal(row.status, 400);
  assert.deepEqual(JSON.parse(row.pii).blocked, { SECRET: 1 });
  assert.ok(!row.pii.includes(secret));
});

test('per-key and per-tenant policies', async () => {
  const mk = async (...flags) => {
    const k = await gwCli(['keys', 'create', '--name', `g${Math.random().toString(36).slice(2, 7)}`, ...flags]);
    assert.equal(k.code, 0, k.stderr);
    return k.stdout.trim();
  };
  const open = await mk();
  const blocking = await mk('--guard', 'block');
  const lax = await mk('--guard', 'off');
  const strict = await mk('--tenant', 'strict');
  await new Promise((r) => setTimeout(r, 1100));  // keys now exist: the server requires one
  const ask = (key, content) => chat(base, { model: 'fake/x', messages: user(content) }, { headers: { authorization: `Bearer ${key}` } });

  await fake.clear();
  assert.equal((await ask(open, `hi ${V.email}`)).status, 200);
  assertNoOriginals(await fakeSaw(), 'global policy');

  const b = await ask(blocking, `hi ${V.email}`);
  assert.equal(b.status, 400);
  assert.match(b.json.error.message, /EMAIL \(1\)/);
  const t = await ask(strict, `hi ${V.phone}`);
  assert.equal(t.status, 400, 'the tenant blocks');
  assert.match(t.json.error.message, /PHONE/);

  await fake.clear();
  const l = await ask(lax, `hi ${V.email}`);
  assert.equal(l.status, 200);
  assert.ok((await fakeSaw()).includes(V.email), 'guard off for this key: sent as written');
  const list = JSON.parse((await gwCli(['keys', 'list', '--format', 'json'])).stdout);
  assert.ok(list.some((k) => k.guard === 'block'), JSON.stringify(list));
});

test('gw chat masks and restores too; a blocked value exits 4', async () => {
  await fake.clear();
  const r = await gwCli(['chat', '-m', 'fake/x', `write to ${V.email}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `Hello! You said: write to ${V.email}`);
  assertNoOriginals(await fakeSaw(), 'gw chat');
  const b = await gwCli(['chat', '-m', 'fake/x', 'key AKIAIOSFODNN7EXAMPLE here']);
  assert.equal(b.code, 4, b.stderr);
  assert.match(b.stderr, /SECRET/);
  assert.ok(!b.stderr.includes('AKIAIOSFODNN7EXAMPLE'));
});

test('a bad custom pattern is a config error (exit 3) naming the detector', async () => {
  const bad = scratch(fakeProviders(fake, `
[guard]
pii = ["email"]
action = "mask"
[[guard.custom]]
name = "BROKEN"
pattern = "EMP-([0-9]"
`));
  const r = await runGw(['--config', bad.config, 'chat', '-m', 'fake/x', 'hi'], { env: cleanEnv({ GW_DB: bad.db }) });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /BROKEN/);
  bad.cleanup();
});
