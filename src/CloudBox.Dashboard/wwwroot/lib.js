// The dashboard's small shared library: API calls (same origin, CSRF header on state changes), a DOM builder,
// server-paged sortable tables, labelled forms, confirmation, upload progress.

export const session = { info: null };

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The dashboard session (user, project, CSRF token); null when logged out. */
export async function loadSession() {
  const response = await fetch('/dashboard/session', { credentials: 'same-origin' });
  if (response.status === 401) return null;
  session.info = await response.json();
  return session.info;
}

export function toLogin(expired) {
  location.assign('/dashboard/login' + (expired ? '?expired=1' : ''));
}

/** Calls a CloudBox API. Returns parsed JSON (or null for an empty body); throws ApiError with the service's message. */
export async function api(method, url, body, options = {}) {
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  if (unsafe.has(method)) headers['X-CSRF-Token'] = session.info?.csrf ?? '';
  let payload = body;
  if (body !== undefined && body !== null && !(body instanceof Blob) && !(body instanceof FormData) && typeof body !== 'string') {
    headers['Content-Type'] = headers['Content-Type'] || 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
  if (response.status === 401 && !options.allow401) { toLogin(true); throw new ApiError(401, 'Your session has expired.'); }
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, errorMessage(text, response));
  if (options.raw) return { response, text };
  if (!text) return null;
  try { return JSON.parse(text); } catch { return text; }
}

/** The human message inside any OpenStack fault body (Nova's named faults, Keystone's error, Neutron's, Swift's text). */
export function errorMessage(text, response) {
  try {
    const body = JSON.parse(text);
    const find = (o, depth) => {
      if (!o || typeof o !== 'object' || depth > 3) return null;
      if (typeof o.message === 'string') return o.message;
      if (typeof o.detail === 'string') return o.detail;
      for (const v of Object.values(o)) { const m = find(v, depth + 1); if (m) return m; }
      return null;
    };
    const m = find(body, 0);
    if (m) return m;
  } catch { /* not JSON */ }
  const plain = (text || '').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain ? plain.slice(0, 400) : `${response.status} ${response.statusText}`;
}

/** h('tag.class', {attr: value, onclick: fn}, ...children): builds an element; strings become text (never HTML). */
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) { children.unshift(attrs); attrs = null; }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export const svgNs = 'http://www.w3.org/2000/svg';

/** svg('tag', {attr: value}, text): an SVG element; attributes are set as given and the text is text (never markup). */
export function svg(tag, attrs, text) {
  const el = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** The page skeleton: one h1, an optional toolbar, then the content. */
export function page(main, title, ...content) {
  main.replaceChildren(h('h1', title), ...content);
  document.title = `${title} · CloudBox`;
}

export function alertBox(message) { return h('p.error', { role: 'alert' }, message); }

let fieldCounter = 0;

/**
 * A labelled form. fields: [{name, label, type: text|number|password|select|textarea|checkbox|file|multiselect, options: [[value, text]], value, required, help}].
 * onSubmit(values, form) may throw; its message is shown next to the submit button.
 */
export function form(fields, submitText, onSubmit, options = {}) {
  const el = h('form.form', { novalidate: options.novalidate });
  const inputs = {};
  for (const f of fields) {
    const id = `f${++fieldCounter}-${f.name}`;
    let input;
    if (f.type === 'select' || f.type === 'multiselect') {
      input = h('select', { id, name: f.name, required: f.required, multiple: f.type === 'multiselect' },
        (f.options || []).map(([v, t]) => h('option', { value: v, selected: Array.isArray(f.value) ? f.value.includes(v) : v === f.value }, t)));
    } else if (f.type === 'textarea') {
      input = h('textarea', { id, name: f.name, required: f.required, rows: f.rows || 4 }, f.value || '');
    } else if (f.type === 'checkbox') {
      input = h('input', { id, name: f.name, type: 'checkbox', checked: !!f.value });
    } else {
      input = h('input', { id, name: f.name, type: f.type || 'text', value: f.value, required: f.required, min: f.min, max: f.max, step: f.step, placeholder: f.placeholder, autocomplete: 'off' });
    }
    inputs[f.name] = input;
    const label = h('label', { for: id }, f.label);
    if (f.type === 'checkbox') el.append(h('div.check', input, label));
    else el.append(label, input);
    if (f.help) el.append(h('small.muted', f.help));
  }
  const error = h('p.error', { role: 'alert', hidden: true });
  const button = h('button.primary', { type: 'submit' }, submitText);
  el.append(h('div.actions', button), error);
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    const values = {};
    for (const [name, input] of Object.entries(inputs)) {
      if (input.type === 'checkbox') values[name] = input.checked;
      else if (input.type === 'file') values[name] = input.files;
      else if (input.multiple) values[name] = [...input.selectedOptions].map(o => o.value);
      else values[name] = input.value.trim();
    }
    button.disabled = true;
    try { await onSubmit(values, el); }
    catch (e) { error.textContent = e.message || String(e); error.hidden = false; }
    finally { button.disabled = false; }
  });
  el.inputs = inputs;
  return el;
}

