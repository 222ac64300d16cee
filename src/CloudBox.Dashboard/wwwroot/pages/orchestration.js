// Orchestration: Heat stacks (a server-paged list), the launch form (template text or file, then a form of the
// template's parameters from Heat's validate), and a stack's detail: its resources as a dependency graph, events, outputs.
import { api, h, page, table, qs, form, panel, actionButton, badge, alertBox, heatBase, svg as s, svgNs } from '../lib.js';
import { go } from '../app.js';

export async function render(main, parts) {
  if (parts[0] && parts[1]) return detail(main, parts[0], parts[1]);
  const o = heatBase();
  const list = table({
    label: 'Stacks', filterLabel: 'Filter stacks by exact name', filterHint: 'exact name', poll: 3000, sortKey: 'creation_time', sortDir: 'desc',
    columns: [
      { key: 'stack_name', label: 'Name', sort: 'stack_name', render: x => h('a', { href: stackPath(x) }, x.stack_name) },
      { key: 'stack_status', label: 'Status', sort: 'stack_status', render: x => statusBadge(x.stack_status) },
      { key: 'stack_status_reason', label: 'Status reason' },
      { key: 'creation_time', label: 'Created', sort: 'creation_time' },
      { key: 'updated_time', label: 'Updated', sort: 'updated_time', render: x => x.updated_time || '—' },
    ],
    load: stackList(o),
    actions: (x, refresh) => actionButton('Delete', async () => { await api('DELETE', `${o}/stacks/${encodeURIComponent(x.stack_name)}/${x.id}`); refresh(); },
      { danger: true, confirm: `Delete stack ${x.stack_name} and every resource it made?`, label: `Delete ${x.stack_name}` }),
  });
  page(main, 'Orchestration', panel('Launch stack', close => launchForm(o, () => { close(); list.refresh(); })), list);
}

/**
 * One page of stacks, sorted (sort_keys/sort_dir), filtered (name) and paged (limit/marker) by Heat. Heat's list sends
 * no next link, so one more stack than the page is asked for: it says whether a next page exists.
 */
function stackList(o) {
  return async ({ limit, marker, sortKey, sortDir, filter }) => {
    const body = await api('GET', `${o}/stacks${qs({ limit: limit + 1, marker, sort_keys: sortKey, sort_dir: sortDir, name: filter })}`);
    const rows = body.stacks.slice(0, limit);
    return { rows, next: body.stacks.length > limit ? rows.at(-1).id : null, clientSort: false };
  };
}

const stackPath = x => `/ui/orchestration/${encodeURIComponent(x.stack_name)}/${x.id}`;

/** Heat's ACTION_STATUS as a badge: COMPLETE is ok, FAILED bad, IN_PROGRESS busy. */
function statusBadge(status) {
  const kind = /FAILED/.test(status || '') ? 'bad' : /COMPLETE/.test(status || '') ? 'ok' : 'busy';
  return h(`span.badge.${kind}`, status ?? '');
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener('load', () => resolve(String(reader.result)));
    reader.addEventListener('error', () => reject(new Error(`Could not read ${file.name}.`)));
    reader.readAsText(file);
  });
}

/** Step one: a name and the template (text or a file read in the browser); step two: one field per template parameter, then create. */
function launchForm(o, done) {
  const second = h('div');
  const first = form([
    { name: 'name', label: 'Stack name', required: true },
    { name: 'template', label: 'Template (YAML or JSON)', type: 'textarea', rows: 12, help: 'Or choose a file below; a file wins over the text.' },
    { name: 'file', label: 'Template file', type: 'file' },
  ], 'Next: parameters', async v => {
    if (!v.name) throw new Error('Give the stack a name.');
    const template = v.file && v.file.length ? await readFile(v.file[0]) : first.inputs.template.value;
    if (!template.trim()) throw new Error('Paste a template or choose a template file.');
    const validated = await api('POST', `${o}/validate`, { template });
    second.replaceChildren(parametersForm(o, v.name, template, validated, done));
  });
  return h('div', first, second);
}

