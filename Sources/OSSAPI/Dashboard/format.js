// Formatting shared by every page. Every value that reaches innerHTML goes through escape().
export function escape(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export function bytes(value) {
  const n = Number(value ?? 0);
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let index = 0, scaled = n;
  while (Math.abs(scaled) >= 1000 && index < units.length - 1) { scaled /= 1000; index += 1; }
  return `${scaled.toFixed(index === 0 ? 0 : scaled < 10 ? 2 : 1)} ${units[index]}`;
}

export function bps(value) {
  const n = Number(value ?? 0);
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
  let index = 0, scaled = n;
  while (Math.abs(scaled) >= 1000 && index < units.length - 1) { scaled /= 1000; index += 1; }
  return `${scaled.toFixed(index === 0 ? 0 : scaled < 10 ? 2 : 1)} ${units[index]}`;
}

export function kbps(value) {
  return value == null ? '—' : bps(Number(value) * 1000);
}

export function number(value) {
  return Number(value ?? 0).toLocaleString('en-US');
}

export function time(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

export function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds ?? 0)));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export function since(iso) {
  return iso ? duration((Date.now() - new Date(iso).getTime()) / 1000) : '—';
}

export function money(cents) {
  return `$${(Number(cents ?? 0) / 100).toFixed(2)}`;
}

export function badge(text, kind) {
  return `<span class="badge ${kind ?? ''}">${escape(text)}</span>`;
}

export function statusBadge(status) {
  const kinds = { ACTIVE: 'good', AUTHORIZED: 'good', online: 'good', SUSPENDED: 'warn', PENDING_AUTH: 'warn', recent: 'info', new: 'info',
                  TERMINATED: 'bad', REJECTED: 'bad', offline: '', IDLE: 'info' };
  return badge(status, kinds[status] ?? '');
}

/** Calls fn at most once per `ms`, the last call winning. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}
