// farsync console: a small single-page app over the console's JSON endpoints.
// Every state-changing request sends the session's CSRF token; the server checks roles itself,
// the page only leaves out what the user's role cannot do.
'use strict';

const ROLES = ['viewer', 'operator', 'admin'];
const POLL_MS = 1000;
const CHART_POINTS = 60;
let me = null;          // {name, role, csrf} once logged in
let timer = null;       // the polling of the view on screen
let historyOffset = 0;
const HISTORY_PAGE = 50;
const series = new Map(); // running session key -> [bytesPerSecond, ...] for the chart

const $ = (id) => document.getElementById(id);

function can(role) {
  return me && ROLES.indexOf(me.role) >= ROLES.indexOf(role);
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && me) headers['X-CSRF-Token'] = me.csrf;
  const r = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin'});
  if (r.status === 401 && path !== '/api/login') {
    me = null;
    show('login');
    throw new Error('please log in');
  }
  const data = r.headers.get('Content-Type')?.includes('json') ? await r.json() : await r.text();
  if (!r.ok) throw new Error((data && data.error) || (data && data.title) || String(data) || r.statusText);
  return data;
}

function fail(e) {
  $('error').textContent = e.message;
}

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '' : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

function rate(bytesPerSecond) {
  const bits = bytesPerSecond * 8;
  if (bits >= 1e9) return (bits / 1e9).toFixed(2) + ' Gbit/s';
  if (bits >= 1e6) return (bits / 1e6).toFixed(2) + ' Mbit/s';
  return (bits / 1e3).toFixed(1) + ' kbit/s';
}

function time(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

function duration(seconds) {
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
  return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + s + 's';
}

// ---- views -----------------------------------------------------------------------------

function show(view) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== 'view-' + view;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.id === 'nav-' + view);
  $('nav').hidden = !me;
  $('logout').hidden = !me;
  $('whoami').textContent = me ? me.name + ' (' + me.role + ')' : '';
  if (timer) { clearInterval(timer); timer = null; }
}

function applyRoles() {
  // what the role cannot do is removed, not hidden: the server refuses it anyway
  for (const el of document.querySelectorAll('[data-role]')) {
    if (!can(el.dataset.role)) el.remove();
  }
}

async function route() {
  $('error').textContent = '';
  if (!me) { show('login'); return; }
  const parts = (location.hash || '#/running').slice(2).split('/');
  try {
    switch (parts[0]) {
      case 'nodes': show('nodes'); await loadNodes(); timer = setInterval(() => loadNodes().catch(fail), 5 * POLL_MS); break;
      case 'jobs': show('jobs'); await loadJobNodeOptions(); await loadJobs(); timer = setInterval(() => loadJobs().catch(fail), 2 * POLL_MS); break;
      case 'history': show('history'); await loadNodeOptions(); await loadHistory(); break;
      case 'session': show('session'); await loadSession(parts[1], parts[2]); break;
      case 'audit': show('audit'); await loadAudit(); break;
      default: show('running'); await loadRunning(); timer = setInterval(() => loadRunning().catch(fail), POLL_MS);
    }
  } catch (e) { fail(e); }
}

async function loadNodes() {
  const data = await api('GET', '/api/nodes');
  const body = $('nodes-table').tBodies[0];
  body.replaceChildren();
  for (const n of data.items) {
    const tr = document.createElement('tr');
    tr.dataset.node = n.name;
    cell(tr, n.name);
    cell(tr, n.url);
    cell(tr, n.status ? 'up' : 'unreachable: ' + n.error, n.status ? 'status-ok' : 'status-failed');
    cell(tr, n.status ? n.status.version : '');
    cell(tr, n.status ? duration(n.status.uptime_seconds) : '');
    cell(tr, n.status ? n.status.running_sessions : '');
    const actions = cell(tr, '');
    if (can('admin')) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Remove';
      b.className = 'remove-node';
      b.onclick = () => api('DELETE', '/api/nodes/' + n.id).then(loadNodes).catch(fail);
      actions.appendChild(b);
    }
    body.appendChild(tr);
  }
}

