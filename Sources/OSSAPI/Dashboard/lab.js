import { api, get } from './api.js';
import { bytes, debounce, escape } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const colors = {
  online: 'var(--good)', AUTHORIZED: 'var(--good)', REJECTED: 'var(--bad)', offline: '#9aa4b2', configured: 'var(--accent)',
};
const color = (status) => colors[status] ?? 'var(--warn)';

/**
 * The lab page: the topology drawn from the lab's file with every node's live state (SVG, one
 * layer per role), and a panel that runs one of the simulator's demo commands on a host.
 */
export function mountLab(root, { feed, notify }) {
  root.innerHTML = `<div class="panel">
      <div class="panel-head"><h2>Topology <span id="lab-name" class="muted"></span></h2>
        <div class="legend"><span><i style="background:var(--good)"></i>online / authorized</span>
          <span><i style="background:var(--bad)"></i>rejected</span><span><i style="background:var(--warn)"></i>other state</span>
          <span><i style="background:#9aa4b2"></i>offline</span></div></div>
      <div id="lab-map" class="lab-map"><p class="muted">Loading…</p></div>
    </div>
    <div class="panel" id="demo-panel">
      <div class="panel-head"><h2>Run a demo command</h2><span class="muted">from the simulator file's demo groups; needs the API token</span></div>
      <form id="demo-form" class="demo-form">
        <label>Host <select id="demo-host" required></select></label>
        <label>Command <select id="demo-command" required></select></label>
        <button type="submit" id="demo-run">Run</button>
      </form>
      <div id="demo-result" hidden><div id="demo-status"></div><pre id="demo-output" class="output"></pre></div>
    </div>`;
  const $ = (selector) => root.querySelector(selector);
  let lab = null;
  let commandsShown = false;

  async function load() {
    try {
      lab = (await get('/api/lab')).data;
    } catch (error) {
      $('#lab-map').innerHTML = `<p class="muted">${escape(error.status === 404 ? 'This API serves no lab (aether-lab configures one).' : error.message)}</p>`;
      $('#demo-panel').hidden = true;
      return;
    }
    $('#lab-name').textContent = `· ${lab.name}`;
    draw(lab.nodes);
    fillForm();
  }

  function draw(nodes) {
    const byKind = (kind) => nodes.filter((n) => n.kind === kind);
    const hosts = byKind('host');
    const nodesOf = (parent, kind) => nodes.filter((n) => n.kind === kind && n.parent === parent);
    const step = 26, top = 30, rowGap = 110;
    const position = new Map();
    // Hosts spread along the bottom, grouped by access node; parents centred over children.
    let x = 40;
    for (const bng of byKind('bng')) {
      for (const node of nodesOf(bng.id, 'access_node')) {
        const children = nodesOf(node.id, 'host');
        const start = x;
        for (const host of children) { position.set(host.id, { x, y: top + rowGap * 3 }); x += step; }
        position.set(node.id, { x: (start + x - step) / 2, y: top + rowGap * 2 });
        x += step;
      }
      const own = nodesOf(bng.id, 'access_node').map((n) => position.get(n.id).x);
      position.set(bng.id, { x: own.length ? (Math.min(...own) + Math.max(...own)) / 2 : x, y: top + rowGap });
    }
    const bngX = byKind('bng').map((b) => position.get(b.id).x);
    const middle = bngX.length ? (Math.min(...bngX) + Math.max(...bngX)) / 2 : 0;
    position.set('upstream', { x: middle - 90, y: top });
    position.set('services', { x: middle + 90, y: top });
    // Centre the drawing, with room for the widest boxes at either end.
    const xs = [...position.values()].map((p) => p.x);
    const left = Math.min(...xs) - 60, right = Math.max(...xs) + 60;
    const width = Math.max(720, right - left);
    const shift = (width - (right - left)) / 2 - left;
    for (const p of position.values()) p.x += shift;

    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} ${top + rowGap * 3 + 40}`);
    svg.setAttribute('width', width);
    svg.classList.add('topology');
    const add = (name, attributes, parent = svg) => {
      const element = document.createElementNS(SVG, name);
      for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
      parent.appendChild(element);
      return element;
    };
    for (const node of nodes) {
      const here = position.get(node.id);
      const links = node.kind === 'bng' ? ['upstream', 'services'] : node.parent ? [node.parent] : [];
      for (const target of links) {
        const there = position.get(target);
        if (here && there) add('line', { x1: here.x, y1: here.y, x2: there.x, y2: there.y, class: 'link' });
      }
    }
    for (const node of nodes) {
      const at = position.get(node.id);
      if (!at) continue;
      const group = add('g', { class: `node ${node.kind}`, 'data-id': node.id, 'data-status': node.status });
      const title = add('title', {}, group);
      title.textContent = [node.id, node.status, node.address, node.ip_address, node.circuit_id && `line ${node.circuit_id}`,
        node.bytes_down !== undefined && `${bytes(node.bytes_down)} ↓ ${bytes(node.bytes_up)} ↑`].filter(Boolean).join(' · ');
      if (node.kind === 'host') {
        add('circle', { cx: at.x, cy: at.y, r: 8, fill: color(node.status) }, group);
        add('text', { x: at.x, y: at.y + 22, 'text-anchor': 'middle', class: 'port' }, group).textContent = node.circuit_id?.split('/').pop() ?? '';
        group.addEventListener('click', () => { $('#demo-host').value = node.id; });
      } else {
        const w = node.kind === 'access_node' ? 64 : 96;
        add('rect', { x: at.x - w / 2, y: at.y - 15, width: w, height: 30, rx: 7, fill: '#fff', stroke: color(node.status), 'stroke-width': 2.5 }, group);
        add('text', { x: at.x, y: at.y + 4, 'text-anchor': 'middle' }, group).textContent = node.id;
      }
    }
    const map = $('#lab-map');
    map.innerHTML = '';
    map.appendChild(svg);
  }

  function fillForm() {
    const hostSelect = $('#demo-host');
    const current = hostSelect.value;
    hostSelect.innerHTML = lab.nodes.filter((n) => n.kind === 'host')
      .map((n) => `<option value="${escape(n.id)}">${escape(n.id)} (${escape(n.status)})</option>`).join('');
    if (current) hostSelect.value = current;
    if (commandsShown) return;
    commandsShown = true;
    $('#demo-command').innerHTML = lab.demo_groups.flatMap((group) => group.commands.map((c) =>
      `<option value="${escape(group.name)}|${c.index}">${escape(group.name)}: ${escape(c.description)}</option>`)).join('');
    $('#demo-panel').hidden = lab.demo_groups.length === 0;
  }

  $('#demo-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const [group, index] = $('#demo-command').value.split('|');
    const host = $('#demo-host').value;
    $('#demo-run').disabled = true;
    $('#demo-result').hidden = false;
    $('#demo-status').innerHTML = `<span class="muted">running on ${escape(host)}…</span>`;
    $('#demo-output').textContent = '';
    try {
      const result = (await api('POST', '/api/lab/demo', { body: { host, group, command: Number(index) } })).data;
      $('#demo-status').innerHTML = `<span class="badge ${result.exit_code === 0 ? 'good' : 'bad'}" id="demo-exit">exit ${result.exit_code}</span>
        <span class="mono">${escape(result.command)}</span> <span class="muted">${result.duration_seconds.toFixed(1)} s</span>`;
      $('#demo-output').textContent = result.output || '(no output)';
    } catch (error) {
      $('#demo-status').innerHTML = `<span class="badge bad">${escape(error.status ?? '')}</span> ${escape(error.message)}`;
      notify(error.message);
    } finally {
      $('#demo-run').disabled = false;
    }
  });

  const refresh = debounce(load, 1500);
  const cleanups = [feed.on('sessions', refresh), feed.on('bngs', refresh), feed.on('routers', refresh), feed.on('reset', refresh)];
  load();
  return () => cleanups.forEach((stop) => stop());
}
