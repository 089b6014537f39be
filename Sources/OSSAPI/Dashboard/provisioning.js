import { api, get } from './api.js';
import { confirm, form } from './dialog.js';
import { badge, escape, kbps, money, number, statusBadge, time } from './format.js';
import { PagedTable } from './table.js';

const tabs = ['services', 'customers', 'plans', 'routers'];

/** The provisioning console: services, customers, plans and access nodes. */
export function mountProvisioning(root, { notify }) {
  root.innerHTML = `<div class="panel">
    <div class="panel-head"><div class="tabs" style="margin:0;border:0">
      <button data-tab="services" class="active">Services</button><button data-tab="customers">Customers</button>
      <button data-tab="plans">Plans</button><button data-tab="routers">Access nodes</button></div>
      <button id="create">New service</button></div>
    ${tabs.map((t) => `<div id="tab-${t}" ${t === 'services' ? '' : 'hidden'}></div>`).join('')}</div>`;
  const $ = (selector) => root.querySelector(selector);
  let current = 'services';
  const labels = { services: 'New service', customers: 'New customer', plans: 'New plan', routers: 'New access node' };

  const run = async (work, success) => {
    try {
      const result = await work();
      if (success) notify(typeof success === 'function' ? success(result) : success, true);
      tables[current].reload();
      return result;
    } catch (error) {
      notify(error.message);
      return null;
    }
  };

  const tables = {
    services: new PagedTable($('#tab-services'), {
      key: 'service_id', search: false, empty: 'No services yet: provision one with “New service”.',
      load: (q) => get('/api/services', { limit: q.limit, offset: q.offset }),
      columns: [
        { label: '#', num: true, key: 'service_id' },
        { label: 'Customer', render: (v) => `<a class="link" href="#/customers/${v.customer_id}">${escape(v.customer_name)}</a>` },
        { label: 'Plan', key: 'plan_name' },
        { label: 'Line', render: (v) => `${escape(v.bng_id)} · ${escape(v.remote_id)} · ${escape(v.circuit_id)}` },
        { label: 'User-Name', render: (v) => `<span class="mono">${escape(v.username)}</span>` },
        { label: 'Status', render: (v) => statusBadge(v.status) },
        { label: 'Live', num: true, render: (v) => v.active_sessions ? badge(`${v.active_sessions} online`, 'good') : '<span class="muted">—</span>' },
      ],
      actions: (v) => `<button class="small ghost edit-service" data-id="${v.service_id}">Edit</button>
        ${v.status === 'ACTIVE' ? `<button class="small ghost status" data-id="${v.service_id}" data-to="SUSPENDED">Suspend</button>`
                                : v.status === 'SUSPENDED' ? `<button class="small ghost status" data-id="${v.service_id}" data-to="ACTIVE">Activate</button>` : ''}
        ${v.status !== 'TERMINATED' ? `<button class="small danger status" data-id="${v.service_id}" data-to="TERMINATED">Terminate</button>` : ''}
        <button class="small ghost delete-service" data-id="${v.service_id}">Delete</button>`,
    }),
    customers: new PagedTable($('#tab-customers'), {
      key: 'customer_id', empty: 'No customers.',
      load: (q) => get('/api/customers', { limit: q.limit, offset: q.offset, search: q.search }),
      columns: [
        { label: '#', num: true, key: 'customer_id' },
        { label: 'Name', render: (c) => `<a class="link" href="#/customers/${c.customer_id}">${escape(c.name)}</a>` },
        { label: 'E-mail', key: 'email' }, { label: 'Phone', key: 'phone' }, { label: 'City', key: 'city' },
        { label: 'Since', render: (c) => escape(time(c.created_at).slice(0, 10)) },
      ],
      actions: (c) => `<button class="small ghost edit-customer" data-id="${c.customer_id}">Edit</button>
        <button class="small ghost delete-customer" data-id="${c.customer_id}">Delete</button>`,
    }),
    plans: new PagedTable($('#tab-plans'), {
      key: 'plan_id', search: false, empty: 'No plans.',
      load: (q) => get('/api/plans', { limit: q.limit, offset: q.offset }),
      columns: [
        { label: 'Name', key: 'name' },
        { label: 'Download', num: true, render: (p) => escape(kbps(p.download_kbps)) },
        { label: 'Upload', num: true, render: (p) => escape(kbps(p.upload_kbps)) },
        { label: 'Bursts ↓/↑ (kbit)', num: true, render: (p) => `${escape(p.download_burst_kbit ?? '—')} / ${escape(p.upload_burst_kbit ?? '—')}` },
        { label: 'Price', num: true, render: (p) => escape(money(p.price_cents)) },
        { label: 'State', render: (p) => p.active ? badge('active', 'good') : badge('retired') },
        { label: 'Services', num: true, render: (p) => number(p.services) },
        { label: 'RADIUS group', render: (p) => `<span class="mono">${escape(p.radius_group)}</span>` },
      ],
      actions: (p) => `<button class="small ghost edit-plan" data-id="${p.plan_id}">Edit</button>
        <button class="small ghost delete-plan" data-id="${p.plan_id}">Delete</button>`,
    }),
    routers: new PagedTable($('#tab-routers'), {
      key: 'router_name', search: false, empty: 'No access nodes.',
      load: (q) => get('/api/routers', { limit: q.limit, offset: q.offset }),
      columns: [
        { label: 'Name', render: (r) => `<span class="mono">${escape(r.router_name)}</span>` },
        { label: 'giaddr', render: (r) => `<span class="mono">${escape(r.giaddr ?? '—')}</span>` },
        { label: 'BNG', render: (r) => escape(r.bng_id ?? '—') },
        { label: 'Ports', num: true, key: 'total_interfaces' },
        { label: 'State', render: (r) => r.is_alive ? badge('online', 'good') : badge('offline', 'bad') },
        { label: 'Subscribers', num: true, render: (r) => number(r.active_subscribers) },
        { label: 'Last seen', render: (r) => escape(time(r.last_seen)) },
      ],
      actions: (r) => `<button class="small ghost edit-router" data-id="${escape(r.router_name)}">Edit</button>
        <button class="small ghost delete-router" data-id="${escape(r.router_name)}">Delete</button>`,
    }),
  };

  root.querySelector('.tabs').addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    current = button.dataset.tab;
    for (const tab of tabs) {
      $(`#tab-${tab}`).hidden = tab !== current;
      root.querySelector(`.tabs [data-tab="${tab}"]`).classList.toggle('active', tab === current);
    }
    $('#create').textContent = labels[current];
    tables[current].reload();
  });

  // Forms.
  const customerFields = (c = {}) => [
    { name: 'name', label: 'Name', value: c.name, required: true }, { name: 'email', label: 'E-mail', type: 'email', value: c.email },
    { name: 'phone', label: 'Phone', value: c.phone }, { name: 'street', label: 'Street', value: c.street },
    { name: 'city', label: 'City', value: c.city }, { name: 'zip_code', label: 'ZIP', value: c.zip_code }, { name: 'state', label: 'State', value: c.state },
  ];
  const planFields = (p = {}) => [
    { name: 'name', label: 'Name', value: p.name, required: true },
    { name: 'download_kbps', label: 'Download (kbit/s)', type: 'number', min: 1, value: p.download_kbps, required: true },
    { name: 'upload_kbps', label: 'Upload (kbit/s)', type: 'number', min: 1, value: p.upload_kbps, required: true },
    { name: 'download_burst_kbit', label: 'Download burst (kbit)', type: 'number', min: 1, value: p.download_burst_kbit },
    { name: 'upload_burst_kbit', label: 'Upload burst (kbit)', type: 'number', min: 1, value: p.upload_burst_kbit },
    { name: 'price_cents', label: 'Price (cents per month)', type: 'number', min: 0, value: p.price_cents ?? 0 },
    { name: 'active', label: 'Open for new services', type: 'checkbox', value: p.active ?? true },
  ];
  const routerFields = (r = {}, creating = true) => [
    ...(creating ? [{ name: 'router_name', label: 'Name (its remote-id)', value: r.router_name, required: true }] : []),
    { name: 'giaddr', label: 'giaddr', value: r.giaddr }, { name: 'bng_id', label: 'BNG', value: r.bng_id },
    { name: 'total_interfaces', label: 'Subscriber ports', type: 'number', min: 0, value: r.total_interfaces ?? 4 },
  ];

  async function serviceForm(existing) {
    const [customers, plans, routers] = await Promise.all([
      get('/api/customers', { limit: 1000 }), get('/api/plans', { limit: 1000 }), get('/api/routers', { limit: 1000 })]);
    const choice = { bng: existing?.bng_id ?? '', router: existing?.remote_id ?? '', circuit: existing?.circuit_id ?? '' };
    const bngs = [...new Set(routers.data.map((r) => r.bng_id).filter(Boolean))].sort();
    const line = {
      name: 'line', type: 'custom',
      render: (element) => {
        element.innerHTML = `<label>BNG<select class="pick-bng"><option value="">— choose —</option>${bngs.map((b) => `<option ${b === choice.bng ? 'selected' : ''}>${escape(b)}</option>`).join('')}</select></label>
          <label>Access node<select class="pick-router"></select></label><label>Port<div class="ports"></div></label>`;
        const routerSelect = element.querySelector('.pick-router');
        const ports = element.querySelector('.ports');
        const showRouters = () => {
          const list = routers.data.filter((r) => r.bng_id === choice.bng);
          routerSelect.innerHTML = `<option value="">— choose —</option>` + list.map((r) => `<option ${r.router_name === choice.router ? 'selected' : ''}>${escape(r.router_name)}</option>`).join('');
        };
        const showPorts = async () => {
          ports.innerHTML = '';
          if (!choice.router) return;
          const reply = await get(`/api/routers/${encodeURIComponent(choice.router)}/available-ports`, existing ? { service_id: existing.service_id } : {});
          ports.innerHTML = reply.data.ports.map((p) => `<button type="button" class="port ${p.available ? 'free' : 'used'} ${p.circuit_id === choice.circuit ? 'chosen' : ''}"
            data-circuit="${escape(p.circuit_id)}" ${p.available ? '' : 'disabled'}>${p.port}</button>`).join('') || '<span class="muted">no subscriber ports</span>';
        };
        element.querySelector('.pick-bng').onchange = (event) => { choice.bng = event.target.value; choice.router = ''; choice.circuit = ''; showRouters(); showPorts(); };
        routerSelect.onchange = (event) => { choice.router = event.target.value; choice.circuit = ''; showPorts(); };
        ports.onclick = (event) => {
          const button = event.target.closest('button.port.free');
          if (!button) return;
          choice.circuit = button.dataset.circuit;
          ports.querySelectorAll('.port').forEach((p) => p.classList.toggle('chosen', p === button));
        };
        showRouters();
        showPorts();
      },
    };
    return form({
      title: existing ? `Service #${existing.service_id}` : 'New service',
      fields: [
        { name: 'customer_id', label: 'Customer', type: 'select', value: existing?.customer_id, required: true,
          options: [{ value: '', label: '— choose —' }, ...customers.data.map((c) => ({ value: c.customer_id, label: c.name }))] },
        line,
        { name: 'plan_id', label: 'Plan', type: 'select', value: existing?.plan_id, required: true,
          options: [{ value: '', label: '— choose —' }, ...plans.data.filter((p) => p.active || p.plan_id === existing?.plan_id).map((p) => ({ value: p.plan_id, label: `${p.name} (${kbps(p.download_kbps)} / ${kbps(p.upload_kbps)})` }))] },
      ],
      submitLabel: existing ? 'Save' : 'Provision',
      submit: async (values) => {
        if (!choice.bng || !choice.router || !choice.circuit) throw new Error('Choose a BNG, an access node and a free port.');
        const body = { customer_id: Number(values.customer_id), plan_id: Number(values.plan_id), bng_id: choice.bng, remote_id: choice.router, circuit_id: choice.circuit };
        const reply = existing ? await api('PUT', `/api/services/${existing.service_id}`, { body }) : await api('POST', '/api/services', { body });
        const pushed = reply.actions?.filter((a) => a.outcome === 'ack').length ?? 0;
        notify(existing ? `Service saved${reply.actions?.length ? `; new rates pushed to ${pushed}/${reply.actions.length} live session(s)` : ''}` : `Service #${reply.data.service_id} provisioned for ${reply.data.username}`, true);
        tables.services.reload();
      },
    });
  }

  async function changeStatus(service, to) {
    let disconnect = false;
    if (service.status === 'ACTIVE' && to !== 'ACTIVE' && service.active_sessions > 0) {
      disconnect = await confirm(`${to === 'TERMINATED' ? 'Terminate' : 'Suspend'} service?`,
        `${service.username} has ${service.active_sessions} live session(s). Send a CoA Disconnect now? Otherwise they stay up until they end.`, 'Disconnect now');
    } else if (to === 'TERMINATED' && !await confirm('Terminate service?', `${service.username} will be refused by RADIUS.`, 'Terminate')) {
      return;
    }
    await run(() => api('PUT', `/api/services/${service.service_id}`, { query: { disconnect: disconnect || undefined }, body: { status: to } }),
              (reply) => `Service #${service.service_id} is ${to}${reply.actions?.length ? `; ${reply.actions.filter((a) => a.outcome === 'ack').length} session(s) disconnected` : ''}`);
  }

  $('#create').addEventListener('click', async () => {
    if (current === 'services') return serviceForm(null).catch((e) => notify(e.message));
    if (current === 'customers') return form({ title: 'New customer', fields: customerFields(), submit: (v) => api('POST', '/api/customers', { body: v }) }).then((v) => v && tables.customers.reload());
    if (current === 'plans') return form({ title: 'New plan', fields: planFields(), submit: (v) => api('POST', '/api/plans', { body: v }) }).then((v) => v && tables.plans.reload());
    return form({ title: 'New access node', fields: routerFields(), submit: (v) => api('POST', '/api/routers', { body: v }) }).then((v) => v && tables.routers.reload());
  });

  root.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-id]');
    if (!button) return;
    const id = button.dataset.id;
    const find = (table) => table.rows.find((row) => String(row[table.key]) === id);
    if (button.classList.contains('status')) return changeStatus(find(tables.services), button.dataset.to);
    if (button.classList.contains('edit-service')) return serviceForm(find(tables.services)).catch((e) => notify(e.message));
    if (button.classList.contains('delete-service') && await confirm('Delete service?', 'Its RADIUS rows go too; history stays.', 'Delete')) {
      return run(() => api('DELETE', `/api/services/${id}`), 'Service deleted');
    }
    if (button.classList.contains('edit-customer')) {
      return form({ title: 'Edit customer', fields: customerFields(find(tables.customers)), submit: (v) => api('PUT', `/api/customers/${id}`, { body: v }) })
        .then((v) => v && tables.customers.reload());
    }
    if (button.classList.contains('delete-customer') && await confirm('Delete customer?', 'Only customers without services can be deleted.', 'Delete')) {
      return run(() => api('DELETE', `/api/customers/${id}`), 'Customer deleted');
    }
    if (button.classList.contains('edit-plan')) {
      return form({ title: 'Edit plan', fields: planFields(find(tables.plans)), submit: async (v) => {
        const reply = await api('PUT', `/api/plans/${id}`, { body: v });
        if (reply.actions.length) notify(`New rates pushed by CoA to ${reply.actions.filter((a) => a.outcome === 'ack').length}/${reply.actions.length} live session(s)`, true);
      } }).then((v) => v && tables.plans.reload());
    }
    if (button.classList.contains('delete-plan') && await confirm('Delete plan?', 'Only plans no service uses can be deleted.', 'Delete')) {
      return run(() => api('DELETE', `/api/plans/${id}`), 'Plan deleted');
    }
    if (button.classList.contains('edit-router')) {
      return form({ title: `Access node ${id}`, fields: routerFields(find(tables.routers), false), submit: (v) => api('PUT', `/api/routers/${encodeURIComponent(id)}`, { body: v }) })
        .then((v) => v && tables.routers.reload());
    }
    if (button.classList.contains('delete-router') && await confirm('Delete access node?', 'Sessions keep running; the node leaves the inventory.', 'Delete')) {
      return run(() => api('DELETE', `/api/routers/${encodeURIComponent(id)}`), 'Access node deleted');
    }
    return undefined;
  });

  tables.services.reload();
  return () => {};
}