async function loadNodeOptions() {
  const select = $('history-node');
  if (select.options.length > 1) return;
  const data = await api('GET', '/api/nodes');
  for (const n of data.items) {
    const o = document.createElement('option');
    o.value = n.id;
    o.textContent = n.name;
    select.appendChild(o);
  }
}

async function loadRunning() {
  const data = await api('GET', '/api/running');
  if (data.errors.length) $('error').textContent = data.errors.join('; ');
  const body = $('running-table').tBodies[0];
  body.replaceChildren();
  const seen = new Set();
  for (const s of data.items) {
    const key = s.node + ' #' + s.id;
    seen.add(key);
    if (!series.has(key)) series.set(key, []);
    const points = series.get(key);
    points.push(s.bytesPerSecond);
    if (points.length > CHART_POINTS) points.shift();

    const tr = document.createElement('tr');
    tr.dataset.session = key;
    cell(tr, s.node);
    cell(tr, s.id);
    cell(tr, s.user);
    cell(tr, s.peer);
    cell(tr, s.direction);
    cell(tr, s.path, 'path');
    cell(tr, s.files + (s.plannedFiles ? ' / ' + s.plannedFiles : ''));
    cell(tr, bytes(s.bytes), 'bytes');
    cell(tr, rate(s.bytesPerSecond), 'rate');
    const p = cell(tr, '');
    if (s.plannedBytes) {
      const bar = document.createElement('progress');
      bar.max = s.plannedBytes;
      bar.value = s.bytes;
      p.appendChild(bar);
    }
    const actions = cell(tr, '');
    if (can('operator')) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Stop';
      b.className = 'stop-session';
      b.onclick = () => api('POST', '/api/nodes/' + s.nodeId + '/sessions/' + s.id + '/stop').then(loadRunning).catch(fail);
      actions.appendChild(b);
    }
    body.appendChild(tr);
  }
  for (const key of [...series.keys()]) {
    if (!seen.has(key)) series.delete(key);
  }
  $('running-empty').hidden = data.items.length > 0;
  drawChart();
}

function drawChart() {
  const canvas = $('throughput');
  const g = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, left = 70, bottom = 20;
  g.clearRect(0, 0, w, h);
  let max = 1;
  for (const points of series.values()) for (const v of points) max = Math.max(max, v);
  g.strokeStyle = '#c9ced6';
  g.fillStyle = '#6b7480';
  g.font = '11px system-ui';
  g.beginPath();
  g.moveTo(left, 5);
  g.lineTo(left, h - bottom);
  g.lineTo(w - 5, h - bottom);
  g.stroke();
  g.fillText(rate(max), 2, 14);
  g.fillText('0', 2, h - bottom);
  g.fillText('last ' + CHART_POINTS + ' s', w - 80, h - 4);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];
  let i = 0, drawn = 0;
  for (const [key, points] of series) {
    const color = colors[i++ % colors.length];
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    points.forEach((v, j) => {
      const x = left + (w - left - 5) * (CHART_POINTS - points.length + j) / (CHART_POINTS - 1);
      const y = h - bottom - (h - bottom - 5) * v / max;
      if (j === 0) g.moveTo(x, y); else g.lineTo(x, y);
      drawn++;
    });
    g.stroke();
    g.fillStyle = color;
    g.fillText(key, left + 8, 14 + 13 * (i - 1));
  }
  canvas.dataset.points = String(drawn);
}

async function loadJobNodeOptions() {
  const data = await api('GET', '/api/nodes');
  for (const select of document.querySelectorAll('.node-select')) {
    select.replaceChildren();
    for (const n of data.items) {
      const o = document.createElement('option');
      o.value = n.id;
      o.textContent = n.name;
      select.appendChild(o);
    }
  }
}

