// gw's spend dashboard: the views of `gw report` drawn as plain SVG by this file alone, no
// framework and no request beyond the gw that served it (/v1/gw/usage, /v1/gw/budgets). In a
// `gw report --format html` file the data is inline (window.GW_EMBED) and nothing is fetched.
(function () {
  'use strict';
  const EMBED = window.GW_EMBED || null;
  const SVG = 'http://www.w3.org/2000/svg';
  const MAX_SERIES = 8; // more than this many stacked series: the rest is "other"
  const MAX_BUCKETS = 2000;
  const $ = (id) => document.getElementById(id);

  const state = { period: '7d', since: '', until: '', gran: 'auto', stack: 'model',
    user: '', tenant: '', model: '' };

  // ---- state <-> URL fragment and controls (a view is a link) ----------------------------
  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    for (const k of Object.keys(state)) if (p.has(k)) state[k] = p.get(k);
  }
  function writeHash() {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(state)) if (v) p.set(k, v);
    try { history.replaceState(null, '', '#' + p.toString()); } catch (e) { /* file:// */ }
  }
  function toControls() {
    for (const k of Object.keys(state)) if ($(k)) $(k).value = state[k];
    document.body.classList.toggle('custom-period', state.period === 'custom');
  }
  function fromControls() {
    for (const k of Object.keys(state)) if ($(k)) state[k] = $(k).value.trim();
    document.body.classList.toggle('custom-period', state.period === 'custom');
  }

  function period() {
    if (EMBED) return { since: EMBED.filters.since, until: EMBED.filters.until };
    if (state.period === 'custom') return { since: state.since || '7d', until: state.until || 'now' };
    return { since: state.period, until: 'now' };
  }
  function filters() {
    const src = EMBED ? EMBED.filters : state;
    const out = {};
    for (const f of ['user', 'tenant', 'model']) if (src[f]) out[f] = src[f];
    return out;
  }
  function granularity() {
    if (EMBED) return EMBED.gran;
    if (state.gran === 'hour' || state.gran === 'day') return state.gran;
    if (state.period === '24h') return 'hour';
    if (state.period === 'custom') {
      const s = Date.parse(state.since);
      const u = state.until && state.until !== 'now' ? Date.parse(state.until) : Date.now();
      if (isFinite(s) && isFinite(u) && u - s <= 2 * 86400e3) return 'hour';
    }
    return 'day';
  }

  // ---- data ---------------------------------------------------------------------------------
  const key = (by, latency) => 'by=' + by + (latency ? '&latency=1' : '');
  function usageUrl(by, latency, extra) {
    const p = new URLSearchParams({ by, ...period(), ...filters(), ...(extra || {}) });
    if (latency) p.set('latency', '1');
    return '/v1/gw/usage?' + p.toString();
  }
  async function load(by, latency, extra) {
    if (EMBED) {
      const d = EMBED.data[key(by, latency)];
      if (!d) throw new Error('this report holds no data for ' + key(by, latency));
      return d;
    }
    const r = await fetch(usageUrl(by, latency, extra), { credentials: 'same-origin' });
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new Error((body && body.error && body.error.message) || 'HTTP ' + r.status);
    return body;
  }
  // Several reports of the period and filters in one request, read by gw in one pass over the
  // ledger: views are [by, latency] pairs.
  async function loadMany(views) {
    if (EMBED) return Promise.all(views.map(([by, latency]) => load(by, latency)));
    const p = new URLSearchParams({ ...period(), ...filters() });
    for (const [by, latency] of views) p.append('view', by + (latency ? ';latency' : ''));
    const r = await fetch('/v1/gw/usage/batch?' + p.toString(), { credentials: 'same-origin' });
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new Error((body && body.error && body.error.message) || 'HTTP ' + r.status);
    return body.reports;
  }
  async function loadBudgets() {
    if (EMBED) return EMBED.budgets || { budgets: [] };
    const r = await fetch('/v1/gw/budgets', { credentials: 'same-origin' });
    return r.ok ? r.json() : { budgets: [] };
  }

  // ---- formatting ---------------------------------------------------------------------------
  const nf = new Intl.NumberFormat('en-US');
  const cf = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
  function usd(v) {
    if (v == null) return 'unknown';
    const a = Math.abs(v);
    return '$' + (a >= 100 ? v.toFixed(2) : a >= 1 ? v.toFixed(3) : v.toFixed(4));
  }
  const pct = (v) => (v * 100).toFixed(v < 0.1 ? 2 : 1) + '%';
  const name = (s) => (s === '' || s == null ? '(none)' : s);
  function sumCost(a, b) { return a == null || b == null ? null : a + b; }
  const costOf = (t) => (t.cost_usd == null ? 0 : t.cost_usd);

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    return e;
  }
  function svgEl(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text != null) e.textContent = text;
    return e;
  }
  const color = (i) => 'var(--s' + (i % 9) + ')';

  // ---- totals -------------------------------------------------------------------------------
  function tile(id, value, text) {
    const e = $(id);
    e.dataset.value = value == null ? '' : String(value);
    e.textContent = text;
  }
  function drawTotals(t) {
    tile('t-cost', t.cost_usd, usd(t.cost_usd) + (t.cost_usd == null ? ' *' : ''));
    $('t-cost').title = t.cost_usd == null ? 'some requests used a model with no known price' : '';
    tile('t-requests', t.requests, nf.format(t.requests));
    tile('t-errors', t.errors, nf.format(t.errors));
    $('t-error-rate').textContent = t.requests ? pct(t.errors / t.requests) + ' of requests' : '';
    tile('t-input', t.input_tokens, nf.format(t.input_tokens));
    tile('t-output', t.output_tokens, nf.format(t.output_tokens));
    tile('t-cached', t.cached_tokens, nf.format(t.cached_tokens));
    $('t-cached-share').textContent = t.input_tokens ? pct(t.cached_tokens / t.input_tokens) + ' of input' : '';
  }

  // ---- stacked bars over time ---------------------------------------------------------------
  function buckets(since, until, g) {
    const step = g === 'hour' ? 3600e3 : 86400e3;
    const len = g === 'hour' ? 13 : 10;
    const end = Date.parse(until);
    const out = [];
    for (let t = Math.floor(Date.parse(since) / step) * step; t < end && out.length < MAX_BUCKETS; t += step)
      out.push(new Date(t).toISOString().slice(0, len));
    return out;
  }
  // rows keyed [bucket, stack] -> the biggest series by cost (then tokens), the rest "other".
  function seriesOf(rep, labels) {
    const idx = new Map(labels.map((l, i) => [l, i]));
    const by = new Map();
    for (const r of rep.rows) {
      const b = r[rep.by[0]], s = r[rep.by[1]];
      if (!by.has(s)) by.set(s, { name: name(s), cost: 0, tokens: 0, rows: [] });
      const e = by.get(s);
      e.cost += costOf(r);
      e.tokens += r.input_tokens + r.output_tokens;
      e.rows.push([idx.has(b) ? idx.get(b) : -1, r]);
    }
    const all = [...by.values()].sort((a, b) => b.cost - a.cost || b.tokens - a.tokens || (a.name < b.name ? -1 : 1));
    const kept = all.slice(0, MAX_SERIES);
    if (all.length > MAX_SERIES) {
      const other = { name: 'other', rows: [] };
      for (const e of all.slice(MAX_SERIES)) other.rows.push(...e.rows);
      kept.push(other);
    }
    return kept.map((e, i) => {
      const cost = new Array(labels.length).fill(0), tokens = new Array(labels.length).fill(0);
      for (const [j, r] of e.rows) if (j >= 0) { cost[j] += costOf(r); tokens[j] += r.input_tokens + r.output_tokens; }
      return { name: e.name, color: color(i), cost, tokens };
    });
  }
  function axisLabel(v, fmt) { return fmt(v); }
  // Two significant digits below a dollar: $0.00045, not $0.000.
  const axisUsd = (v) => (v === 0 ? '$0' : '$' + (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : String(Number(v.toPrecision(2)))));
  function stackedBars(host, labels, series, metric, fmt) {
    const W = 900, H = 230, L = 64, R = 8, T = 10, B = 24;
    const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
    const n = Math.max(labels.length, 1);
    const totals = new Array(labels.length).fill(0);
    for (const s of series) s[metric].forEach((v, j) => { totals[j] += v; });
    const max = Math.max(0, ...totals);
    const ph = H - T - B, bw = (W - L - R) / n, gap = Math.min(2, bw * 0.2);
    for (const f of [0, 0.5, 1]) {
      const y = T + ph - f * ph;
      svg.append(svgEl('path', { class: 'axis', d: `M${L},${y.toFixed(1)}H${W - R}` }));
      svg.append(svgEl('text', { x: L - 6, y: y + 4, 'text-anchor': 'end' }, axisLabel(max * f, fmt)));
    }
    if (max > 0) {
      const base = new Array(labels.length).fill(0);
      for (const s of series) {
        let d = '';
        s[metric].forEach((v, j) => {
          if (v <= 0) return;
          const h = (v / max) * ph, y = T + ph - base[j] - h;
          d += `M${(L + j * bw + gap / 2).toFixed(2)},${y.toFixed(2)}h${(bw - gap).toFixed(2)}v${h.toFixed(2)}h${(-(bw - gap)).toFixed(2)}z`;
          base[j] += h;
        });
        if (!d) continue;
        const p = svgEl('path', { class: 'bar', d, fill: s.color });
        p.append(svgEl('title', {}, s.name));
        svg.append(p);
      }
    } else {
      svg.append(svgEl('text', { class: 'empty', x: (L + W) / 2, y: T + ph / 2, 'text-anchor': 'middle' }, 'no requests in this period'));
    }
    const every = Math.max(1, Math.ceil(labels.length / 8));
    labels.forEach((l, j) => {
      if (j % every) return;
      svg.append(svgEl('text', { x: L + j * bw + bw / 2, y: H - 6, 'text-anchor': 'middle' }, l.length > 10 ? l.slice(5).replace('T', ' ') + 'h' : l));
    });
    host.replaceChildren(svg);
  }
  function drawSeries(rep, g) {
    const labels = buckets(rep.since, rep.until, g);
    const series = seriesOf(rep, labels);
    stackedBars($('chart-cost'), labels, series, 'cost', axisUsd);
    stackedBars($('chart-tokens'), labels, series, 'tokens', (v) => cf.format(v));
    const legend = $('legend');
    legend.replaceChildren(...series.map((s) => { const x = el('span', {}, s.name); x.style.setProperty('--c', s.color); return x; }));
  }

  // ---- horizontal bars ----------------------------------------------------------------------
  // items: [{label, value, max (optional, the bar's full length), text, color}]
  function hbars(host, items, empty) {
    const W = 440, row = 22, LW = 150, VW = 110, T = 4;
    const H = Math.max(1, items.length) * row + T * 2;
    const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
    if (!items.length) {
      svg.append(svgEl('text', { class: 'empty', x: W / 2, y: H / 2 + 4, 'text-anchor': 'middle' }, empty));
      return host.replaceChildren(svg);
    }
    const top = Math.max(...items.map((i) => i.max != null ? i.max : i.value), 0);
    const bwMax = W - LW - VW - 8;
    items.forEach((it, i) => {
      const y = T + i * row;
      const label = it.label.length > 22 ? it.label.slice(0, 21) + '…' : it.label;
      const t = svgEl('text', { x: 0, y: y + 15 }, label);
      t.append(svgEl('title', {}, it.label));
      svg.append(t);
      const full = it.max != null ? it.max : top;
      if (it.max != null) svg.append(svgEl('path', { class: 'axis', d: `M${LW},${y + 4}h${bwMax}v14h${-bwMax}z`, fill: 'none' }));
      const w = full > 0 ? Math.max(1, Math.min(1, it.value / full) * bwMax) : 0;
      if (w > 0) {
        const p = svgEl('path', { class: 'bar', d: `M${LW},${y + 4}h${w.toFixed(2)}v14h${(-w).toFixed(2)}z`, fill: it.color || color(0) });
        p.append(svgEl('title', {}, it.label + ': ' + it.text));
        svg.append(p);
      }
      svg.append(svgEl('text', { x: W, y: y + 15, 'text-anchor': 'end' }, it.text));
    });
    host.replaceChildren(svg);
  }

  function drawTop(users) {
    const items = [...users.rows].sort((a, b) => costOf(b) - costOf(a) || (b.input_tokens + b.output_tokens) - (a.input_tokens + a.output_tokens)).slice(0, 10)
      .map((r, i) => ({ label: name(r.user), value: costOf(r), text: usd(r.cost_usd), color: color(i) }));
    hbars($('chart-users'), items, 'no requests');
  }
  function drawModels(models) {
    const rows = [...models.rows].sort((a, b) => costOf(b) - costOf(a) || b.requests - a.requests);
    hbars($('chart-models'), rows.slice(0, 10).map((r, i) => ({ label: name(r.model), value: costOf(r), text: usd(r.cost_usd), color: color(i) })), 'no requests');
    hbars($('chart-cached'), rows.filter((r) => r.input_tokens > 0).slice(0, 10).map((r, i) => ({
      label: name(r.model), value: r.cached_tokens / r.input_tokens, max: 1, text: pct(r.cached_tokens / r.input_tokens), color: color(i) })), 'no input tokens');
    const body = $('models-table').tBodies[0];
    body.replaceChildren(...rows.map((r) => {
      const tr = el('tr');
      const l = r.latency_ms || {};
      const ms = (v) => (v == null ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
      for (const c of [name(r.model), nf.format(r.requests), r.requests ? pct(r.errors / r.requests) : '-', ms(l.p50), ms(l.p95), ms(l.p99), usd(r.cost_usd)])
        tr.append(el('td', {}, c));
      return tr;
    }));
  }
  function drawBudgets(b) {
    const list = (b && b.budgets) || [];
    hbars($('chart-budgets'), list.map((x) => ({
      label: x.scope + ' ' + x.name + ' (' + x.period + ')', value: x.spent_usd, max: x.budget_usd,
      text: usd(x.spent_usd) + ' of ' + usd(x.budget_usd),
      color: x.spent_usd >= 0.9 * x.budget_usd ? 'var(--bad)' : 'var(--ok)' })), 'no budgets set');
  }

  // ---- drill-down: tenant -> user -> model --------------------------------------------------
  function add(into, r) {
    into.requests += r.requests; into.errors += r.errors; into.input_tokens += r.input_tokens;
    into.output_tokens += r.output_tokens; into.cached_tokens += r.cached_tokens;
    into.cost_usd = sumCost(into.cost_usd, r.cost_usd);
  }
  const zero = () => ({ requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cached_tokens: 0, cost_usd: 0, kids: new Map() });
  const byCost = (m) => [...m.entries()].sort((a, b) => costOf(b[1]) - costOf(a[1]) || b[1].requests - a[1].requests);
  function drillRow(k, n, level, toggle) {
    const tr = el('tr', { class: 'l' + level });
    if (level > 0) tr.hidden = true;
    const first = el('td');
    if (toggle) first.append(el('button', { type: 'button', class: 'tog', 'aria-expanded': 'false' }, '▸'));
    first.append(document.createTextNode(name(k)));
    tr.append(first);
    for (const c of [nf.format(n.requests), nf.format(n.errors), nf.format(n.input_tokens), nf.format(n.output_tokens), nf.format(n.cached_tokens), usd(n.cost_usd)])
      tr.append(el('td', {}, c));
    tr._kids = [];
    return tr;
  }
  // The tenants come with the first paint; a tenant's users and models are read when it is
  // opened, so a ledger of many users never sends its whole tenant × user × model table at once.
  function drawDrill(tenants) {
    const out = byCost(new Map(tenants.rows.map((r) => [r.tenant, r]))).map(([t, r]) => {
      const tr = drillRow(t, r, 0, true);
      tr._tenant = t;
      return tr;
    });
    $('drill').tBodies[0].replaceChildren(...out);
  }
  async function openTenant(tr) {
    if (tr._loaded) return;
    tr._loaded = true;
    const t = tr._tenant;
    const rep = await load('tenant,user,model', false, t ? { tenant: t } : undefined);
    const users = new Map();
    for (const r of rep.rows) {
      if (r.tenant !== t) continue;
      if (!users.has(r.user)) users.set(r.user, zero());
      const u = users.get(r.user);
      add(u, r);
      u.kids.set(r.model, r);
    }
    const rows = [];
    for (const [u, n] of byCost(users)) {
      const ur = drillRow(u, n, 1, true);
      tr._kids.push(ur);
      rows.push(ur);
      for (const [m, mr] of byCost(n.kids)) {
        const r = drillRow(m, mr, 2, false);
        ur._kids.push(r);
        rows.push(r);
      }
    }
    tr.after(...rows);
  }
  function collapse(tr) { for (const k of tr._kids || []) { k.hidden = true; collapse(k); } const b = tr.querySelector('button.tog'); if (b) { b.textContent = '▸'; b.setAttribute('aria-expanded', 'false'); } }
  async function onDrillClick(ev) {
    const b = ev.target.closest('button.tog');
    if (!b) return;
    const tr = b.closest('tr');
    const open = b.getAttribute('aria-expanded') === 'true';
    if (open) return collapse(tr);
    if (tr._tenant !== undefined) {
      try {
        await openTenant(tr);
      } catch (e) {
        tr._loaded = false;
        $('error').textContent = String(e.message || e);
        $('error').hidden = false;
        return;
      }
    }
    for (const k of tr._kids || []) k.hidden = false;
    b.textContent = '▾';
    b.setAttribute('aria-expanded', 'true');
  }

  function fillLists(tenants, users, models) {
    const lists = { tenants: [tenants, 'tenant'], users: [users, 'user'], models: [models, 'model'] };
    for (const [id, [rep, k]] of Object.entries(lists))
      $(id).replaceChildren(...[...new Set(rep.rows.map((r) => r[k]))].filter((v) => v).sort().map((v) => el('option', { value: v })));
  }

  // ---- the view as a gw report command line -------------------------------------------------
  const shq = (s) => (/^[A-Za-z0-9_.,:/@+=-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'");
  function describe(rep, g) {
    const p = period();
    const args = ['gw', 'report', '--by', g + ',' + state.stack, '--since', p.since, '--until', p.until];
    for (const [k, v] of Object.entries(filters())) args.push('--' + k, v);
    $('cmd').textContent = args.map(shq).join(' ');
    if (EMBED) {
      $('json-line').hidden = true;
      $('source').textContent = 'Report made ' + EMBED.generated + ' · ' + rep.since + ' → ' + rep.until;
    } else {
      $('json-link').href = usageUrl(g + ',' + state.stack, false);
      $('source').textContent = rep.since + ' → ' + rep.until + ' (UTC)';
    }
    document.body.dataset.since = rep.since;
    document.body.dataset.until = rep.until;
  }

  // ---- refresh ------------------------------------------------------------------------------
  let generation = 0;
  async function refresh() {
    const gen = ++generation;
    document.body.dataset.state = 'loading';
    const g = granularity();
    try {
      const [[series, tenants, users, models], budgets] = await Promise.all([
        loadMany([[g + ',' + state.stack, false], ['tenant', false], ['user', false], ['model', true]]), loadBudgets()]);
      if (gen !== generation) return;
      $('error').hidden = true;
      drawTotals(models.total);
      drawSeries(series, g);
      drawTop(users);
      drawModels(models);
      drawBudgets(budgets);
      drawDrill(tenants);
      fillLists(tenants, users, models);
      describe(models, g);
      document.body.dataset.state = 'ready';
    } catch (e) {
      if (gen !== generation) return;
      $('error').textContent = String(e.message || e);
      $('error').hidden = false;
      document.body.dataset.state = 'error';
    }
  }

  function start() {
    readHash();
    if (EMBED) {
      document.body.classList.add('report');
      if (!location.hash && EMBED.stack) state.stack = EMBED.stack;
      // The period and filters are the report's own: only the stack can change here.
      for (const id of ['period', 'since', 'until', 'gran', 'user', 'tenant', 'model', 'apply'])
        $(id).disabled = true;
      $('period').value = 'custom';
      $('since').value = EMBED.filters.since; $('until').value = EMBED.filters.until;
      $('user').value = EMBED.filters.user; $('tenant').value = EMBED.filters.tenant; $('model').value = EMBED.filters.model;
      $('gran').value = EMBED.gran;
      $('stack').value = state.stack;
      document.body.classList.add('custom-period');
    } else {
      toControls();
    }
    $('controls').addEventListener('submit', (ev) => { ev.preventDefault(); fromControls(); writeHash(); refresh(); });
    $('controls').addEventListener('change', (ev) => {
      if (ev.target.tagName !== 'SELECT') return; // text filters apply on Enter / Apply
      if (EMBED) state.stack = $('stack').value; else fromControls();
      writeHash();
      if (!(state.period === 'custom' && !state.since)) refresh();
    });
    $('drill').addEventListener('click', onDrillClick);
    $('copy').addEventListener('click', () => {
      if (navigator.clipboard) navigator.clipboard.writeText($('cmd').textContent).catch(() => {});
    });
    refresh();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
