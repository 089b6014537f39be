// The API client: JSON over fetch, the operator's token (typed in, kept in sessionStorage,
// never part of a served page), and the change feed over Server-Sent Events.
const TOKEN_KEY = 'aether.api.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class APIError extends Error {
  constructor(status, code, reason) {
    super(reason);
    this.status = status;
    this.code = code;
  }
}

/** Calls the API; resolves to the parsed body (null for 204), rejects with an APIError. */
export async function api(method, path, { query, body } = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && token.get()) headers.Authorization = `Bearer ${token.get()}`;
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    const error = json?.error;
    throw new APIError(response.status, error?.code ?? 'http_error', error?.reason ?? `${response.status} ${response.statusText}`);
  }
  return json;
}

export const get = (path, query) => api('GET', path, { query });

/**
 * The API's change feed. One EventSource per page; `watch(ids)` names the sessions whose counter
 * updates this viewer wants (the rows on screen) and reconnects, resuming from the last event id.
 */
export class Feed {
  constructor() {
    this.handlers = new Map();
    this.watched = [];
    this.lastId = null;
    this.source = null;
    this.onState = () => {};
  }

  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(handler);
    return () => this.handlers.get(event)?.delete(handler);
  }

  watch(ids) {
    const next = [...ids].sort();
    if (this.source && next.join(',') === this.watched.join(',')) return;
    this.watched = next;
    this.connect();
  }

  connect() {
    this.source?.close();
    const url = new URL('/api/stream', location.origin);
    if (this.watched.length) url.searchParams.set('watch', this.watched.join(','));
    if (this.lastId) url.searchParams.set('last_event_id', this.lastId);
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => this.onState(true);
    source.onerror = () => this.onState(source.readyState === EventSource.OPEN);
    for (const event of ['stats', 'bngs', 'routers', 'sessions', 'reset']) {
      source.addEventListener(event, (message) => {
        if (message.lastEventId) this.lastId = message.lastEventId;
        let data = null;
        try { data = JSON.parse(message.data); } catch { return; }
        for (const handler of this.handlers.get(event) ?? []) handler(data);
      });
    }
  }
}
