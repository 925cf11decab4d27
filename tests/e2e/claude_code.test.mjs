// Claude Code itself through gw: the real `claude` CLI (npm @anthropic-ai/claude-code, its
// native binary), run non-interactively with ANTHROPIC_BASE_URL at gw serve and a gw key as
// ANTHROPIC_AUTH_TOKEN, its model names mapped by [aliases] to OpenAI-compatible and Gemini
// models of the fake upstream. Telemetry, error reporting and updates are off and HOME is a
// scratch folder, so nothing leaves 127.0.0.1. Every request it makes is in gw report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startFake, scratch, fakeProviders, cleanEnv, spawnGw, stopChild, runGw } from './harness.mjs';

const CLAUDE = new URL('./node_modules/@anthropic-ai/claude-code/bin/claude.exe', import.meta.url).pathname;

let fake, s, gw, base, key;
const env = () => cleanEnv({ GW_DB: s.db });

before(async () => {
  fake = await startFake();
  s = scratch(fakeProviders(fake, `
[aliases]
"claude-sonnet-4-5-20250929" = "fake/cc-openai"
"claude-haiku-4-5-20251001" = "fakegemini/cc-gemini"
`));
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
  const k = await runGw(['--config', s.config, 'keys', 'create', '--name', 'claude-code', '--tenant', 'dev'], { env: env() });
  assert.equal(k.code, 0, k.stderr);
  key = k.stdout.trim();
  await new Promise((r) => setTimeout(r, 1100));
});
after(async () => {
  if (gw) await stopChild(gw.child);
  await fake.stop();
  s.cleanup();
});

// Runs `claude -p PROMPT --output-format json --model MODEL`; resolves {code, json, stderr}.
function claude(prompt, model) {
  const home = join(s.dir, 'home');
  mkdirSync(home, { recursive: true });
  const childEnv = cleanEnv({
    HOME: home,
    ANTHROPIC_BASE_URL: base,
    ANTHROPIC_AUTH_TOKEN: key,
    // Its background model is the one asked for, so one run reaches one upstream.
    ANTHROPIC_SMALL_FAST_MODEL: model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  });
  for (const k of ['ANTHROPIC_API_KEY', 'CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX']) delete childEnv[k];
  return new Promise((resolve, reject) => {
    const child = spawn(CLAUDE, ['-p', prompt, '--output-format', 'json', '--model', model],
      { env: childEnv, cwd: s.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`claude timed out\n${err}`)); }, 90000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      let json = null;
      try { json = JSON.parse(out); } catch {}
      resolve({ code, json, out, stderr: err });
    });
  });
}

test('claude -p completes through gw to an OpenAI-compatible and a Gemini model, every request recorded', { skip: !existsSync(CLAUDE) && 'the @anthropic-ai/claude-code package is not installed (scripts/setup)' }, async () => {
  // (Model names as Claude Code passes them on; it rewrites some others, such as older Opus
  // names, to names of its own.)
  for (const [model, path] of [['claude-sonnet-4-5-20250929', '/v1/chat/completions'], ['claude-haiku-4-5-20251001', ':streamGenerateContent']]) {
    await fake.clear();
    const r = await claude('Say hello to the gateway', model);
    assert.equal(r.code, 0, `${model}: ${r.json?.result ?? ''} ${r.stderr.slice(0, 300)} ${r.out.slice(0, 300)}`);
    assert.ok(r.json, r.out.slice(0, 500));
    assert.equal(r.json.is_error, false, JSON.stringify(r.json).slice(0, 500));
    assert.equal(r.json.subtype, 'success');
    assert.match(r.json.result, /Hello! You said:/);
    const seen = await fake.requests();
    assert.ok(seen.some((q) => q.path.includes(path)), `${model}: ${seen.map((q) => q.path).join(', ')}`);
  }
  const rep = await runGw(['--config', s.config, 'report', '--by', 'client,endpoint,model', '--format', 'json'], { env: env() });
  assert.equal(rep.code, 0, rep.stderr);
  const rows = JSON.parse(rep.stdout).rows.filter((x) => x.client === 'claude-code');
  assert.ok(rows.length >= 2, rep.stdout);
  for (const row of rows) assert.equal(row.endpoint, 'messages');
  assert.ok(rows.some((x) => x.model === 'fake/cc-openai') && rows.some((x) => x.model === 'fakegemini/cc-gemini'), JSON.stringify(rows));
  assert.ok(rows.every((x) => x.input_tokens > 0), JSON.stringify(rows));
});
