// Telemetry for the pages: whether the catalog has Gnocchi (metric) and Aodh (alarming), rates of the collector's
// cumulative counters read through Gnocchi's aggregates API, and the Monitoring block (CPU, disk, network charts over a
// chosen window, refreshing itself) shared by an instance's detail and the project's Monitoring page.
import { api, h, alertBox, bytes, ApiError } from './lib.js';
import { lineChart, binaryCeiling } from './chart.js';

export const metricBase = '/metric/v1';
export const alarmBase = '/alarming/v2';

let catalogTypes = null;

/** The service types in the caller's catalog (once per page load): a Set such as {'compute', 'metric', 'alarming'}. */
export async function catalog() {
  if (!catalogTypes) {
    const body = await api('GET', '/identity/v3/auth/catalog');
    catalogTypes = new Set((body.catalog || []).map(x => x.type));
  }
  return catalogTypes;
}

/** A message when the catalog lacks a service type, else null. */
export async function missing(type, what) {
  return (await catalog()).has(type) ? null
    : h('p.notice', { role: 'status' }, `${what} is not available: the catalog has no "${type}" service (Telemetry is not enabled in this cloud).`);
}

export const windows = [['1h', '1 hour', 3600], ['6h', '6 hours', 21600], ['1d', '1 day', 86400], ['7d', '7 days', 604800]];