/** A titled section that opens a form on demand (keeps pages short). */
export function panel(title, build) {
  const body = h('div.panel-body');
  const details = h('details.panel', h('summary', title), body);
  details.addEventListener('toggle', () => { if (details.open && !body.firstChild) body.append(build(() => { details.open = false; })); });
  return details;
}

/** Asks before a destructive action; resolves true to go ahead. */
export function confirmAction(text, okText = 'Delete') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okText;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise(resolve => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

/** A button whose action's error is shown right after it. */
export function actionButton(text, action, options = {}) {
  const error = h('span.error', { role: 'alert', hidden: true });
  const button = h(options.danger ? 'button.danger' : 'button', {
    type: 'button', 'aria-label': options.label,
    onclick: async () => {
      error.hidden = true;
      if (options.confirm && !(await confirmAction(options.confirm, text))) return;
      button.disabled = true;
      try { await action(); }
      catch (e) { error.textContent = e.message; error.hidden = false; }
      finally { button.disabled = false; }
    },
  }, text);
  return h('span.action', button, error);
}

/**
 * A server-paged, sortable, filterable table that refreshes itself.
 * load({limit, marker, sortKey, sortDir, filter}) => {rows, next?: marker|null}
 * columns: [{key, label, render?(row), sort?: apiSortKey | true}]
 */
export function table(options) {
  const limit = options.limit || 25;
  const state = { markers: [null], index: 0, sortKey: options.sortKey || null, sortDir: options.sortDir || 'asc', filter: '', next: null, rows: [] };
  const filterId = `f${++fieldCounter}-filter`;
  const filter = h('input', { id: filterId, type: 'search', placeholder: options.filterHint || 'name' });
  const status = h('span.muted', { 'aria-live': 'polite' });
  const error = h('p.error', { role: 'alert', hidden: true });
  const prev = h('button', { type: 'button', onclick: () => { if (state.index > 0) { state.index--; refresh(); } } }, 'Previous page');
  const next = h('button', { type: 'button', onclick: () => { if (state.next) { state.markers[state.index + 1] = state.next; state.index++; refresh(); } } }, 'Next page');
  const thead = h('thead');
  const tbody = h('tbody');
  const el = h('div.table',
    h('div.toolbar', h('label', { for: filterId }, options.filterLabel || 'Filter'), filter, status),
    error,
    h('div.scroll', h('table', { 'aria-label': options.label || 'List' }, thead, tbody)),
    h('div.pager', prev, next));
  let timer = null;
  filter.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { state.filter = filter.value.trim(); state.index = 0; state.markers = [null]; refresh(); }, 300); });

  function header() {
    thead.replaceChildren(h('tr', options.columns.map(c => {
      if (!c.sort) return h('th', { scope: 'col' }, c.label);
      const key = c.sort === true ? c.key : c.sort;
      const active = state.sortKey === key;
      return h('th', { scope: 'col', 'aria-sort': active ? (state.sortDir === 'asc' ? 'ascending' : 'descending') : 'none' },
        h('button.link', { type: 'button', onclick: () => { state.sortDir = active && state.sortDir === 'asc' ? 'desc' : 'asc'; state.sortKey = key; state.index = 0; state.markers = [null]; refresh(); } },
          c.label, active ? (state.sortDir === 'asc' ? ' ▲' : ' ▼') : ''));
    }), options.actions ? h('th', { scope: 'col' }, 'Actions') : null));
  }

  let inflight = 0;
  async function refresh() {
    const mine = ++inflight;
    header();
    try {
      const result = await options.load({ limit, marker: state.markers[state.index], sortKey: state.sortKey, sortDir: state.sortDir, filter: state.filter });
      if (mine !== inflight) return;
      let rows = result.rows;
      if (result.clientSort !== false && state.sortKey) {
        const col = options.columns.find(c => (c.sort === true ? c.key : c.sort) === state.sortKey);
        const val = r => { const v = col && col.value ? col.value(r) : r[col ? col.key : state.sortKey]; return v === null || v === undefined ? '' : v; };
        rows = [...rows].sort((a, b) => { const x = val(a), y = val(b); const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)); return state.sortDir === 'asc' ? c : -c; });
      }
      state.rows = rows;
      state.next = result.next || null;
      error.hidden = true;
      tbody.replaceChildren(...(rows.length ? rows.map(r => h('tr', { dataset: { id: r.id ?? r.name ?? '' } },
        options.columns.map(c => h('td', { dataset: { col: c.key } }, c.render ? c.render(r) : (r[c.key] ?? ''))),
        options.actions ? h('td.actions', options.actions(r, refresh)) : null))
        : [h('tr', h('td', { colspan: options.columns.length + (options.actions ? 1 : 0) }, options.empty || 'Nothing here yet.'))]));
      prev.disabled = state.index === 0;
      next.disabled = !state.next;
      status.textContent = `${rows.length} shown` + (state.index > 0 ? `, page ${state.index + 1}` : '');
    } catch (e) {
      if (mine !== inflight) return;
      error.textContent = e.message; error.hidden = false;
    }
  }
  el.refresh = refresh;
  refresh();
  if (options.poll) {
    const interval = setInterval(() => { if (!el.isConnected) clearInterval(interval); else if (!document.hidden) refresh(); }, options.poll);
  }
  return el;
}

