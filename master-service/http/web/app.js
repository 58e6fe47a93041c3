// SPDX-License-Identifier: Apache-2.0
// The status page: reads /api/v1 every few seconds and renders it. Data is
// only ever put into the page as text (textContent), never as HTML.
'use strict';

const REFRESH_MS = 3000;
const DAY_MS = 24 * 3600 * 1000;
const TOKEN_KEY = 'peranda-token';
const STATE_ORDER = { lost: 0, stale: 1, offline: 2, online: 3 };
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

const $ = (id) => document.getElementById(id);
const view = { nodes: [], pulls: [], alarms: [], masters: [], sort: { key: 'node', dir: 1 }, error: '' };

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: 'Bearer ' + token } : {};
}

class Unauthorized extends Error {}

async function api(path, asText) {
  const res = await fetch(path, { headers: authHeaders(), cache: 'no-store' });
  if (res.status === 401) throw new Unauthorized('the API wants a token');
  if (!res.ok) {
    let why = res.status + ' ' + res.statusText;
    try { why = (await res.json()).error || why; } catch (e) { /* not JSON */ }
    throw new Error(why);
  }
  return asText ? res.text() : res.json();
}

function age(ms) {
  if (ms === undefined || ms === null || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 120) return s + ' s';
  if (s < 7200) return Math.round(s / 60) + ' min';
  if (s < 172800) return Math.round(s / 3600) + ' h';
  return Math.round(s / 86400) + ' d';
}

function bytes(n) {
  if (!n) return '0 B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + ' ' + units[i];
}

function utc(ms) {
  return ms ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '—';
}

function stateBadge(state) {
  const s = el('span', state, 'state state-' + state);
  s.dataset.state = state;
  return s;
}

// The newest finished pull per node.
function lastPulls() {
  const out = {};
  for (const p of view.pulls) {
    if (!p.finished) continue;
    const seen = out[p.node];
    if (!seen || p.ended > seen.ended) out[p.node] = p;
  }
  return out;
}

function alarmCounts() {
  const out = {};
  for (const a of view.alarms) out[a.node] = (out[a.node] || 0) + 1;
  return out;
}

function renderSummary() {
  const counts = { online: 0, stale: 0, lost: 0, offline: 0 };
  for (const n of view.nodes) counts[n.state] = (counts[n.state] || 0) + 1;
  const summary = $('summary');
  summary.replaceChildren();
  for (const state of ['online', 'stale', 'lost', 'offline']) {
    const d = el('div');
    d.dataset.summary = state;
    d.append(el('dt', state), el('dd', counts[state]));
    summary.append(d);
  }
  const masters = el('div');
  masters.dataset.summary = 'masters';
  masters.title = view.masters.map((m) => m.id + ': ' + m.nodes_owned + ' nodes').join('\n');
  masters.append(el('dt', 'masters alive'), el('dd', view.masters.length));
  summary.append(masters);
  const bySeverity = {};
  for (const a of view.alarms) bySeverity[a.severity] = (bySeverity[a.severity] || 0) + 1;
  const alarms = $('alarm-summary');
  alarms.replaceChildren();
  for (const s of SEVERITIES) {
    const d = el('div');
    d.dataset.severity = s;
    d.append(el('dt', s + ' (24 h)', 'sev sev-' + s), el('dd', bySeverity[s] || 0));
    alarms.append(d);
  }
}

function sortValue(n, key, pulls, alarms) {
  switch (key) {
    case 'state': return STATE_ORDER[n.state] ?? 9;
    case 'age': return n.last_seen_ms_ago;
    case 'backlog': return n.backlog ? n.backlog.bytes : 0;
    case 'pull': return pulls[n.node] ? pulls[n.node].ended : 0;
    case 'alarms': return alarms[n.node] || 0;
    case 'health': return healthText(n);
    default: return String(n[key] ?? '').toLowerCase();
  }
}

// The agent's own health (heartbeat): ok, its reason codes, or '—' when its
// agent does not report health.
function healthText(n) {
  if (!n.health) return '—';
  return n.health.status === 'ok' ? 'ok' : n.health.reasons.map((r) => r.code).join(', ');
}

function renderNodes() {
  const pulls = lastPulls();
  const alarms = alarmCounts();
  const filter = $('node-filter').value.trim().toLowerCase();
  const { key, dir } = view.sort;
  const rows = view.nodes
    .filter((n) => !filter || [n.node, n.ip, n.hostname, n.state, n.agent_version, n.owner, healthText(n)]
      .some((v) => String(v ?? '').toLowerCase().includes(filter)))
    .sort((a, b) => {
      const x = sortValue(a, key, pulls, alarms);
      const y = sortValue(b, key, pulls, alarms);
      return (x < y ? -1 : x > y ? 1 : 0) * dir || a.node.localeCompare(b.node);
    });
  const body = $('nodes').tBodies[0];
  body.replaceChildren();
  for (const n of rows) {
    const tr = el('tr');
    tr.dataset.node = n.node;
    const link = el('a', n.node);
    link.href = '#node/' + encodeURIComponent(n.node);
    const stateCell = el('td');
    stateCell.append(stateBadge(n.state));
    const nodeCell = el('td');
    nodeCell.append(link);
    if (n.conflict_machine_id) nodeCell.append(el('span', ' (machine id conflict)', 'sev sev-error'));
    const p = pulls[n.node];
    const backlog = n.backlog ? n.backlog.files + ' files, ' + bytes(n.backlog.bytes) : '—';
    const health = el('td', healthText(n), n.health && n.health.status !== 'ok' ? 'sev sev-warning' : '');
    if (n.health) health.title = n.health.reasons.map((r) => r.text).join('\n');
    tr.append(stateCell, nodeCell, el('td', n.ip), el('td', n.hostname), el('td', n.agent_version),
      el('td', n.owner ?? '—'), health, el('td', age(n.last_seen_ms_ago)), el('td', backlog),
      el('td', p ? p.status + ', ' + age(Date.now() - p.ended) + ' ago' : '—'),
      el('td', alarms[n.node] || 0));
    body.append(tr);
  }
  for (const th of $('nodes').tHead.rows[0].cells) {
    th.setAttribute('aria-sort', th.dataset.key !== key ? 'none' : dir > 0 ? 'ascending' : 'descending');
  }
}