function jobButton(actions, label, cls, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.className = cls;
  b.onclick = () => action().then(loadJobs).catch(fail);
  actions.appendChild(b);
}

async function loadJobs() {
  const data = await api('GET', '/api/jobs');
  const body = $('jobs-table').tBodies[0];
  body.replaceChildren();
  const scheduleSelect = $('schedule-job');
  const chosen = scheduleSelect ? scheduleSelect.value : null;
  if (scheduleSelect) scheduleSelect.replaceChildren();
  for (const j of data.items) {
    const tr = document.createElement('tr');
    tr.dataset.job = j.name;
    cell(tr, j.name, 'name');
    cell(tr, j.source, 'path');
    cell(tr, j.destination, 'path');
    const o = j.options;
    cell(tr, o.rate_mbps + ' Mbit/s ' + o.policy + (o.bidi ? ', two-way' : '') + (o.delete ? '' : ', keep deletes')
      + (o.continuous ? ', continuous' : ''));
    cell(tr, j.schedule || '', 'schedule');
    cell(tr, time(j.next_run), 'next-run');
    const run = j.last_run;
    cell(tr, !run ? 'never' : run.error ? 'unknown: ' + run.error
      : run.state + (run.lastStatus ? ' (' + run.lastStatus + ')' : '') + ' on ' + run.node, 'job-state');
    const actions = cell(tr, '');
    if (can('operator')) {
      jobButton(actions, 'Start', 'start-job', () => api('POST', '/api/jobs/' + j.id + '/start'));
      if (run && run.state === 'running') jobButton(actions, 'Stop', 'stop-job', () => api('POST', '/api/jobs/' + j.id + '/stop'));
      jobButton(actions, 'Remove', 'remove-job', () => api('DELETE', '/api/jobs/' + j.id));
    }
    body.appendChild(tr);
    if (scheduleSelect) {
      const opt = document.createElement('option');
      opt.value = j.id;
      opt.textContent = j.name;
      scheduleSelect.appendChild(opt);
    }
  }
  if (scheduleSelect && chosen) scheduleSelect.value = chosen;
  $('jobs-empty').hidden = data.items.length > 0;
}

function historyParams() {
  const p = new URLSearchParams();
  for (const id of ['q', 'status', 'user', 'from', 'to', 'node']) {
    const v = $('history-' + id).value;
    if (v) p.set(id, v);
  }
  return p;
}

async function loadHistory() {
  const p = historyParams();
  $('csv-link').href = '/api/history.csv?' + p;
  p.set('limit', HISTORY_PAGE);
  p.set('offset', historyOffset);
  const data = await api('GET', '/api/history?' + p);
  if (data.errors.length) $('error').textContent = data.errors.join('; ');
  const body = $('history-table').tBodies[0];
  body.replaceChildren();
  for (const s of data.items) {
    const tr = document.createElement('tr');
    tr.className = 'link';
    tr.dataset.session = s.node + ' #' + s.id;
    tr.onclick = () => { location.hash = '#/session/' + s.nodeId + '/' + s.id; };
    cell(tr, s.node);
    cell(tr, s.id);
    cell(tr, time(s.startedAt));
    cell(tr, time(s.endedAt));
    cell(tr, s.user);
    cell(tr, s.peer);
    cell(tr, s.direction);
    cell(tr, s.path, 'path');
    cell(tr, s.status, 'status status-' + s.status);
    cell(tr, s.files);
    cell(tr, bytes(s.bytes));
    cell(tr, s.errors);
    body.appendChild(tr);
  }
  const last = Math.min(historyOffset + data.items.length, data.total);
  $('history-count').textContent = data.total ? (historyOffset + 1) + '-' + last + ' of ' + data.total : 'no sessions';
  $('history-prev').disabled = historyOffset === 0;
  $('history-next').disabled = last >= data.total;
}