/**
 * The marker of the next page in an OpenStack list body: the `next` link in `<key>_links` (Nova, Neutron, Cinder)
 * or Glance's `next`; null on the last page.
 */
export function nextMarker(body, key) {
  const href = (body[`${key}_links`] || []).find(l => l.rel === 'next')?.href ?? body.next;
  return href ? new URL(href, location.href).searchParams.get('marker') : null;
}

/**
 * A table loader for an OpenStack list API: one page, sorted, filtered and paged by the service, the next page
 * from the service's own next link. url: a string or a function returning one; key: the body's collection;
 * sort: 'keys' (sort_key/sort_dir: Nova, Neutron, Glance) or 'cinder' (sort=key:dir); filter: the query
 * parameter the filter box fills (null: none); query: fixed parameters; headers: extra request headers.
 */
export function serverList(url, key, { sort = 'keys', filter = 'name', query = {}, headers } = {}) {
  return async ({ limit, marker, sortKey, sortDir, filter: text }) => {
    const params = { ...query, limit, marker };
    if (sortKey && sort === 'cinder') params.sort = `${sortKey}:${sortDir}`;
    else if (sortKey) { params.sort_key = sortKey; params.sort_dir = sortDir; }
    if (filter && text) params[filter] = text;
    const body = await api('GET', `${typeof url === 'function' ? url() : url}${qs(params)}`, undefined, headers ? { headers } : undefined);
    return { rows: body[key], next: nextMarker(body, key), clientSort: false };
  };
}

