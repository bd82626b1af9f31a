import { INCIDENT_TRANSITIONS } from '@flowguard/workflow';
import { createHash } from 'node:crypto';

/**
 * The live incident page served at `/`: plain HTML and a small inline script, no
 * framework, no external assets. Every value from the API is inserted with
 * textContent (never innerHTML), and a strict CSP admits only this exact
 * script and style by hash.
 */
const STYLE = `
:root { color-scheme: light dark; --b: #8884; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; }
header { display: flex; gap: 1rem; align-items: baseline; padding: .75rem 1rem; border-bottom: 1px solid var(--b); }
h1 { font-size: 1.2rem; margin: 0; } h2 { font-size: 1rem; } h3 { font-size: .9rem; margin-bottom: .25rem; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; padding: 0 1rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--b); }
tbody tr { cursor: pointer; } tbody tr:hover, tbody tr.sel { background: #8882; } tr.new { animation: flash 2s; }
@keyframes flash { from { background: #fd04; } to { background: transparent; } }
.sev { font-weight: 600; text-transform: uppercase; font-size: .75rem; }
.critical { color: #d00; } .high { color: #e60; } .medium { color: #b90; } .low { color: #38c; } .info { color: #888; }
.status { font-size: .8rem; } .live { color: #2a2; } .offline { color: #d00; }
button { margin: 0 .4rem .4rem 0; } #d-error { color: #d00; } label { margin-right: .6rem; }
pre { white-space: pre-wrap; background: #8881; padding: .5rem; } dl { display: grid; grid-template-columns: auto 1fr; gap: .2rem .75rem; } dt { font-weight: 600; }
`;

