// `gw config check|show` and `gw models` from the built binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scratch, cleanEnv, runGw } from './harness.mjs';

test('config check accepts a good file and names the line of each problem', async () => {
  const good = scratch(`
[providers.local]
kind = "openai"
base_url = "http://127.0.0.1:11434/v1"
api_key = "sk-local-secret-value"

[routes.smart]
targets = ["local/llama3", "mock/echo"]
`);
  const ok = await runGw(['config', 'check', '--config', good.config], { env: cleanEnv() });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /ok \(5 providers, 1 routes\)/);

  const show = await runGw(['--config', good.config, 'config', 'show'], { env: cleanEnv() });
  assert.equal(show.code, 0);
  assert.match(show.stdout, /\[providers\.local\]/);
  assert.doesNotMatch(show.stdout, /sk-local-secret-value/);
  assert.match(show.stdout, /sk-\.\.\.alue/);
  good.cleanup();

  const cases = [
    ['[server]\nlisten = 4000\n', /config\.toml:2: 'listen' must be/],
    ['[providers.x]\nkind = "openai"\nbase_url = "ftp://nope"\n', /config\.toml:1: .*http:\/\/ or https:\/\//],
    ['[providers.x]\nkind = "cohere"\nbase_url = "http://a"\n', /config\.toml:1: .*unknown kind 'cohere'/],
    ['\n\n[routes.r]\nstrategy = "random"\ntargets = ["mock/echo"]\n', /config\.toml:3: .*unknown strategy 'random'/],
    ['[routes.r]\ntargets = ["nowhere/model"]\n', /route 'r': target 'nowhere\/model' names no known provider/],
    ['[server\n', /config\.toml:1: /],
  ];
  for (const [toml, re] of cases) {
    const bad = scratch(toml);
    const r = await runGw(['config', 'check', '--config', bad.config], { env: cleanEnv() });
    assert.equal(r.code, 3, toml);
    assert.match(r.stderr, re, toml);
    bad.cleanup();
  }
  const missing = await runGw(['--config', '/nonexistent/gw.toml', 'config', 'check'], { env: cleanEnv() });
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /\/nonexistent\/gw\.toml: cannot read/);
});

test('gw models lists providers, priced models with the table version, and routes', async () => {
  const s = scratch('[routes.smart]\ntargets = ["mock/echo"]\n');
  const r = await runGw(['--config', s.config, 'models'], { env: cleanEnv({ OPENAI_API_KEY: 'sk-x' }) });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /openai\s+openai\s+yes/);
  assert.match(r.stdout, /gpt-4o-mini/);
  assert.match(r.stdout, /claude-sonnet-4-5/);
  assert.match(r.stdout, /builtin-\d{4}-\d\d-\d\d/);
  assert.match(r.stdout, /smart\s+fallback\s+mock\/echo/);
  s.cleanup();
});

test('--help works for gw and every subcommand; usage errors exit 2', async () => {
  for (const args of [['--help'], ['chat', '--help'], ['compare', '--help'], ['serve', '--help'], ['report', '--help'], ['models', '--help'], ['config', '--help']]) {
    const r = await runGw(args, { env: cleanEnv() });
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, /Usage:/);
  }
  assert.equal((await runGw(['nosuch'], { env: cleanEnv() })).code, 2);
  assert.equal((await runGw(['chat', '--bogus'], { env: cleanEnv() })).code, 2);
  assert.equal((await runGw([], { env: cleanEnv() })).code, 2);
});