/**
 * A table loader for a Swift listing (account or container): limit/marker/prefix, name order (reverse=true for
 * descending). Swift sends no next link, so one more entry than the page is asked for: it says whether a next page exists.
 * id(entry) names an entry (its marker); params: fixed parameters (delimiter); prefix(filter) builds the prefix.
 */
export function swiftList(url, id, { params = {}, prefix = text => text } = {}) {
  return async ({ limit, marker, sortDir, filter }) => {
    const rows = await api('GET', `${url}${qs({ format: 'json', ...params, limit: limit + 1, marker, prefix: prefix(filter || ''), reverse: sortDir === 'desc' ? 'true' : '' })}`) || [];
    const page = rows.slice(0, limit);
    return { rows: page.map(r => ({ id: id(r), ...r })), next: rows.length > limit ? id(page.at(-1)) : null, clientSort: false };
  };
}

/** Uploads a body with XMLHttpRequest so the page can show progress; resolves with the XHR. */
export function upload(method, url, body, headers, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader('X-CSRF-Token', session.info?.csrf ?? '');
    for (const [k, v] of Object.entries(headers || {})) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener('progress', e => { if (e.lengthComputable) onProgress(e.loaded, e.total); });
    xhr.addEventListener('load', () => xhr.status >= 200 && xhr.status < 300 ? resolve(xhr) : reject(new ApiError(xhr.status, errorMessage(xhr.responseText, { status: xhr.status, statusText: xhr.statusText }))));
    xhr.addEventListener('error', () => reject(new ApiError(0, 'The upload failed (connection lost).')));
    xhr.send(body);
  });
}

/** A labelled progress bar with a text readout. */
export function progressBar(label) {
  const id = `f${++fieldCounter}-progress`;
  const bar = h('progress', { id, max: 100, value: 0 });
  const text = h('span.muted', { 'aria-live': 'polite' }, '0%');
  const el = h('div.progress', h('label', { for: id }, label), bar, text);
  el.set = (loaded, total) => { const p = total ? Math.floor(loaded * 100 / total) : 0; bar.value = p; text.textContent = `${p}% (${bytes(loaded)} of ${bytes(total)})`; };
  el.done = (message) => { bar.value = 100; text.textContent = message || 'Done'; };
  return el;
}

export function bytes(n) {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0; let v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function badge(text) {
  const t = String(text ?? '').toLowerCase();
  const kind = /active|available|in-use|running|up|true/.test(t) ? 'ok' : /error|fail|down/.test(t) ? 'bad' : 'busy';
  return h(`span.badge.${kind}`, text ?? '');
}

/** A query string from an object, skipping empty values. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const compute = '/compute/v2.1';
export const network = '/network/v2.0';
export const image = '/image/v2';
export const volumeBase = () => `/volume/v3/${session.info.project_id}`;
export const objectBase = () => `/object-store/v1/AUTH_${session.info.project_id}`;
export const heatBase = () => `/orchestration/v1/${session.info.project_id}`;
export const databaseBase = () => `/database/v1.0/${session.info.project_id}`;
export const novaVersion = { 'OpenStack-API-Version': 'compute 2.37', 'X-OpenStack-Nova-API-Version': '2.37' };

/** Options for a select from a list call. */
export async function choices(url, key, text = x => x.name || x.id, filter = () => true) {
  const body = await api('GET', url);
  return (body[key] || []).filter(filter).map(x => [x.id, text(x)]);
}

/** A bar showing used of total (quota charts), as SVG-free CSS. */
export function meter(label, used, total, format = v => v) {
  const unlimited = total === -1 || total === null || total === undefined;
  const pct = unlimited ? 0 : total === 0 ? 100 : Math.min(100, Math.round(used * 100 / total));
  const id = `f${++fieldCounter}-meter`;
  return h('div.meter', h('label', { for: id }, label), h('meter', { id, min: 0, max: unlimited ? 1 : total || 1, value: unlimited ? 0 : used, high: unlimited ? undefined : total * 0.8 }),
    h('span.muted', unlimited ? `${format(used)} used (no limit)` : `${format(used)} of ${format(total)} (${pct}%)`));
}