function parametersForm(o, name, template, validated, done) {
  const params = Object.entries(validated.Parameters || {});
  const fields = params.map(([key, p]) => {
    const label = p.Label && p.Label !== key ? `${p.Label} (${key})` : key;
    const value = p.Default === undefined || p.Default === null ? '' : typeof p.Default === 'object' ? JSON.stringify(p.Default) : String(p.Default);
    const help = [p.Description, `type ${p.Type}`].filter(Boolean).join(' · ');
    if (Array.isArray(p.AllowedValues)) return { name: key, label, type: 'select', options: p.AllowedValues.map(a => [String(a), String(a)]), value, help };
    if (p.NoEcho === 'true' || p.NoEcho === true) return { name: key, label, type: 'password', value: '', help: help + (value ? ' · empty keeps the default' : '') };
    if (p.Type === 'Boolean') return { name: key, label, type: 'select', options: [['true', 'true'], ['false', 'false']], value: value.toLowerCase() || 'false', help };
    if (p.Type === 'Number') return { name: key, label, type: 'number', value, step: 'any', help };
    if (p.Type === 'Json') return { name: key, label, type: 'textarea', value, help };
    return { name: key, label, value, help };
  });
  const intro = h('p.muted', validated.Description ? `${validated.Description} — ` : '', params.length ? `${params.length} parameter${params.length === 1 ? '' : 's'}.` : 'The template has no parameters.');
  return h('div', h('h3', `Parameters of ${name}`), intro, form(fields, 'Launch stack', async v => {
    const parameters = {};
    for (const [key] of params) if (v[key] !== '') parameters[key] = v[key];
    await api('POST', `${o}/stacks`, { stack_name: name, template, parameters });
    done();
  }));
}

async function detail(main, name, id) {
  const o = heatBase();
  const base = `${o}/stacks/${encodeURIComponent(name)}/${id}`;
  const [stack, resources, events] = await Promise.all([
    api('GET', base).then(b => b.stack),
    api('GET', `${base}/resources`).then(b => b.resources),
    api('GET', `${base}/events${qs({ sort_dir: 'desc', limit: 100 })}`).then(b => b.events),
  ]);
  const info = h('dl.info', [
    ['ID', stack.id], ['Status', statusBadge(stack.stack_status)], ['Status reason', stack.stack_status_reason || '—'],
    ['Description', stack.description || '—'], ['Created', stack.creation_time], ['Updated', stack.updated_time || '—'],
  ].map(([k, v]) => [h('dt', k), h('dd', v ?? '')]));
  const outputs = stack.outputs || [];
  const simpleTable = (label, heads, rows, empty) => h('div.table', h('div.scroll', h('table', { 'aria-label': label },
    h('thead', h('tr', heads.map(x => h('th', { scope: 'col' }, x)))),
    h('tbody', rows.length ? rows : h('tr', h('td', { colspan: heads.length }, empty))))));
  const text = v => v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  page(main, `Stack ${stack.stack_name}`,
    h('p', h('a', { href: '/ui/orchestration' }, '← All stacks')),
    h('div.toolbar', actionButton('Delete stack', async () => { await api('DELETE', base); go('/ui/orchestration'); },
      { danger: true, confirm: `Delete stack ${stack.stack_name} and every resource it made?`, label: `Delete stack ${stack.stack_name}` })),
    info,
    h('h2', 'Resources'), graph(resources),
    simpleTable('Resources', ['Name', 'Type', 'Status', 'Physical ID'], resources.map(r => h('tr', { dataset: { id: r.resource_name } },
      h('td', r.resource_name), h('td', r.resource_type), h('td', statusBadge(r.resource_status)), h('td', r.physical_resource_id || '—'))), 'No resources.'),
    h('h2', 'Outputs'),
    simpleTable('Outputs', ['Key', 'Value', 'Description'], outputs.map(x => h('tr', { dataset: { id: x.output_key } },
      h('td', x.output_key), h('td', x.output_error ? h('span.error', x.output_error) : text(x.output_value)), h('td', x.description || ''))), 'No outputs.'),
    h('h2', 'Events'),
    simpleTable('Events', ['Time', 'Resource', 'Status', 'Reason'], events.map(e => h('tr', { dataset: { id: e.id } },
      h('td', e.event_time), h('td', e.resource_name), h('td', statusBadge(e.resource_status)), h('td', e.resource_status_reason || ''))), 'No events.'));
  // While Heat works on the stack, the detail follows it (as the tables poll).
  if (/IN_PROGRESS/.test(stack.stack_status)) {
    const path = location.pathname;
    setTimeout(() => { if (main.isConnected && location.pathname === path) detail(main, name, id).catch(e => main.append(alertBox(e.message))); }, 2000);
  }
}

