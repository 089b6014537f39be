import { Feed, token } from './api.js';
import { mountDashboard } from './dashboard.js';
import { mountProvisioning } from './provisioning.js';
import { mountCustomer } from './customer.js';
import { mountLab } from './lab.js';

const feed = new Feed();
const live = document.getElementById('live');
feed.onState = (open) => {
  live.className = `live ${open ? 'on' : 'off'}`;
  live.textContent = open ? '● live' : '○ reconnecting';
};

const notice = document.getElementById('notice');
let noticeTimer = null;
/** Shows a message above the page for a few seconds. */
export function notify(text, ok = false) {
  notice.textContent = text;
  notice.className = `notice ${ok ? 'ok' : ''}`;
  notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { notice.hidden = true; }, ok ? 4000 : 8000);
}

// The token is typed by the operator and kept for this tab only; pages never embed it.
const tokenState = document.getElementById('token-state');
const tokenInput = document.getElementById('token-input');
const tokenClear = document.getElementById('token-clear');
function showToken() {
  const unlocked = Boolean(token.get());
  tokenState.textContent = unlocked ? 'changes enabled' : 'read-only';
  tokenState.className = `badge ${unlocked ? 'good' : 'muted'}`;
  tokenInput.hidden = unlocked;
  document.querySelector('#token-form button[type=submit]').hidden = unlocked;
  tokenClear.hidden = !unlocked;
  document.body.classList.toggle('unlocked', unlocked);
}
document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (tokenInput.value.trim()) token.set(tokenInput.value.trim());
  tokenInput.value = '';
  showToken();
});
tokenClear.addEventListener('click', () => { token.clear(); showToken(); });
showToken();

const pages = {
  dashboard: { title: 'Dashboard', mount: mountDashboard },
  provisioning: { title: 'Provisioning', mount: mountProvisioning },
  customers: { title: 'Customer', mount: mountCustomer },
  lab: { title: 'Lab', mount: mountLab },
};
let unmount = null;

function route() {
  const [name, id] = location.hash.replace(/^#\/?/, '').split('/');
  const page = pages[name] ?? pages.dashboard;
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === (name in pages ? name : 'dashboard') || (name === 'customers' && a.dataset.page === 'provisioning')));
  document.getElementById('title').textContent = page.title;
  unmount?.();
  const root = document.getElementById('page');
  root.innerHTML = '';
  unmount = page.mount(root, { feed, notify, id, setTitle: (t) => { document.getElementById('title').textContent = t; } });
}
window.addEventListener('hashchange', route);
route();
feed.connect();