const SCRIPT = `
(() => {
  'use strict';
  const KEY = 'flowguard.token';
  let token = sessionStorage.getItem(KEY) || '';
  const rows = new Map();
  const tbody = document.querySelector('#incidents tbody');
  const status = document.getElementById('status');
  const empty = document.getElementById('empty');
  const setStatus = (text, cls) => { status.textContent = text; status.className = 'status ' + cls; };

  const TRANSITIONS = __TRANSITIONS__;
  const REOPEN = ['Resolved', 'Closed'];

  async function api(path, init, retried) {
    const headers = Object.assign({}, (init && init.headers) || {}, token ? { Authorization: 'Bearer ' + token } : {});
    const res = await fetch(path, Object.assign({}, init || {}, { headers }));
    if (res.status === 401 && !retried) {
      token = window.prompt('Flowguard API token') || '';
      sessionStorage.setItem(KEY, token);
      return api(path, init, true);
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(typeof body.message === 'string' ? body.message : path + ' answered ' + res.status);
    return body;
  }

  /** A download through fetch, so the API token goes with it (a plain link would not carry it). */
  async function download(path, name) {
    const err = document.getElementById('d-error');
    err.textContent = '';
    try {
      const res = await fetch(path, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
      if (!res.ok) throw new Error(path.split('?')[0] + ' answered ' + res.status + (res.status === 404 ? ' (no flow storage, or /v1/flows is not routed to ingest)' : ''));
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) { err.textContent = String(e.message || e); }
  }

  async function rawFlows(i) {
    const box = document.getElementById('d-flows');
    box.replaceChildren();
    if (!i.anomalyIds || !i.anomalyIds.length) return;
    try {
      const a = await api('/v1/anomalies/' + encodeURIComponent(i.anomalyIds[0]));
      if (!a.links) return;
      const b = document.createElement('button'); b.type = 'button'; b.textContent = 'Download the flows (CSV)';
      b.addEventListener('click', () => download(a.links.export, i.incidentId.replace(/[^A-Za-z0-9._-]/g, '_') + '-flows.csv'));
      const q = document.createElement('code'); q.textContent = a.links.flows;
      box.append(b, q);
    } catch (e) { box.textContent = 'raw flows: ' + String(e.message || e); }
    rules(i.anomalyIds[0]);
  }

  /** The anomaly under the rules in force now, and a suppression drafted from it (nothing is applied). */
  async function rules(anomalyId) {
    const box = document.getElementById('d-rules');
    box.replaceChildren();
    const path = '/v1/anomalies/' + encodeURIComponent(anomalyId);
    try {
      const a = await api(path);
      const cur = a.current || { status: 'open' };
      const p = document.createElement('p');
      p.textContent = 'Now: ' + cur.status + (cur.rule ? ' by ' + cur.rule.kind + ' ' + cur.rule.id + ' (' + cur.rule.owner + ': ' + cur.rule.reason + ')' : '') + '; stored as ' + a.status + '.';
      const form = document.createElement('form');
      const field = (name, label, value) => {
        const l = document.createElement('label'); l.textContent = label + ' ';
        const inp = document.createElement('input'); inp.name = name; inp.value = value; inp.required = true; inp.size = name === 'days' ? 4 : 18;
        l.appendChild(inp); form.appendChild(l); return inp;
      };
      const owner = field('owner', 'owner', ''); const reason = field('reason', 'reason', ''); const days = field('days', 'days', '30');
      const go = document.createElement('button'); go.type = 'submit'; go.textContent = 'Draft a suppression';
      const out = document.createElement('pre');
      form.appendChild(go);
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          const q = new URLSearchParams({ owner: owner.value, reason: reason.value, days: days.value });
          const d = await api(path + '/suppression-draft?' + q.toString());
          out.textContent = 'Add to "suppressions" in ' + (d.rulesFile || 'the rules file (API_RULES_FILE / DETECT_CONFIG_FILE)') + ':\\n' + JSON.stringify(d.rule, null, 2);
        } catch (e) { out.textContent = String(e.message || e); }
      });
      box.append(p, form, out);
    } catch (e) { box.textContent = 'rules: ' + String(e.message || e); }
  }

  const td = (tr, text, cls) => { const c = document.createElement('td'); c.textContent = text; if (cls) c.className = cls; tr.appendChild(c); };
  const fmt = (ms) => new Date(ms).toLocaleString();

  const data = new Map();
  function upsert(r, fresh) {
    let tr = rows.get(r.id);
    const isNew = !tr;
    if (!tr) { tr = document.createElement('tr'); tr.addEventListener('click', () => show(r.id, tr)); rows.set(r.id, tr); }
    else r = Object.assign({}, data.get(r.id), { state: r.state, severity: r.severity });
    data.set(r.id, r);
    tr.replaceChildren();
    tr.dataset.at = String(r.at);
    td(tr, fmt(r.at)); td(tr, r.severity, 'sev ' + r.severity); td(tr, r.state); td(tr, r.title); td(tr, r.detector); td(tr, r.mitre.join(', '));
    if (isNew) {
      const after = [...tbody.children].find((x) => Number(x.dataset.at) < r.at);
      tbody.insertBefore(tr, after || null);
      if (fresh) tr.classList.add('new');
    }
    empty.hidden = rows.size > 0;
  }

  const fromIncident = (i) => ({ id: i.incidentId, at: i.createdAt, severity: i.severity, state: i.state, title: i.title, detector: i.detector, mitre: i.mitre });
  const fromEvent = (e) => ({ id: e.incidentId, at: e.occurredAt, severity: e.severity, state: e.state, title: e.title,
    detector: e.classification ? e.classification.anomaly.detector : '', mitre: e.mitre });

  async function load() {
    const page = await api('/v1/incidents?limit=200');
    page.items.forEach((i) => upsert(fromIncident(i), false));
  }

  let shown = null;
  async function move(i, to) {
    const reopen = REOPEN.includes(i.state);
    const reason = window.prompt((reopen ? 'Reason to reopen (required)' : 'Note (optional)') + ': ' + i.state + ' → ' + to);
    if (reason === null) return;
    let by = localStorage.getItem('flowguard.analyst');
    if (!by) { by = (window.prompt('Your name (shown in the timeline)') || 'analyst').replace(/[^A-Za-z0-9 ._@-]/g, '').slice(0, 120) || 'analyst'; localStorage.setItem('flowguard.analyst', by); }
    const err = document.getElementById('d-error');
    err.textContent = '';
    try {
      await api('/v1/incidents/' + encodeURIComponent(i.incidentId) + '/transitions', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(Object.assign({ to, by, expectedVersion: i.version }, reason ? { reason } : {})),
      });
    } catch (e) { err.textContent = String(e.message || e); }
    await show(i.incidentId, rows.get(i.incidentId));
  }

  async function show(id, tr) {
    shown = id;
    tbody.querySelectorAll('tr.sel').forEach((x) => x.classList.remove('sel'));
    if (tr) tr.classList.add('sel');
    const i = await api('/v1/incidents/' + encodeURIComponent(id));
    const actions = document.getElementById('d-moves');
    actions.replaceChildren(...(TRANSITIONS[i.state] || []).map((to) => {
      const b = document.createElement('button'); b.type = 'button'; b.textContent = (REOPEN.includes(i.state) ? 'Reopen → ' : '→ ') + to;
      b.addEventListener('click', () => move(i, to)); return b;
    }));
    const c = i.classification;
    document.getElementById('d-title').textContent = i.title;
    const dl = document.getElementById('d-facts');
    dl.replaceChildren();
    const fact = (k, v) => { const dt = document.createElement('dt'); dt.textContent = k; const dd = document.createElement('dd'); dd.textContent = v; dl.append(dt, dd); };
    fact('Incident', i.incidentId); fact('State', i.state); fact('Severity', i.severity);
    fact('Actor', i.actor || '—'); fact('Targets', i.targets.join(', ') || '—');
    if (c) {
      fact('Verdict', c.verdict + ' (confidence ' + c.confidence + ')');
      fact('MITRE', c.mitre.map((m) => m.id + ' ' + m.name + ' [' + m.tactic + ']').join('; '));
      fact('Classifier', c.provider + ' / ' + c.model);
    }
    document.getElementById('d-reasoning').textContent = c ? c.reasoning : i.summary;
    const ul = document.getElementById('d-actions');
    ul.replaceChildren(...(c ? c.recommendedActions : []).map((a) => { const li = document.createElement('li'); li.textContent = a; return li; }));
    const tl = document.getElementById('d-timeline');
    tl.replaceChildren(...i.timeline.map((t) => { const li = document.createElement('li'); li.textContent = fmt(t.at) + ' ' + t.state + ' — ' + t.text + ' (' + t.by + ')'; return li; }));
    document.getElementById('detail').hidden = false;
    await rawFlows(i);
  }

  function connect() {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1/stream';
    const ws = token ? new WebSocket(url, ['bearer.' + token]) : new WebSocket(url);
    ws.onopen = () => { setStatus('live', 'live'); load().catch((e) => setStatus(String(e), 'offline')); };
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type !== 'incident') return;
      upsert(fromEvent(msg.event), msg.event.type === 'opened');
      if (shown === msg.event.incidentId && msg.event.type !== 'opened') show(shown, rows.get(shown)).catch(() => undefined);
    };
    ws.onclose = () => { setStatus('offline — reconnecting', 'offline'); setTimeout(connect, 2000); };
  }

  connect();
})();
`;

