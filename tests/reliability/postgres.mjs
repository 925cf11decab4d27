// A throwaway PostgreSQL server for the tests: initdb into a fresh temporary folder, the
// postmaster on 127.0.0.1 at a free port (its unix socket in that folder, trust auth, fsync off,
// small buffers; commits stay synchronous, so a committed row survives halt('immediate')), and
// a superuser and a database both named gw: the store URL is postgres://gw@127.0.0.1:PORT/gw.
// PostgreSQL refuses to run as root: as root (CI), every server-side program runs as the system
// user postgres (spawned with its uid and gid, so the PID held is the postmaster's own and each
// signal reaches it directly, which `runuser`, a parent that forks, would not give) on a folder
// chowned to it; as anyone else, as that user. Every wait is bounded; the server is stopped by
// its PID and the folder removed. When the binaries are missing, pgSkip says why.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, mkdtempSync, chmodSync, chownSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const NEEDED = ['initdb', 'postgres', 'pg_isready', 'psql', 'createdb'];

// The newest /usr/lib/postgresql/<version>/bin that has every program ($GW_PG_BIN overrides).
function findBin() {
  const ok = (dir) => dir && NEEDED.every((b) => existsSync(join(dir, b)));
  if (process.env.GW_PG_BIN) return ok(process.env.GW_PG_BIN) ? process.env.GW_PG_BIN : null;
  let versions = [];
  try { versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+(\.\d+)?$/.test(v)); } catch {}
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (ok(`/usr/lib/postgresql/${v}/bin`)) return `/usr/lib/postgresql/${v}/bin`;
  return null;
}

export const PG_BIN = findBin();
const asRoot = process.getuid?.() === 0;
let pgUser = null;
if (PG_BIN && asRoot) {
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
    if (line) { const f = line.split(':'); pgUser = { uid: Number(f[2]), gid: Number(f[3]) }; }
  } catch {}
}

// Why the PostgreSQL tests cannot run here (false when they can).
export const pgSkip = !PG_BIN
  ? 'PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin with initdb and postgres; scripts/setup installs the postgresql package)'
  : asRoot && !pgUser ? 'running as root and there is no postgres system user to run PostgreSQL as' : false;

// Servers still running when the process exits (a test that threw): immediate shutdown (the
// postmaster takes its backends down with it), a bounded wait for it to end, the folder removed.
const mine = new Map();  // child -> folder
process.on('exit', () => {
  for (const c of mine.keys()) try { c.kill('SIGQUIT'); } catch {}
  const gone = (pid) => { try { return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return true; } };
  const until = Date.now() + 5000;
  while ([...mine.keys()].some((c) => !gone(c.pid)) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  for (const dir of mine.values()) try { rmSync(dir, { recursive: true, force: true }); } catch {}
});

// A port nothing listens on (bound, then released), as lib.mjs picks them.
async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

// A folder the postgres user can reach: every ancestor of os.tmpdir() must be searchable by
// others (a $TMPDIR under /root is not), else /tmp.
function baseDir() {
  const t = tmpdir();
  if (!asRoot) return t;
  for (let d = t; ; d = dirname(d)) {
    try { if ((statSync(d).mode & 0o001) === 0) return '/tmp'; } catch { return '/tmp'; }
    if (d === dirname(d)) return t;
  }
}

// Options that make a program run as the postgres user when we are root.
const asPg = () => (pgUser ? { uid: pgUser.uid, gid: pgUser.gid } : {});

// Runs a program to completion, bounded; throws with its output on failure.
function run(bin, args, { timeoutMs = 60000, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(join(PG_BIN, bin), args, { ...asPg(), env: env ?? pgEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${bin} timed out after ${timeoutMs} ms: ${out.slice(-1000)}`)); }, timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${bin} ${args.join(' ')} failed (${code ?? signal}): ${out.slice(-2000)}`));
    });
  });
}

// An environment with no PG* variables of the caller's (they would redirect psql or initdb).
function pgEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  return { ...env, LC_ALL: 'C', PGCONNECT_TIMEOUT: '5', ...extra };
}