/**
 * The resources as a layered graph: a resource's layer is its dependency depth (0: needs nothing), an arrow from a
 * resource to each that requires it (Heat's required_by), boxes coloured by status.
 */
function graph(resources) {
  const byName = new Map(resources.map(r => [r.resource_name, r]));
  const requires = new Map(resources.map(r => [r.resource_name, []]));
  for (const r of resources) for (const b of r.required_by || []) if (requires.has(b)) requires.get(b).push(r.resource_name);
  const depth = new Map();
  const visit = (name, seen) => {
    if (depth.has(name)) return depth.get(name);
    if (seen.has(name)) return 0; // a cycle Heat would have refused; do not loop
    seen.add(name);
    const d = Math.max(-1, ...requires.get(name).map(x => visit(x, seen))) + 1;
    seen.delete(name);
    depth.set(name, d);
    return d;
  };
  for (const r of resources) visit(r.resource_name, new Set());
  const layers = [];
  for (const r of [...resources].sort((a, b) => a.resource_name.localeCompare(b.resource_name))) (layers[depth.get(r.resource_name)] ||= []).push(r);
  const boxW = 230, boxH = 46, gapX = 30, gapY = 60, pad = 20;
  const widest = Math.max(1, ...layers.map(l => l.length));
  const width = pad * 2 + widest * boxW + (widest - 1) * gapX;
  const height = pad * 2 + Math.max(1, layers.length) * boxH + Math.max(0, layers.length - 1) * gapY;
  const at = new Map();
  layers.forEach((layer, i) => {
    const offset = (width - (layer.length * boxW + (layer.length - 1) * gapX)) / 2;
    layer.forEach((r, j) => at.set(r.resource_name, { x: offset + j * (boxW + gapX), y: pad + i * (boxH + gapY) }));
  });
  const svg = s('svg', { xmlns: svgNs, viewBox: `0 0 ${width} ${height}`, width, height, class: 'stackgraph' });
  svg.append(s('title', {}, 'Stack resources and their dependencies'));
  const defs = s('defs');
  const marker = s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' });
  marker.append(s('path', { d: 'M 0 0 L 10 5 L 0 10 z' }));
  defs.append(marker);
  svg.append(defs);
  for (const [name, needs] of requires) {
    const to = at.get(name);
    for (const need of needs) {
      const from = at.get(need);
      const x1 = from.x + boxW / 2, y1 = from.y + boxH, x2 = to.x + boxW / 2, y2 = to.y;
      svg.append(s('path', { class: 'edge', d: `M ${x1} ${y1} C ${x1} ${y1 + gapY / 2}, ${x2} ${y2 - gapY / 2}, ${x2} ${y2}`, 'marker-end': 'url(#arrow)', 'data-from': need, 'data-to': name }));
    }
  }
  for (const [name, p] of at) {
    const r = byName.get(name);
    const kind = /FAILED/.test(r.resource_status) ? 'bad' : /COMPLETE/.test(r.resource_status) ? 'ok' : 'busy';
    const g = s('g', { class: `resource ${kind}`, 'data-name': name, 'data-status': r.resource_status });
    g.append(s('title', {}, `${name} (${r.resource_type}): ${r.resource_status}${r.physical_resource_id ? `, ${r.physical_resource_id}` : ''}`));
    g.append(s('rect', { x: p.x, y: p.y, width: boxW, height: boxH, rx: 6 }),
      s('text', { x: p.x + 8, y: p.y + 18, class: 'name' }, clip(name, 32)),
      s('text', { x: p.x + 8, y: p.y + 36, class: 'type' }, clip(`${r.resource_type} · ${r.resource_status}`, 34)));
    svg.append(g);
  }
  return h('div.topology', { role: 'img', 'aria-label': `Stack resources: ${resources.length}` }, resources.length ? svg : h('p.muted', 'No resources.'));
}

const clip = (t, n) => t.length > n ? `${t.slice(0, n - 1)}…` : t;

export { go };
