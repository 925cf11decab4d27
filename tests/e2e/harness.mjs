// Shared helpers for the end-to-end tests: start the fake upstream and gw on free
// 127.0.0.1 ports, run the gw CLI, read what the fake received. Every process started here
// is ended here, by PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

export const GW = process.env.GW_BIN || new URL('../../build/dev/gw', import.meta.url).pathname;
export const FAKE = process.env.GW_FAKE_BIN || new URL('../../build/dev/gw_fake_upstream', import.meta.url).pathname;

const children = new Set();
process.on('exit', () => { for (const c of children) try { c.kill('SIGKILL'); } catch {} });

// Reads stdout until a line `PREFIX <value>` appears (bounded by timeoutMs).
function waitForLine(child, prefix, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${prefix}"`)), timeoutMs);
    const onData = (d) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        if (line.startsWith(prefix)) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          resolve(line.slice(prefix.length).trim());
          return;
        }
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited (${code}) before "${prefix}"`)); });
  });
}

export async function startFake() {
  const child = spawn(FAKE, ['--port', '0', '--threads', '64'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const port = Number(await waitForLine(child, 'PORT '));
  const base = `http://127.0.0.1:${port}`;
  return {
    port, base, child,
    async requests() { return (await fetch(`${base}/_fake/requests`)).json(); },
    async clear() { await fetch(`${base}/_fake/requests`, { method: 'DELETE' }); },
    async last() { const r = await this.requests(); return r[r.length - 1]; },
    async stop() { await stopChild(child); },
  };
}

export async function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) { children.delete(child); return child.exitCode; }
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  children.delete(child);
  return code;
}

// A scratch folder with a config file and a ledger path, removed by cleanup().
export function scratch(configToml = '') {
  const dir = mkdtempSync(join(tmpdir(), 'gw-e2e-'));
  const config = join(dir, 'config.toml');
  writeFileSync(config, configToml, { mode: 0o600 });
  return { dir, config, db: join(dir, 'gw.db'), cleanup() { rmSync(dir, { recursive: true, force: true }); } };
}

// Config for the fake: one provider of each kind, all pointing at the fake.
export function fakeProviders(fake, extra = '') {
  return `
[providers.fake]
kind = "openai"
base_url = "${fake.base}/v1"
api_key = "sk-test-123"

[providers.fakeanthropic]
kind = "anthropic"
base_url = "${fake.base}"
api_key = "ant-test-123"

[providers.fakegemini]
kind = "gemini"
base_url = "${fake.base}"
api_key = "gem-test-123"
${extra}`;
}

// An environment with no real provider keys, so nothing can leave the machine.
export function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY',
    'OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL', 'GEMINI_BASE_URL', 'GW_CONFIG', 'GW_MODEL',
    'HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) delete env[k];
  env.NO_COLOR = '1';
  return { ...env, ...extra };
}

// Runs the gw CLI; resolves {code, stdout, stderr, chunks: [{t, data}]} (bounded).
export function runGw(args, { env = cleanEnv(), input, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(GW, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '', stderr = '';
    const chunks = [];
    child.stdout.on('data', (d) => { stdout += d; chunks.push({ t: Date.now(), data: d.toString() }); });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`gw ${args.join(' ')} timed out\n${stderr}`)); }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr, chunks, child });
    });
    if (input !== undefined) child.stdin.end(input); else child.stdin.end();
  });
}

// Starts a long-running gw process (e.g. `gw serve`), waiting for a line on stdout.
export async function spawnGw(args, { env = cleanEnv(), readyPrefix, timeoutMs = 15000 } = {}) {
  const child = spawn(GW, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const value = readyPrefix ? await waitForLine(child, readyPrefix, timeoutMs) : undefined;
  return { child, value, stderr: () => stderr };
}