// Starts PostgreSQL; resolves {url, port, dir, psql(sql), rows(sql), halt(), start(), stop(), ...}.
// `settings` adds -c name=value pairs to the server's command line.
export async function startPostgres({ port, settings = {} } = {}) {
  if (pgSkip) throw new Error(pgSkip);
  const dir = mkdtempSync(join(baseDir(), 'gw-pg-'));
  const data = join(dir, 'data');
  if (pgUser) { chownSync(dir, pgUser.uid, pgUser.gid); chmodSync(dir, 0o755); }
  port ??= await freePort();
  let child = null, log = '';
  const pg = {
    port, dir,
    url: `postgres://gw@127.0.0.1:${port}/gw`,
    get pid() { return child?.pid; },
    log: () => log,
    running: () => !!child && child.exitCode === null && child.signalCode === null,

    // Starts the postmaster (again, on the same port and data, after halt()); bounded.
    async start({ timeoutMs = 30000 } = {}) {
      if (pg.running()) return;
      const conf = {
        listen_addresses: '127.0.0.1', unix_socket_directories: dir, port: String(port),
        fsync: 'off', full_page_writes: 'off', shared_buffers: '16MB',
        max_connections: '100', huge_pages: 'off', log_min_messages: 'warning', ...settings,
      };
      const args = ['-D', data, ...Object.entries(conf).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
      child = spawn(join(PG_BIN, 'postgres'), args, { ...asPg(), env: pgEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      mine.set(child, dir);
      child.stdout.on('data', (d) => { log += d; });
      child.stderr.on('data', (d) => { log += d; });
      const started = child;
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (started.exitCode !== null || started.signalCode !== null)
          throw new Error(`postgres exited (${started.exitCode ?? started.signalCode}): ${log.slice(-2000)}`);
        try {
          execFileSync(join(PG_BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '2', '-q'],
            { env: pgEnv(), stdio: 'ignore', timeout: 5000 });
          return;
        } catch {}
        if (Date.now() > until) { await pg.halt('immediate'); throw new Error(`postgres not ready after ${timeoutMs} ms: ${log.slice(-2000)}`); }
        await sleep(100);
      }
    },

    // Stops the postmaster by its PID, keeping the data: 'fast' (SIGINT: disconnects clients,
    // checkpoints) or 'immediate' (SIGQUIT: like a crash); then SIGKILL if it overstays.
    async halt(mode = 'fast', { timeoutMs = 15000 } = {}) {
      const c = child;
      if (!c) return;
      if (c.exitCode === null && c.signalCode === null) {
        const done = new Promise((r) => c.once('exit', r));
        c.kill(mode === 'immediate' ? 'SIGQUIT' : 'SIGINT');
        const t1 = setTimeout(() => c.kill('SIGQUIT'), timeoutMs);
        const t2 = setTimeout(() => c.kill('SIGKILL'), timeoutMs + 5000);
        await done;
        clearTimeout(t1); clearTimeout(t2);
      }
      mine.delete(c);
      // Backends end with the postmaster (fast and immediate shutdowns wait for them); the
      // socket lock file going away is the sign it finished.
      const until = Date.now() + 5000;
      while (existsSync(join(dir, `.s.PGSQL.${port}`)) && Date.now() < until) await sleep(50);
    },

    // Stops the server and removes the folder.
    async stop() {
      await pg.halt('fast');
      rmSync(dir, { recursive: true, force: true });
    },

    // psql -c SQL against database gw as gw; resolves its unaligned, tuples-only output.
    psql(sql, { db = 'gw', timeoutMs = 20000 } = {}) {
      return execFileSync(join(PG_BIN, 'psql'),
        ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'gw', '-d', db, '-c', sql],
        { env: pgEnv(), encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    },

    // The rows of a SELECT as objects (numbers as numbers), through json_agg.
    rows(sql, opts) {
      const out = pg.psql(`SELECT coalesce(json_agg(t), '[]'::json) FROM (${sql}) t`, opts);
      return JSON.parse(out);
    },
  };

  try {
    await run('initdb', ['-D', data, '-U', 'gw', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    await pg.start();
    await run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'gw', 'gw'], { timeoutMs: 20000 });
  } catch (e) {
    try { await pg.halt('immediate'); } catch {}
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return pg;
}
