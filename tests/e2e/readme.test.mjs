// The README's curl examples, run as printed against a real `gw serve` (only the port differs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { scratch, cleanEnv, spawnGw, stopChild } from './harness.mjs';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/<!-- readme-test -->\s*```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
let s, gw, base;

before(async () => {
  s = scratch('');
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], {
    env: cleanEnv({ GW_DB: s.db }), readyPrefix: 'gw serve: listening on ',
  });
  base = gw.value.split(' ')[0];
});
after(async () => { if (gw) await stopChild(gw.child); s.cleanup(); });

test('the README has curl examples to run', () => {
  assert.ok(blocks.length >= 3);
});

test('every README curl example works as printed', () => {
  const outputs = blocks.map((b) =>
    execFileSync('bash', ['-euo', 'pipefail', '-c', b.replaceAll('http://127.0.0.1:4000', base)], { timeout: 20000 }).toString());
  const plain = JSON.parse(outputs[0]);
  assert.equal(plain.choices[0].message.content, 'hi');
  assert.match(outputs[1], /"content":"stream"/);
  assert.match(outputs[1], /"usage":\{"completion_tokens":2/);
  assert.match(outputs[1], /data: \[DONE\]/);
  assert.match(outputs[2], /"object":"list"/);
  assert.match(outputs[2], /\{"status":"ok"\}/);
  assert.match(outputs[2], /gw_requests_total\{model="echo",provider="mock",status="200"\} 2/);
  const responses = blocks.findIndex((b) => b.includes('/v1/responses'));
  assert.ok(responses > 0, 'the README has a Responses API example');
  const resp = JSON.parse(outputs[responses]);
  assert.equal(resp.object, 'response');
  assert.equal(resp.output[0].content[0].text, 'hi');
});
