import { api, get, token } from './api.js';
import { setPoints, timeChart } from './charts.js';
import { confirm } from './dialog.js';
import { badge, bps, bytes, debounce, duration, escape, kbps, number, since, statusBadge, time } from './format.js';
import { PagedTable } from './table.js';

/** The OSS dashboard: cards, BNG health, aggregate traffic, sessions, history and events. */
export function mountDashboard(root, { feed, notify }) {
  root.innerHTML = `
    <div class="cards">
      <div class="card" id="card-sessions"><div class="label">Active sessions</div><div class="value">—</div><div class="sub"></div></div>
      <div class="card" id="card-nodes"><div class="label">Access nodes online</div><div class="value">—</div><div class="sub"></div></div>
      <div class="card" id="card-events"><div class="label">Events ingested</div><div class="value">—</div><div class="sub"></div></div>
      <div class="card" id="card-traffic"><div class="label">Active traffic · 5-min average</div><div class="value">—</div><div class="sub"></div>
        <div style="height:46px"><canvas id="sparkline"></canvas></div></div>
    </div>
    <div class="panel"><div class="panel-head"><h2>BNG health</h2><span class="muted" id="bng-count"></span></div><div class="grid2" id="bngs"></div></div>
    <div class="panel"><div class="panel-head"><h2>Aggregate traffic</h2>
      <div class="segmented" id="ranges"><button data-range="24h">24 h</button><button data-range="6h">6 h</button><button data-range="1h" class="active">1 h</button><button data-range="15m">15 m</button></div></div>
      <div style="height:260px"><canvas id="traffic"></canvas></div></div>
    <div class="panel">
      <div class="tabs"><button data-tab="active" class="active">Active sessions</button><button data-tab="history">Session history</button><button data-tab="events">Events</button></div>
      <div id="tab-active"></div><div id="tab-history" hidden></div><div id="tab-events" hidden></div>
    </div>`;
  const cleanups = [];
  const $ = (selector) => root.querySelector(selector);

  // Cards, live from the feed's stats (one server tick serves every viewer).
  const spark = timeChart($('#sparkline'), [{ label: 'total', color: 'down', fill: true }], { yFormat: bps, legend: false, axes: false });
  const samples = [];
  function showStats(stats) {
    $('#card-sessions .value').textContent = number(stats.active_sessions);
    $('#card-sessions .sub').textContent = `${bytes(stats.active_traffic.bytes_down)} ↓ · ${bytes(stats.active_traffic.bytes_up)} ↑ on live sessions · ${number(stats.history_sessions)} finished`;
    $('#card-nodes .value').textContent = `${number(stats.access_nodes_online)} / ${number(stats.access_nodes_total)}`;
    $('#card-nodes .sub').textContent = 'alive as their BNGs report them, on BNGs that are online';
    $('#card-events .value').textContent = number(stats.events_ingested);
    $('#card-events .sub').textContent = `from ${number(stats.bngs_online)} of ${number(stats.bngs_total)} BNGs online, each exactly once`;
    const average = stats.rolling_average;
    $('#card-traffic .value').textContent = bps(average.total_bps);
    $('#card-traffic .value').dataset.bps = String(average.total_bps);
    $('#card-traffic .sub').textContent = `↓ ${bps(average.down_bps)} · ↑ ${bps(average.up_bps)}`;
    samples.push({ x: new Date(average.as_of).getTime(), y: average.total_bps });
    while (samples.length > 60) samples.shift();
    setPoints(spark, 0, [...samples]);
    spark?.update();
  }
  cleanups.push(feed.on('stats', showStats));
  get('/api/stats').then((reply) => showStats(reply.data)).catch((error) => notify(error.message));

  // BNG health cards: history fetched once, then extended by the feed.
  const charts = new Map();
  const series = new Map();
  async function showBNGs(bngs) {
    $('#bng-count').textContent = `${bngs.length} BNG${bngs.length === 1 ? '' : 's'}`;
    const container = $('#bngs');
    if (!bngs.length) container.innerHTML = '<div class="empty">No BNG has reported yet.</div>';
    for (const bng of bngs) {
      let card = container.querySelector(`[data-bng="${CSS.escape(bng.bng_id)}"]`);
      if (!card) {
        container.querySelector('.empty')?.remove();
        card = document.createElement('div');
        card.className = 'bng';
        card.dataset.bng = bng.bng_id;
        card.innerHTML = `<h3><span>${escape(bng.bng_id)}</span><span class="state"></span></h3><div class="kv"></div><div style="height:140px"><canvas></canvas></div>`;
        container.appendChild(card);
        const chart = timeChart(card.querySelector('canvas'), [{ label: 'CPU %', color: 'cpu' }, { label: 'Memory', color: 'memory', axis: 'y2' }],
                                { yFormat: (v) => `${Number(v).toFixed(1)}%`, y2Format: bytes });
        charts.set(bng.bng_id, chart);
        series.set(bng.bng_id, { cpu: [], memory: [] });
        get(`/api/bngs/${encodeURIComponent(bng.bng_id)}/health`, { limit: 120 }).then((page) => {
          const points = series.get(bng.bng_id);
          const older = page.data.reverse().map((s) => ({ x: new Date(s.ts).getTime(), cpu: s.cpu_percent, memory: s.memory_used_bytes }));
          const known = new Set(points.cpu.map((p) => p.x));
          for (const sample of older) if (!known.has(sample.x)) { points.cpu.push({ x: sample.x, y: sample.cpu }); points.memory.push({ x: sample.x, y: sample.memory }); }
          points.cpu.sort((a, b) => a.x - b.x); points.memory.sort((a, b) => a.x - b.x);
          setPoints(chart, 0, points.cpu); setPoints(chart, 1, points.memory); chart?.update();
        }).catch(() => {});
      }
      card.querySelector('.state').innerHTML = bng.is_alive ? badge('online', 'good') : badge('offline', 'bad');
      const memory = bng.memory_used_bytes == null ? '—' : bytes(bng.memory_used_bytes) + (bng.memory_limit_bytes ? ` / ${bytes(bng.memory_limit_bytes)}` : '');
      card.querySelector('.kv').innerHTML = `<div>CPU<b>${bng.cpu_percent == null ? '—' : Number(bng.cpu_percent).toFixed(1) + '%'}</b></div>
        <div>Memory<b>${escape(memory)}</b></div><div>Sessions<b>${number(bng.active_sessions)}</b></div><div>Access nodes<b>${number(bng.access_routers)}</b></div>`;
      const points = series.get(bng.bng_id);
      const x = new Date(bng.last_seen).getTime();
      if (points && bng.cpu_percent != null && !points.cpu.some((p) => p.x === x)) {
        points.cpu.push({ x, y: bng.cpu_percent }); points.memory.push({ x, y: bng.memory_used_bytes });
        while (points.cpu.length > 240) { points.cpu.shift(); points.memory.shift(); }
        const chart = charts.get(bng.bng_id);
        setPoints(chart, 0, points.cpu); setPoints(chart, 1, points.memory); chart?.update();
      }
    }
  }
  cleanups.push(feed.on('bngs', (page) => showBNGs(page.data)));
  get('/api/bngs', { limit: 100 }).then((page) => showBNGs(page.data)).catch((error) => notify(error.message));

  // Aggregate traffic: the roll-up is a cheap read, refreshed every 15 s and on a range change.
  const traffic = timeChart($('#traffic'), [{ label: 'Download', color: 'down', fill: true }, { label: 'Upload', color: 'up', fill: true }, { label: 'Total', color: 'total' }],
                            { yFormat: bps });
  let range = '1h';
  async function loadTraffic() {
    try {
      const reply = await get('/api/stats/traffic-series', { range });
      const points = reply.data.points;
      setPoints(traffic, 0, points.map((p) => ({ x: new Date(p.ts).getTime(), y: p.down_bps })));
      setPoints(traffic, 1, points.map((p) => ({ x: new Date(p.ts).getTime(), y: p.up_bps })));
      setPoints(traffic, 2, points.map((p) => ({ x: new Date(p.ts).getTime(), y: p.total_bps })));
      traffic?.update();
      $('#traffic').dataset.points = String(points.length);
    } catch (error) { notify(error.message); }
  }
  $('#ranges').addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    range = button.dataset.range;
    root.querySelectorAll('#ranges button').forEach((b) => b.classList.toggle('active', b === button));
    loadTraffic();
  });
  loadTraffic();
  const trafficTimer = setInterval(loadTraffic, 15000);
  cleanups.push(() => clearInterval(trafficTimer));

  // Sessions: the page on screen is watched, so its counters update in place; starts and
  // stops refresh the page.
  const active = new PagedTable($('#tab-active'), {
    key: 'session_id', sort: 'started_at', empty: 'No live sessions.',
    load: (query) => get('/api/sessions/active', query),
    columns: [
      { label: 'State', render: (s) => statusBadge(s.auth_state) },
      { label: 'User-Name', sort: 'username', render: (s) => `<span class="mono">${escape(s.username ?? '—')}</span>` },
      { label: 'Customer', render: (s) => s.customer_id ? `<a class="link" href="#/customers/${s.customer_id}">${escape(s.customer_name)}</a>` : '<span class="muted">unprovisioned</span>' },
      { label: 'IP', sort: 'ip_address', render: (s) => `<span class="mono">${escape(s.ip_address ?? '—')}</span>` },
      { label: 'MAC', render: (s) => `<span class="mono">${escape(s.mac_address)}</span>` },
      { label: 'Up for', sort: 'started_at', render: (s) => escape(since(s.started_at)) },
      { label: 'Download', sort: 'bytes_down', num: true, render: (s) => `<span class="bytes-down">${escape(bytes(s.bytes_down))}</span>` },
      { label: 'Upload', sort: 'bytes_up', num: true, render: (s) => escape(bytes(s.bytes_up)) },
      { label: 'Rate ↓/↑', render: (s) => `${escape(kbps(s.download_kbps))} / ${escape(kbps(s.upload_kbps))}` },
      { label: 'BNG', sort: 'bng_id', key: 'bng_id' },
      { label: 'Circuit', key: 'circuit_id' },
      { label: 'Updated', sort: 'updated_at', render: (s) => `${escape(since(s.updated_at))} ago` },
    ],
    actions: (s) => `<button class="small danger disconnect" data-id="${escape(s.session_id)}" ${token.get() ? '' : 'disabled title="Unlock with the API token"'}>Disconnect</button>`,
    details: async (s) => {
      let customer = '';
      if (s.customer_id) {
        const [{ data: c }, services] = await Promise.all([get(`/api/customers/${s.customer_id}`), get(`/api/customers/${s.customer_id}/services`)]);
        customer = `<div><span>Customer</span><a class="link" href="#/customers/${c.customer_id}">${escape(c.name)}</a></div>
          <div><span>Contact</span>${escape(c.email ?? '—')} · ${escape(c.phone ?? '—')}</div>
          <div><span>Address</span>${escape([c.street, c.city, c.zip_code, c.state].filter(Boolean).join(', ') || '—')}</div>
          <div><span>Services</span>${services.data.map((v) => `${escape(v.plan_name)} ${statusBadge(v.status)}`).join('<br>') || '—'}</div>`;
      }
      return `<div class="details-grid customer-details">${customer}
        <div><span>Session</span><span class="mono">${escape(s.session_id)}</span></div>
        <div><span>NAS / instance</span>${escape(s.nas_ip)} · <span class="mono">${escape(s.bng_instance_id.slice(0, 8))}</span></div>
        <div><span>Line</span>${escape(s.remote_id)} · ${escape(s.circuit_id)}</div>
        <div><span>Packets ↓/↑</span>${number(s.packets_down)} / ${number(s.packets_up)}</div>
        <div><span>Started</span>${escape(time(s.started_at))}</div></div>`;
    },
  });
  $('#tab-active').addEventListener('click', async (event) => {
    const button = event.target.closest('button.disconnect');
    if (!button) return;
    const session = active.rows.find((s) => s.session_id === button.dataset.id);
    if (!await confirm('Disconnect session?', `Send a RADIUS Disconnect-Request for ${session?.username ?? button.dataset.id} to ${session?.bng_id}.`, 'Disconnect')) return;
    button.disabled = true;
    try {
      const reply = await api('POST', `/api/sessions/active/${button.dataset.id}/disconnect`);
      notify(`${reply.data.bng_id} answered ${reply.data.reply}`, reply.data.outcome === 'ack');
    } catch (error) {
      notify(error.message);
      button.disabled = false;
    }
  });
  active.onRows = (rows) => feed.watch(rows.map((s) => s.session_id));
  const refresh = debounce(() => active.reload(), 1500);
  cleanups.push(feed.on('sessions', (change) => {
    active.patch(change.updated);
    if (change.started.length || change.stopped.length) refresh();
  }));
  cleanups.push(feed.on('reset', () => active.reload()));
  active.reload();

  const history = new PagedTable($('#tab-history'), {
    key: 'session_id', empty: 'No finished sessions.',
    load: (query) => get('/api/sessions/history', { limit: query.limit, offset: query.offset, search: query.search }),
    columns: [
      { label: 'User-Name', render: (s) => `<span class="mono">${escape(s.username ?? '—')}</span>` },
      { label: 'IP', render: (s) => `<span class="mono">${escape(s.ip_address ?? '—')}</span>` },
      { label: 'Started', render: (s) => escape(time(s.started_at)) },
      { label: 'Ended', render: (s) => escape(time(s.ended_at)) },
      { label: 'Duration', num: true, render: (s) => escape(duration(s.duration_seconds)) },
      { label: 'Download', num: true, render: (s) => escape(bytes(s.bytes_down)) },
      { label: 'Upload', num: true, render: (s) => escape(bytes(s.bytes_up)) },
      { label: 'Cause', render: (s) => badge(s.terminate_cause, s.terminate_cause === 'User-Request' ? '' : 'warn') },
      { label: 'BNG', key: 'bng_id' }, { label: 'Circuit', key: 'circuit_id' },
    ],
  });
  const events = new PagedTable($('#tab-events'), {
    key: 'seq', search: false, empty: 'No events.',
    load: (query) => get('/api/events', { limit: query.limit, offset: query.offset }),
    columns: [
      { label: 'Time', render: (e) => escape(time(e.ts)) },
      { label: 'Type', render: (e) => badge(e.event_type, { SESSION_START: 'good', SESSION_STOP: 'bad', POLICY_APPLY: 'info' }[e.event_type] ?? '') },
      { label: 'BNG', key: 'bng_id' }, { label: 'Seq', num: true, key: 'seq' },
      { label: 'Session', render: (e) => `<span class="mono">${escape(e.session_id?.slice(0, 8) ?? '—')}</span>` },
      { label: 'Payload', render: (e) => `<span class="mono muted">${escape(JSON.stringify(e.payload).slice(0, 110))}</span>` },
    ],
  });
  root.querySelector('.tabs').addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    for (const tab of ['active', 'history', 'events']) {
      root.querySelector(`#tab-${tab}`).hidden = tab !== button.dataset.tab;
      root.querySelector(`.tabs [data-tab="${tab}"]`).classList.toggle('active', tab === button.dataset.tab);
    }
    if (button.dataset.tab === 'history') history.reload();
    if (button.dataset.tab === 'events') events.reload();
  });

  return () => cleanups.forEach((cleanup) => cleanup());
}