// the lifecycle table the buttons offer (the server enforces it again)
const SCRIPT_WITH_TABLE = SCRIPT.replace('__TRANSITIONS__', JSON.stringify(INCIDENT_TRANSITIONS));

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT_WITH_TABLE)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flowguard — incidents</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>Flowguard</h1><span>incidents, live</span><span id="status" class="status">connecting…</span></header>
<main>
<section>
<h2>Incidents</h2>
<table id="incidents"><thead><tr><th>Opened</th><th>Severity</th><th>State</th><th>Title</th><th>Detector</th><th>MITRE</th></tr></thead><tbody></tbody></table>
<p id="empty">No incidents yet. Post flow logs to <code>/v1/flows</code>.</p>
</section>
<section id="detail" hidden>
<h2 id="d-title"></h2>
<div id="d-moves"></div><p id="d-error"></p>
<dl id="d-facts"></dl>
<h3>Reasoning</h3><pre id="d-reasoning"></pre>
<h3>Recommended actions</h3><ul id="d-actions"></ul>
<h3>Raw flows</h3><div id="d-flows"></div>
<h3>Rules</h3><div id="d-rules"></div>
<h3>Timeline</h3><ul id="d-timeline"></ul>
</section>
</main>
<script>${SCRIPT_WITH_TABLE}</script>
</body>
</html>
`;