function renderAlarms() {
  const severity = $('alarm-severity').value;
  const node = $('alarm-node').value.trim().toLowerCase();
  const text = $('alarm-text').value.trim().toLowerCase();
  const list = $('alarms');
  list.replaceChildren();
  const shown = view.alarms
    .filter((a) => (!severity || a.severity === severity) &&
      (!node || String(a.node).toLowerCase().includes(node)) &&
      (!text || (String(a.line) + ' ' + String(a.rule)).toLowerCase().includes(text)))
    .slice(-200).reverse();
  for (const a of shown) {
    const li = el('li');
    li.dataset.alarm = a.id;
    const meta = el('div', '', 'meta');
    meta.append(el('span', a.severity, 'sev sev-' + a.severity),
      document.createTextNode(' ' + utc(a.received) + ' · ' + a.node + ' · ' + a.rule));
    li.append(meta, el('div', a.line));
    list.append(li);
  }
  if (!shown.length) list.append(el('li', 'No alarms match.'));
}

async function renderNode(id) {
  const node = view.nodes.find((n) => n.node === id);
  $('node-title').textContent = id;
  const details = $('node-details');
  details.replaceChildren();
  if (node) {
    const pull = lastPulls()[id];
    const items = [['state', stateBadge(node.state)], ['IP', node.ip], ['host', node.hostname],
      ['agent', node.agent_version], ['health', healthText(node)],
      ['heartbeat', age(node.last_seen_ms_ago) + ' ago'],
      ['spool backlog', node.backlog.files + ' files, ' + bytes(node.backlog.bytes)],
      ['last pull', pull ? pull.status + ' at ' + utc(pull.ended) : '—'],
      ['alarms 24 h', alarmCounts()[id] || 0]];
    for (const [name, value] of items) {
      const d = el('div');
      const dd = el('dd');
      if (value instanceof Node) dd.append(value); else dd.textContent = String(value ?? '');
      d.append(el('dt', name), dd);
      details.append(d);
    }
  }
  const base = '/api/v1/nodes/' + encodeURIComponent(id);
  const files = await api(base + '/files?limit=20');
  const body = $('files').tBodies[0];
  body.replaceChildren();
  for (const f of files.files) {
    const tr = el('tr');
    tr.append(el('td', f.path), el('td', bytes(f.size)), el('td', utc(f.time)));
    body.append(tr);
  }
  const grep = $('log-grep').value;
  let path = base + '/logs?tail=200';
  if (grep) path += '&grep=' + encodeURIComponent(grep);
  try {
    const text = await api(path, true);
    $('log-error').textContent = '';
    const logView = $('log-view');
    const atEnd = logView.scrollTop + logView.clientHeight >= logView.scrollHeight - 4;
    if (logView.textContent !== text) {
      logView.textContent = text || '(no stored lines)';
      if (atEnd) logView.scrollTop = logView.scrollHeight;
    }
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    $('log-error').textContent = e.message;
  }
}

function route() {
  const m = location.hash.match(/^#node\/(.+)$/);
  return m ? decodeURIComponent(m[1]) : null;
}

let timer = null;

async function refresh() {
  clearTimeout(timer);
  try {
    const since = Date.now() - DAY_MS;
    const [nodes, pulls, alarms, masters] = await Promise.all([
      api('/api/v1/nodes'), api('/api/v1/pulls'), api('/api/v1/alarms?since=' + since),
      api('/api/v1/masters')]);
    view.nodes = nodes.nodes;
    view.masters = masters.masters;
    view.pulls = pulls.pulls;
    view.alarms = alarms.alarms.filter((a) => a && a.received >= since);
    $('token-form').hidden = true;
    const node = route();
    $('fleet-view').hidden = node !== null;
    $('node-view').hidden = node === null;
    if (node === null) {
      renderSummary();
      renderNodes();
      renderAlarms();
    } else {
      await renderNode(node);
    }
    $('status').textContent = 'updated ' + new Date().toLocaleTimeString() + ' · ' +
      view.nodes.length + ' nodes';
  } catch (e) {
    if (e instanceof Unauthorized) {
      $('token-form').hidden = false;
      $('status').textContent = 'token needed';
    } else {
      $('status').textContent = 'cannot read the API: ' + e.message + ' (retrying)';
    }
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

function init() {
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    refresh();
  });
  for (const th of $('nodes').tHead.rows[0].cells) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.key;
      view.sort = { key, dir: view.sort.key === key ? -view.sort.dir : 1 };
      renderNodes();
    });
  }
  $('node-filter').addEventListener('input', renderNodes);
  for (const id of ['alarm-severity', 'alarm-node', 'alarm-text']) {
    $(id).addEventListener('input', renderAlarms);
  }
  $('log-grep').addEventListener('change', refresh);
  window.addEventListener('hashchange', refresh);
  refresh();
}

init();
