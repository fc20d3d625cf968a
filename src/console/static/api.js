// The xcflow HTTP API as the console calls it: same origin, paths relative to the console
// (`../v1/…`), so it works at `/console/` locally and under FC's `/2016-08-15/proxy/…/api/console/`.
// The bearer token lives in sessionStorage: gone when the tab closes, never sent to other origins.

const TOKEN_KEY = 'xcflow.token';
const API = new URL('../', document.baseURI);

/** An API refusal or failure, with the API's error code and the HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Calls the API. `path` is relative to the API root (`v1/executions`). Resolves with the parsed
 * JSON body; rejects with an ApiError for any status ≥ 400.
 */
export async function call(method, path, body, token = getToken()) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(new URL(path, API), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, 'NetworkError', `the API did not answer: ${err.message}`);
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const e = json && json.error ? json.error : {};
    throw new ApiError(res.status, e.code ?? `HTTP${res.status}`, e.message ?? (text || res.statusText), e.field);
  }
  return json;
}

/** The console's own files and local extras (`config.json`, `local/probes`), relative to the console. */
export async function local(path) {
  const res = await fetch(new URL(path, document.baseURI), { cache: 'no-store' });
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const e = json && json.error ? json.error : {};
    throw new ApiError(res.status, e.code ?? `HTTP${res.status}`, e.message ?? res.statusText);
  }
  return json;
}

export const api = {
  me: (token) => call('GET', 'v1/me', undefined, token),
  procedures: () => call('GET', 'v1/procedures'),
  executions: (query) => call('GET', `v1/executions${query ? `?${new URLSearchParams(query)}` : ''}`),
  execution: (id) => call('GET', `v1/executions/${encodeURIComponent(id)}`),
  async journal(id) {
    // Every page: the timeline needs the whole journal.
    const items = [];
    let cursor = null;
    for (let i = 0; i < 100; i++) {
      const q = new URLSearchParams({ limit: '200' });
      if (cursor) q.set('cursor', cursor);
      const page = await call('GET', `v1/executions/${encodeURIComponent(id)}/journal?${q}`);
      items.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    return items;
  },
  decide: (id, action, body) => call('POST', `v1/executions/${encodeURIComponent(id)}/${action}`, body),
  plan: (procedureId, params) => call('POST', 'v1/plans', { procedureId, params }),
  start: (procedureId, params, idempotencyKey) => call('POST', 'v1/executions', { procedureId, params, ...(idempotencyKey ? { idempotencyKey } : {}) }),
};
