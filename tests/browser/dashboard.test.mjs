// The spend dashboard in a real browser: headless Debian chromium, driven over its DevTools
// protocol by playwright-core. gw serve runs on a ledger of known rows (requests driven through
// the fake upstream with keys of two tenants); the page must draw its charts, show the totals
// gw report --format json gives for the same period and filters, follow a filter change, ask
// for an admin credential, and make no request outside 127.0.0.1. The same for
// gw report --format html opened from disk. A screenshot of each is left as an artifact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';
import { startFake, scratch, fakeProviders, cleanEnv, runGw, spawnGw, stopChild } from '../e2e/harness.mjs';

const CHROMIUM = process.env.GW_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = process.env.GW_ARTIFACT_DIR || join(tmpdir(), 'gw-browser-artifacts');

let fake, s, gw, base, browser;
const keys = {};
const prices = `
[prices."fake/gpt-a"]
input = 2.5
output = 10
cached_input = 1.25

[prices."fakeanthropic/claude-b"]
input = 3
output = 15
`;

const env = () => cleanEnv({ GW_DB: s.db });
async function gwJson(args) {
  const r = await runGw(['--config', s.config, ...args], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}
const report = async (args) => JSON.parse(await gwJson(['report', '--format', 'json', ...args]));
async function createKey(args) {
  const r = await runGw(['--config', s.config, 'keys', 'create', ...args], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}
async function chat(key, model, user) {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...(user ? { 'x-gw-user': user } : {}) },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'a few tokens for the dashboard' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/setup (Debian package chromium)`);
  fake = await startFake();
  s = scratch(fakeProviders(fake, prices));
  keys.acme = await createKey(['--name', 'acme-app', '--user', 'alice', '--tenant', 'acme', '--budget', '5', '--period', 'month']);
  keys.beta = await createKey(['--name', 'beta-app', '--user', 'bob', '--tenant', 'beta']);
  keys.admin = await createKey(['--name', 'ops', '--admin']);
  gw = await spawnGw(['--config', s.config, 'serve', '--listen', '127.0.0.1:0'], { env: env(), readyPrefix: 'gw serve: listening on ' });
  base = gw.value.split(' ')[0];
  // Known rows: alice 3 on gpt-a, carol (same key, her own header) 1 on gpt-a, bob 2 on
  // claude-b, and one refused request (an unknown provider) for bob.
  for (let i = 0; i < 3; i++) assert.equal(await chat(keys.acme, 'fake/gpt-a'), 200);
  assert.equal(await chat(keys.acme, 'fake/gpt-a', 'carol'), 200);
  for (let i = 0; i < 2; i++) assert.equal(await chat(keys.beta, 'fakeanthropic/claude-b'), 200);
  assert.notEqual(await chat(keys.beta, 'nowhere/model-x'), 200);
  // The ledger writer lands rows within ~50 ms; wait (bounded) until all 7 are readable.
  for (let i = 0; i < 100; i++) {
    if ((await report(['--since', '1h'])).total.requests === 7) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal((await report(['--since', '1h'])).total.requests, 7);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
});

after(async () => {
  if (browser) await browser.close();
  if (gw) await stopChild(gw.child);
  if (fake) await fake.stop();
  if (s) s.cleanup();
});

// A browser context that records every request it makes.
async function context(options = {}) {
  const ctx = await browser.newContext({ colorScheme: 'light', viewport: { width: 1280, height: 1400 }, ...options });
  ctx.requests = [];
  ctx.on('request', (r) => ctx.requests.push(r.url()));
  return ctx;
}
function assertLocalOnly(urls, allowFile = false) {
  assert.ok(urls.length > 0);
  for (const u of urls) {
    const url = new URL(u);
    if (allowFile && url.protocol === 'file:') continue;
    assert.ok(url.protocol === 'http:' && url.hostname === '127.0.0.1', `the page requested ${u}`);
  }
}
async function ready(page) {
  await page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error', null, { timeout: 15000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready', await page.textContent('#error'));
}
async function tiles(page) {
  return page.evaluate(() => {
    const v = (id) => document.getElementById(id).dataset.value;
    return { requests: Number(v('t-requests')), errors: Number(v('t-errors')), input_tokens: Number(v('t-input')),
      output_tokens: Number(v('t-output')), cached_tokens: Number(v('t-cached')), cost_usd: v('t-cost') === '' ? null : Number(v('t-cost')) };
  });
}
function assertTotals(got, want) {
  for (const k of ['requests', 'errors', 'input_tokens', 'output_tokens', 'cached_tokens']) assert.equal(got[k], want[k], k);
  assert.ok(want.cost_usd > 0);
  assert.ok(Math.abs(got.cost_usd - want.cost_usd) <= 1e-12, `cost ${got.cost_usd} != ${want.cost_usd}`);
}
// Bars drawn: SVG paths with a non-empty outline, in each chart named.
async function barsDrawn(page, ids) {
  for (const id of ids) {
    const n = await page.evaluate((i) => [...document.querySelectorAll(`#${i} svg path.bar`)].filter((p) => (p.getAttribute('d') || '').length > 10).length, id);
    assert.ok(n > 0, `no bars in #${id}`);
  }
}