async function loadSession(nodeId, id) {
  const data = await api('GET', '/api/nodes/' + encodeURIComponent(nodeId) + '/sessions/' + encodeURIComponent(id));
  const s = data.session;
  $('session-title').textContent = 'Session ' + s.node + ' #' + s.id;
  const dl = $('session-facts');
  dl.replaceChildren();
  const facts = [['status', s.status], ['started', time(s.startedAt)], ['ended', time(s.endedAt)], ['user', s.user],
    ['peer', s.peer], ['direction', s.direction], ['path', s.path], ['files', s.files], ['bytes', bytes(s.bytes)],
    ['deleted', s.deleted], ['errors', s.errors], ['error', s.error], ['unrecorded file rows', s.filesUnrecorded]];
  for (const [k, v] of facts) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v === null || v === undefined ? '' : String(v);
    dd.id = 'fact-' + k.replace(/ /g, '-');
    dl.append(dt, dd);
  }
  const body = $('files-table').tBodies[0];
  body.replaceChildren();
  for (const f of data.files.items) {
    const tr = document.createElement('tr');
    cell(tr, time(f.time));
    cell(tr, f.path, 'path');
    cell(tr, bytes(f.size));
    cell(tr, f.action);
    cell(tr, f.result, 'status-' + (f.result === 'ok' ? 'ok' : 'failed'));
    cell(tr, f.error);
    body.appendChild(tr);
  }
}

async function loadAudit() {
  const data = await api('GET', '/api/audit');
  const body = $('audit-table').tBodies[0];
  body.replaceChildren();
  for (const a of data.items) {
    const tr = document.createElement('tr');
    cell(tr, time(a.time));
    cell(tr, a.user);
    cell(tr, a.action);
    cell(tr, a.target);
    cell(tr, a.detail);
    body.appendChild(tr);
  }
}

// ---- wiring ----------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', async () => {
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      me = await api('POST', '/api/login', {name: $('login-name').value, password: $('login-password').value});
      $('login-password').value = '';
      applyRoles();
      await route();
    } catch (e) { fail(e); }
  });
  $('logout').addEventListener('click', async () => {
    try { await api('POST', '/api/logout'); } catch (e) { /* logged out either way */ }
    location.hash = '';
    location.reload();
  });
  const nodeForm = $('node-form');
  if (nodeForm) {
    nodeForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api('POST', '/api/nodes', {name: $('node-name').value, url: $('node-url').value, token: $('node-token').value});
        nodeForm.reset();
        await loadNodes();
      } catch (e) { fail(e); }
    });
  }
  const jobForm = $('job-form');
  if (jobForm) {
    jobForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api('POST', '/api/jobs', {name: $('job-name').value, source_node: Number($('job-source-node').value),
          source_path: $('job-source-path').value, dest_node: Number($('job-dest-node').value), dest_path: $('job-dest-path').value,
          rate_mbps: Number($('job-rate').value), policy: $('job-policy').value, delete: $('job-delete').checked,
          bidi: $('job-bidi').checked, continuous: $('job-continuous').checked, schedule: $('job-schedule').value});
        jobForm.reset();
        await loadJobs();
      } catch (e) { fail(e); }
    });
  }
  const scheduleForm = $('schedule-form');
  if (scheduleForm) {
    scheduleForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api('PUT', '/api/jobs/' + $('schedule-job').value + '/schedule', {schedule: $('schedule-text').value});
        $('schedule-text').value = '';
        await loadJobs();
      } catch (e) { fail(e); }
    });
  }
  $('history-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    historyOffset = 0;
    loadHistory().catch(fail);
  });
  $('history-prev').addEventListener('click', () => { historyOffset = Math.max(0, historyOffset - HISTORY_PAGE); loadHistory().catch(fail); });
  $('history-next').addEventListener('click', () => { historyOffset += HISTORY_PAGE; loadHistory().catch(fail); });
  window.addEventListener('hashchange', route);
  try {
    me = await api('GET', '/api/me');
    applyRoles();
  } catch (e) {
    me = null;
    $('error').textContent = '';
  }
  await route();
});
