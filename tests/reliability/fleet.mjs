// What the scale-out tests share: finding a Debian binary, the processes a test file started
// (killed by PID if node exits early), stopping one with a bounded wait, and nginx in front of
// several gw instances. Everything listens on 127.0.0.1.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './lib.mjs';

export function which(bin) {
  for (const dir of (process.env.PATH || '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin']))
    if (dir && existsSync(join(dir, bin))) return join(dir, bin);
  return null;
}

export const NGINX = which('nginx');

// The processes this test file started.
export const mine = new Set();
process.on('exit', () => { for (const c of mine) try { c.kill('SIGKILL'); } catch {} });

export async function stopProc(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) { mine.delete(child); return; }
  const done = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(t);
  mine.delete(child);
}

// nginx round-robin over `backends` (host:port) with a keepalive pool to each, on `port`.
export async function startNginx(dir, port, backends) {
  const conf = join(dir, 'nginx.conf');
  const asRoot = process.getuid?.() === 0;
  writeFileSync(conf, `
${asRoot ? 'user root root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream gw {
${backends.map((b) => `    server ${b} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://gw;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 120s;
    }
  }
}
`);
  const child = spawn(NGINX, ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  mine.add(child);
  // Ready when it answers on its port.
  const until = Date.now() + 10000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(join(dir, 'nginx-error.log'), 'utf8').slice(-500)}`);
    try { await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) }); break; } catch {}
    if (Date.now() > until) throw new Error('nginx did not start');
    await sleep(50);
  }
  return child;
}