test('the data endpoint answers exactly what gw report --format json does, for an admin only', async () => {
  const since = new Date(Date.now() - 3600e3).toISOString().slice(0, 19) + 'Z';
  const until = new Date(Date.now() + 60e3).toISOString().slice(0, 19) + 'Z';
  const qs = `by=tenant,user,model&since=${since}&until=${until}`;
  const want = await gwJson(['report', '--format', 'json', '--by', 'tenant,user,model', '--since', since, '--until', until]);
  const res = await fetch(`${base}/v1/gw/usage?${qs}`, { headers: { authorization: `Bearer ${keys.admin}` } });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), want);
  const lat = await (await fetch(`${base}/v1/gw/usage?by=model&latency=1&model=fake/gpt-a`, { headers: { authorization: `Bearer ${keys.admin}` } })).json();
  assert.equal(lat.total.requests, 4);
  assert.ok(lat.rows[0].latency_ms.p50 > 0);

  // A batch of views: each report exactly the single endpoint's answer for that view.
  const views = ['tenant,user,model', 'model;latency', 'day,model'];
  const batchUrl = `${base}/v1/gw/usage/batch?${views.map((v) => 'view=' + encodeURIComponent(v)).join('&')}&since=${since}&until=${until}`;
  const batch = await fetch(batchUrl, { headers: { authorization: `Bearer ${keys.admin}` } });
  assert.equal(batch.status, 200);
  const { reports } = await batch.json();
  assert.equal(reports.length, 3);
  for (const [i, v] of views.entries()) {
    const [by, lat] = v.split(';');
    const one = await (await fetch(`${base}/v1/gw/usage?by=${by}${lat ? '&latency=1' : ''}&since=${since}&until=${until}`, { headers: { authorization: `Bearer ${keys.admin}` } })).json();
    assert.deepEqual(reports[i], one, v);
  }
  assert.equal((await fetch(batchUrl)).status, 401);
  assert.equal((await fetch(`${base}/v1/gw/usage/batch?by=user`, { headers: { authorization: `Bearer ${keys.admin}` } })).status, 400);

  const none = await fetch(`${base}/v1/gw/usage?${qs}`);
  assert.equal(none.status, 401);
  assert.equal((await none.json()).error.code, 'invalid_api_key');
  const notAdmin = await fetch(`${base}/v1/gw/usage?${qs}`, { headers: { authorization: `Bearer ${keys.acme}` } });
  assert.equal(notAdmin.status, 403);
  const badParam = await fetch(`${base}/v1/gw/usage?by=colour`, { headers: { authorization: `Bearer ${keys.admin}` } });
  assert.equal(badParam.status, 400);
  assert.equal((await badParam.json()).error.param, 'by');
  assert.equal((await fetch(`${base}/ui`)).status, 401);
  assert.equal((await fetch(`${base}/ui`, { headers: { authorization: `Bearer ${keys.beta}` } })).status, 403);
  const page = await fetch(`${base}/ui`, { headers: { authorization: `Bearer ${keys.admin}` } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy'), /default-src 'none'/);
  const budgets = await (await fetch(`${base}/v1/gw/budgets`, { headers: { authorization: `Bearer ${keys.admin}` } })).json();
  assert.equal(budgets.budgets.length, 1);
  assert.equal(budgets.budgets[0].budget_usd, 5);
  assert.ok(Math.abs(budgets.budgets[0].spent_usd - (await report(['--tenant', 'acme'])).total.cost_usd) < 1e-12);
});

