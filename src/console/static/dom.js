// DOM and formatting helpers. Every piece of data reaches the page as text nodes or attribute
// values, never as HTML, so nothing an API answer contains can run as script.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Builds an element: h('a', { href: '#/x', class: 'y', onclick: fn }, 'text', child, [more]).
 * Attributes starting with `on` become listeners; `null`/`undefined`/`false` children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** Like `h` for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A status badge. */
export function badge(status) {
  return h('span', { class: `badge ${status}`, 'data-status': status }, String(status).replace(/_/g, ' '));
}

/** `2026-01-01 12:00:03` in local time (ms precision dropped). */
export function fmtTime(ms) {
  if (ms === null || ms === undefined) return '—';
  const d = new Date(ms);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A duration: `850 ms`, `12.4 s`, `3 min 05 s`, `2 h 04 min`. */
export function fmtDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')} s`;
  return `${Math.floor(ms / 3_600_000)} h ${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, '0')} min`;
}

/** `+12.345 s` relative offset. */
export function fmtOffset(ms) {
  const sign = ms < 0 ? '−' : '+';
  const a = Math.abs(ms);
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(3)} s`;
  return `${sign}${Math.floor(a / 60_000)}:${((a % 60_000) / 1000).toFixed(3).padStart(6, '0')}`;
}

/** Compact JSON for small values, `…` past `max` characters. */
export function short(value, max = 160) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A collapsible pretty-printed JSON block. */
export function jsonBlock(title, value, open = false) {
  return h('details', { open }, h('summary', {}, title), h('pre', { class: 'json' }, JSON.stringify(value, null, 2)));
}

/** A definition list from [label, value] pairs (pairs with an undefined value are skipped). */
export function kv(pairs) {
  const dl = h('dl', { class: 'kv' });
  for (const [k, v] of pairs) {
    if (v === undefined) continue;
    dl.append(h('dt', {}, k), h('dd', {}, v));
  }
  return dl;
}

let toastTimer;
/** A short message in the corner; `bad` for errors. */
export function toast(text, bad = false) {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = text;
  el.className = bad ? 'bad' : '';
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, bad ? 8000 : 3500);
}