/** Seconds from Python's str(timedelta) as Gnocchi writes granularities: "0:01:00", "1 day, 0:00:00", or a number. */
export function spanSeconds(text) {
  if (typeof text === 'number') return text;
  const m = /^(?:(\d+) days?, )?(\d+):(\d\d):(\d\d(?:\.\d+)?)$/.exec(String(text).trim());
  if (!m) return Number(text);
  return (Number(m[1] || 0) * 86400) + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/** The archive policy's [granularity, timespan] pairs in seconds, finest first, for a metric id. */
async function policyOf(metricId) {
  const metric = await api('GET', `${metricBase}/metric/${metricId}`);
  return (metric.archive_policy?.definition || []).map(d => [spanSeconds(d.granularity), spanSeconds(d.timespan)]).sort((a, b) => a[0] - b[0]);
}

/** For a window: the finest granularity kept that long with at most 1,500 points (the coarsest kept otherwise). */
export function chartGranularity(definition, window) {
  const kept = definition.filter(([, timespan]) => timespan >= window);
  const candidates = kept.length ? kept : definition.slice(-1);
  return (candidates.find(([g]) => window / g <= 1500) || candidates.at(-1))[0];
}

/** For a per-instance summary over a window: the coarsest granularity kept that long that still gives two points. */
export function summaryGranularity(definition, window) {
  const kept = definition.filter(([g, timespan]) => timespan >= window && window / g >= 2);
  return kept.length ? kept.at(-1)[0] : chartGranularity(definition, window);
}

const aggregatesUrl = (start, granularity) => `${metricBase}/aggregates?start=${encodeURIComponent(new Date(start).toISOString())}&granularity=${granularity}`;

/**
 * A counter's rate per second, summed over the resources a search finds: Gnocchi's (aggregate sum (rateofchange
 * (metric NAME mean))), the difference of each resource's means from one period to the next, over the granularity.
 * A counter that went back (a restarted VM) counts as 0. Returns [[timeMs, perSecond]], or null when no resource
 * has that metric.
 */
export async function summedRate(resourceType, search, metric, start, granularity) {
  try {
    const body = await api('POST', aggregatesUrl(start, granularity), { resource_type: resourceType, search, operations: `(aggregate sum (rateofchange (metric ${metric} mean)))` });
    return (body.measures?.aggregated || []).map(([t, g, v]) => [Date.parse(t), Math.max(0, v) / (g || granularity)]);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/** Each resource's mean rate per second over the window: Map resource id → rate (resources without the metric are absent). */
export async function ratePerResource(resourceType, search, metric, start, granularity) {
  let body;
  try {
    body = await api('POST', aggregatesUrl(start, granularity), { resource_type: resourceType, search, operations: `(rateofchange (metric ${metric} mean))` });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return new Map();
    throw e;
  }
  const rates = new Map();
  for (const [id, metrics] of Object.entries(body.measures || {})) {
    const points = metrics?.[metric]?.mean || [];
    if (points.length) rates.set(id, points.reduce((sum, [, g, v]) => sum + Math.max(0, v) / (g || granularity), 0) / points.length);
  }
  return rates;
}

/**
 * Each group's mean rate per second over the window, the resources grouped by an attribute (Gnocchi's groupby, e.g.
 * project_id) and summed within a group: Map group value → rate. Every resource the caller sees is included.
 */
export async function ratePerGroup(resourceType, attribute, metric, start, granularity) {
  let groups;
  try {
    groups = await api('POST', `${aggregatesUrl(start, granularity)}&groupby=${encodeURIComponent(attribute)}`, { resource_type: resourceType, operations: `(aggregate sum (rateofchange (metric ${metric} mean)))` });
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return new Map();
    throw e;
  }
  const rates = new Map();
  for (const group of groups || []) {
    const points = group.measures?.measures?.aggregated || [];
    if (points.length) rates.set(group.group[attribute], points.reduce((sum, [, g, v]) => sum + Math.max(0, v) / (g || granularity), 0) / points.length);
  }
  return rates;
}

/** Resources of a type matching a search (Gnocchi's search API), at most `limit`. */
export async function searchResources(resourceType, filter, limit = 500) {
  return await api('POST', `${metricBase}/search/resource/${resourceType}?limit=${limit}`, filter);
}

export const percent = v => `${Number(v.toFixed(1))} %`;
export const perSecond = v => `${bytes(v)}/s`;

/**
 * The Monitoring block. scope: { kind: 'instance', id, vcpus } or { kind: 'project', projectId }; extra(holder, context)
 * may draw more (the project's lists; context.current() is false once a newer refresh has started). Charts: CPU %, disk read/write and network in/out in bytes per second.
 */
export function monitor(scope, extra) {
  const id = `mon-window-${Math.random().toString(36).slice(2, 8)}`;
  const select = h('select', { id }, windows.map(([value, text]) => h('option', { value }, text)));
  const status = h('span.muted', { 'aria-live': 'polite' });
  const charts = h('div.charts');
  const more = h('div');
  const el = h('section.monitoring', { 'aria-label': 'Monitoring' },
    h('div.toolbar', h('label', { for: id }, 'Window'), select, status), charts, more);
  // A timer tick skips while a refresh runs; a new window starts one at once, and only the newest may draw.
  let busy = false;
  let generation = 0;
  async function refresh(tick) {
    if (busy && tick) return;
    busy = true;
    const mine = ++generation;
    const current = () => mine === generation;
    try {
      const notice = await missing('metric', 'Monitoring');
      if (!current()) return;
      if (notice) { charts.replaceChildren(notice); return; }
      const window = windows.find(w => w[0] === select.value)[2];
      const end = Date.now();
      const start = end - window * 1000;
      const context = await prepare(scope);
      if (!current()) return;
      if (!context) {
        charts.replaceChildren(h('p.notice', { role: 'status' }, scope.kind === 'instance'
          ? 'No measures yet: Telemetry has not recorded this instance (it is measured every few seconds while it runs).'
          : 'No measures yet: Telemetry has not recorded any instance of this project.'));
        more.replaceChildren();
        return;
      }
      const g = chartGranularity(context.definition, window);
      const read = (type, metric) => summedRate(type, context.search[type], metric, start, g);
      const [cpu, diskRead, diskWrite, netIn, netOut] = await Promise.all([
        read('instance', 'cpu'),
        read('instance_disk', 'disk.device.read.bytes'), read('instance_disk', 'disk.device.write.bytes'),
        read('instance_network_interface', 'network.incoming.bytes'), read('instance_network_interface', 'network.outgoing.bytes'),
      ]);
      if (!current()) return;
      const cores = scope.kind === 'instance' ? Math.max(1, scope.vcpus || 1) : 1;
      const cpuTitle = scope.kind === 'instance' ? `CPU (% of ${cores} vCPU${cores === 1 ? '' : 's'})` : 'CPU (% of one vCPU, all instances)';
      const common = { start, end };
      charts.replaceChildren(
        lineChart({ ...common, title: cpuTitle, format: percent, series: [{ name: 'CPU', points: (cpu || []).map(([t, v]) => [t, v / 1e9 * 100 / cores]) }] }),
        lineChart({ ...common, title: 'Disk (bytes/s)', format: perSecond, ceiling: binaryCeiling, empty: diskRead || diskWrite ? 'No measures yet.' : 'No disk measured yet.',
          series: [{ name: 'Read', points: diskRead || [] }, { name: 'Write', points: diskWrite || [] }] }),
        lineChart({ ...common, title: 'Network (bytes/s)', format: perSecond, ceiling: binaryCeiling, empty: netIn || netOut ? 'No measures yet.' : 'No network interface measured yet.',
          series: [{ name: 'In', points: netIn || [] }, { name: 'Out', points: netOut || [] }] }));
      if (extra) await extra(more, { ...context, start, window, granularity: summaryGranularity(context.definition, window), current });
      const label = windows.find(w => w[0] === select.value)[1];
      if (!current()) return;
      status.textContent = `${label}, a point every ${g >= 3600 ? `${g / 3600} h` : g >= 60 ? `${g / 60} min` : `${g} s`}; updated ${new Date().toLocaleTimeString()}, refreshed every 30 s.`;
    } catch (e) {
      if (current()) charts.replaceChildren(alertBox(e.message || String(e)));
    } finally {
      if (current()) busy = false;
    }
  }
  select.addEventListener('change', () => refresh(false));
  refresh(false);
  const timer = setInterval(() => { if (!el.isConnected) clearInterval(timer); else if (!document.hidden) refresh(true); }, 30000);
  return el;
}

/** The searches for the scope's instances, disks and interfaces, and the archive policy of its first cpu metric; null when nothing is recorded. */
async function prepare(scope) {
  if (scope.kind === 'instance') {
    let resource;
    try { resource = await api('GET', `${metricBase}/resource/instance/${scope.id}`); } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
    if (!resource.metrics?.cpu) return null;
    return {
      definition: await policyOf(resource.metrics.cpu),
      search: { instance: { '=': { id: scope.id } }, instance_disk: { '=': { instance_id: scope.id } }, instance_network_interface: { '=': { instance_id: scope.id } } },
    };
  }
  const byProject = { '=': { project_id: scope.projectId } };
  const instances = await searchResources('instance', byProject);
  const first = instances.find(r => r.metrics?.cpu);
  if (!first) return null;
  return {
    definition: await policyOf(first.metrics.cpu), instances,
    search: { instance: byProject, instance_disk: byProject, instance_network_interface: byProject },
  };
}