test('the page draws its charts, shows gw report\'s totals and follows a filter', async () => {
  const ctx = await context({ extraHTTPHeaders: { authorization: `Bearer ${keys.admin}` } });
  const page = await ctx.newPage();
  const problems = []; // script errors, CSP refusals, failed loads
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  const t0 = Date.now();
  const res = await page.goto(`${base}/ui`);
  assert.equal(res.status(), 200);
  await ready(page);
  const firstPaint = Date.now() - t0;
  await barsDrawn(page, ['chart-cost', 'chart-tokens', 'chart-users', 'chart-models', 'chart-budgets']);
  assertTotals(await tiles(page), (await report(['--since', '7d'])).total);
  assert.equal(await page.evaluate(() => document.querySelectorAll('#drill tbody tr.l0').length), 2); // acme, beta
  assert.match(await page.textContent('#cmd'), /^gw report --by day,model --since 7d --until now$/);
  const shot = join(ARTIFACTS, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot} (first paint ${firstPaint} ms)`);

  // The drill-down opens a tenant onto its users (read from the server when opened), and a
  // user onto their models; the rows under a tenant add up to the tenant's row.
  assert.equal(await page.evaluate(() => document.querySelectorAll('#drill tbody tr.l1').length), 0);
  await page.click('#drill tbody tr.l0 button.tog');
  await page.waitForFunction(() => [...document.querySelectorAll('#drill tbody tr.l1')].some((tr) => !tr.hidden), null, { timeout: 15000 });
  const sums = await page.evaluate(() => {
    const num = (tr, i) => Number(tr.cells[i].textContent.replace(/,/g, ''));
    const t = document.querySelector('#drill tbody tr.l0');
    const users = [...document.querySelectorAll('#drill tbody tr.l1')].filter((tr) => !tr.hidden);
    return { tenant: num(t, 1), users: users.reduce((a, tr) => a + num(tr, 1), 0) };
  });
  assert.equal(sums.users, sums.tenant);
  await page.click('#drill tbody tr.l1 button.tog');
  assert.ok(await page.evaluate(() => [...document.querySelectorAll('#drill tbody tr.l2')].some((tr) => !tr.hidden)));

  // Filter by one user: the totals follow, and match gw report --user.
  await page.fill('#user', 'alice');
  await page.click('#apply');
  await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('t-requests').dataset.value === '3', null, { timeout: 15000 });
  assertTotals(await tiles(page), (await report(['--since', '7d', '--user', 'alice'])).total);
  assert.match(await page.textContent('#cmd'), /--user alice$/);
  // Stacking by tenant redraws the series with one bar colour per tenant.
  await page.fill('#user', '');
  await page.selectOption('#stack', 'tenant');
  await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.getElementById('t-requests').dataset.value === '7', null, { timeout: 15000 });
  assert.equal(await page.evaluate(() => document.querySelectorAll('#chart-cost svg path.bar').length), 2);
  // A custom period from yesterday: hourly bars, the same totals as gw report --since that day.
  const day = new Date(Date.now() - 86400e3).toISOString().slice(0, 10);
  await page.selectOption('#period', 'custom');
  await page.fill('#since', day);
  await page.click('#apply');
  await page.waitForFunction((d) => document.body.dataset.state === 'ready' && document.getElementById('cmd').textContent.includes(d), day, { timeout: 15000 });
  assertTotals(await tiles(page), (await report(['--since', day])).total);
  assert.match(await page.textContent('#cmd'), new RegExp(`^gw report --by hour,tenant --since ${day} --until now$`));
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-dark.png'), fullPage: true });
  assert.deepEqual(problems, []);
  assertLocalOnly(ctx.requests);
  await ctx.close();
});

test('without a credential the browser gets the login form; the admin key logs in', async () => {
  const ctx = await context();
  const page = await ctx.newPage();
  const res = await page.goto(`${base}/ui`);
  assert.equal(res.status(), 401);
  assert.equal(await page.locator('input[name=token]').count(), 1);
  await page.fill('input[name=token]', keys.acme); // not an admin key
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.match(await page.textContent('#why'), /not an admin key/);
  await page.fill('input[name=token]', keys.admin);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  await ready(page);
  assertTotals(await tiles(page), (await report(['--since', '7d'])).total);
  assertLocalOnly(ctx.requests);
  await ctx.close();
});

test('gw report --format html opened from disk shows the same totals, offline', async () => {
  const html = await gwJson(['report', '--format', 'html', '--since', '7d']);
  const file = join(s.dir, 'spend.html');
  writeFileSync(file, html);
  const ctx = await context({ offline: true });
  const page = await ctx.newPage();
  await page.goto(`file://${file}`);
  await ready(page);
  await barsDrawn(page, ['chart-cost', 'chart-tokens', 'chart-users', 'chart-models']);
  assertTotals(await tiles(page), (await report(['--since', '7d'])).total);
  // Its drill-down opens from the inline data.
  await page.click('#drill tbody tr.l0 button.tog');
  await page.waitForFunction(() => [...document.querySelectorAll('#drill tbody tr.l1')].some((tr) => !tr.hidden), null, { timeout: 10000 });
  // Its stack can still change: every stack's series is inline.
  await page.selectOption('#stack', 'user');
  await page.waitForFunction(() => document.body.dataset.state === 'ready' && document.querySelectorAll('#chart-cost svg path.bar').length === 3, null, { timeout: 10000 });
  const shot = join(ARTIFACTS, 'report.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
  assert.deepEqual(ctx.requests.filter((u) => !u.startsWith('file:')), []);
  await ctx.close();
});

test('[server] admin_token_env guards the dashboard even before any key exists; an open server stays open', async () => {
  const usage = (b, headers = {}) => fetch(`${b}/v1/gw/usage?by=user&since=1h`, { headers });
  // No key in this store (auth auto lets chat through) but an admin token is configured.
  const t = scratch(`[server]\nadmin_token_env = "GW_TEST_ADMIN_TOKEN"\n`);
  const e = cleanEnv({ GW_DB: t.db, GW_TEST_ADMIN_TOKEN: 'a-long-admin-token-for-the-test' });
  let g = await spawnGw(['--config', t.config, 'serve', '--listen', '127.0.0.1:0'], { env: e, readyPrefix: 'gw serve: listening on ' });
  let b = g.value.split(' ')[0];
  try {
    assert.equal((await usage(b)).status, 401);
    assert.equal((await usage(b, { authorization: 'Bearer a-long-admin-token-for-the-wrong' })).status, 401);
    const ok = await usage(b, { authorization: 'Bearer a-long-admin-token-for-the-test' });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).total.requests, 0);
    assert.equal((await fetch(`${b}/ui`, { headers: { authorization: 'Bearer a-long-admin-token-for-the-test' } })).status, 200);
  } finally {
    await stopChild(g.child);
  }
  // auth = "none" and no admin token: as open as the rest of the server.
  writeFileSync(t.config, `[server]\nauth = "none"\n`);
  g = await spawnGw(['--config', t.config, 'serve', '--listen', '127.0.0.1:0'], { env: e, readyPrefix: 'gw serve: listening on ' });
  b = g.value.split(' ')[0];
  try {
    assert.equal((await usage(b)).status, 200);
    assert.equal((await fetch(`${b}/ui`)).status, 200);
  } finally {
    await stopChild(g.child);
    t.cleanup();
  }
});

test('gw serve stops cleanly after all of it (no sanitizer report under ASan)', async () => {
  const code = await stopChild(gw.child);
  const err = gw.stderr();
  gw = null;
  assert.doesNotMatch(err, /Sanitizer|runtime error/);
  assert.equal(code, 0, err);
});
