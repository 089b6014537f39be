import { get } from './api.js';
import { badge, bytes, duration, escape, since, statusBadge, time } from './format.js';
import { PagedTable } from './table.js';

/** One customer: contact, services, live sessions, history and events. */
export function mountCustomer(root, { id, feed, notify, setTitle }) {
  root.innerHTML = `<div class="cards" id="summary"></div>
    <div class="panel"><div class="panel-head"><h2>Services</h2><a class="link" href="#/provisioning">Provisioning console →</a></div><div id="services"></div></div>
    <div class="panel"><div class="panel-head"><h2>Live sessions</h2></div><div id="sessions"></div></div>
    <div class="grid2"><div class="panel"><div class="panel-head"><h2>Session history</h2></div><div id="history"></div></div>
      <div class="panel"><div class="panel-head"><h2>Events</h2></div><div id="events"></div></div></div>`;
  const $ = (selector) => root.querySelector(selector);
  get(`/api/customers/${encodeURIComponent(id)}`).then(({ data: c }) => {
    setTitle(c.name);
    $('#summary').innerHTML = `
      <div class="card"><div class="label">Contact</div><div class="value" style="font-size:18px">${escape(c.name)}</div>
        <div class="sub">${escape(c.email ?? 'no e-mail')} · ${escape(c.phone ?? 'no phone')}</div></div>
      <div class="card"><div class="label">Address</div><div class="sub" style="font-size:14px;color:var(--ink)">${escape([c.street, c.city, c.zip_code, c.state].filter(Boolean).join(', ') || '—')}</div></div>
      <div class="card"><div class="label">Customer since</div><div class="value" style="font-size:18px">${escape(time(c.created_at).slice(0, 10))}</div><div class="sub">#${c.customer_id}</div></div>`;
  }).catch((error) => notify(error.message));

  const services = new PagedTable($('#services'), {
    key: 'service_id', search: false, empty: 'No services.',
    load: (q) => get(`/api/customers/${id}/services`, { limit: q.limit, offset: q.offset }),
    columns: [
      { label: '#', num: true, key: 'service_id' }, { label: 'Plan', key: 'plan_name' },
      { label: 'Line', render: (v) => `${escape(v.bng_id)} · ${escape(v.remote_id)} · ${escape(v.circuit_id)}` },
      { label: 'User-Name', render: (v) => `<span class="mono">${escape(v.username)}</span>` },
      { label: 'Status', render: (v) => statusBadge(v.status) },
      { label: 'Live', num: true, render: (v) => v.active_sessions ? badge('online', 'good') : '<span class="muted">—</span>' },
    ],
  });
  const sessions = new PagedTable($('#sessions'), {
    key: 'session_id', search: false, empty: 'Offline.',
    load: (q) => get(`/api/customers/${id}/sessions`, { limit: q.limit, offset: q.offset }),
    columns: [
      { label: 'State', render: (s) => statusBadge(s.auth_state) },
      { label: 'IP', render: (s) => `<span class="mono">${escape(s.ip_address ?? '—')}</span>` },
      { label: 'MAC', render: (s) => `<span class="mono">${escape(s.mac_address)}</span>` },
      { label: 'Up for', render: (s) => escape(since(s.started_at)) },
      { label: 'Download', num: true, render: (s) => escape(bytes(s.bytes_down)) }, { label: 'Upload', num: true, render: (s) => escape(bytes(s.bytes_up)) },
      { label: 'BNG', key: 'bng_id' }, { label: 'Circuit', key: 'circuit_id' },
    ],
  });
  const history = new PagedTable($('#history'), {
    key: 'session_id', search: false, limit: 10, empty: 'No finished sessions.',
    load: (q) => get(`/api/customers/${id}/sessions/history`, { limit: q.limit, offset: q.offset }),
    columns: [
      { label: 'Ended', render: (s) => escape(time(s.ended_at)) }, { label: 'Duration', num: true, render: (s) => escape(duration(s.duration_seconds)) },
      { label: 'Download', num: true, render: (s) => escape(bytes(s.bytes_down)) }, { label: 'Cause', key: 'terminate_cause' },
    ],
  });
  const events = new PagedTable($('#events'), {
    key: 'seq', search: false, limit: 10, empty: 'No events.',
    load: (q) => get(`/api/customers/${id}/events`, { limit: q.limit, offset: q.offset }),
    columns: [{ label: 'Time', render: (e) => escape(time(e.ts)) }, { label: 'Type', render: (e) => badge(e.event_type) }, { label: 'BNG', key: 'bng_id' }],
  });
  for (const table of [services, sessions, history, events]) table.reload();
  sessions.onRows = (rows) => feed.watch(rows.map((s) => s.session_id));
  const off = feed.on('sessions', (change) => {
    sessions.patch(change.updated);
    if (change.started.length || change.stopped.length) { sessions.reload(); history.reload(); events.reload(); services.reload(); }
  });
  return off;
}
