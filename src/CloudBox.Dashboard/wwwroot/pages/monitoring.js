// Monitoring: the project's CPU, disk and network over a chosen window (Gnocchi aggregates over its instances),
// and its instances ranked by their mean use over the same window.
import { api, h, page, session, alertBox } from '../lib.js';
import { monitor, ratePerResource, ratePerGroup, searchResources, percent, perSecond } from '../telemetry.js';

export async function render(main) {
  page(main, 'Monitoring',
    h('p', `Project ${session.info.project_name}: every instance's CPU, disk and network, summed. Measured by Telemetry every 10 seconds.`),
    monitor({ kind: 'project', projectId: session.info.project_id }, async (holder, context) => {
      const top = h('div');
      const projects = h('div');
      holder.replaceChildren(top, projects);
      await topList(top, context);
      if (session.info.is_admin) await projectList(projects, context).catch(e => projects.replaceChildren(h('h2', 'All projects'), alertBox(e.message)));
    }));
}

/** For administrators: every project's CPU, disk and network over the window (Gnocchi's aggregates grouped by project_id). */
async function projectList(holder, { start, granularity, current }) {
  const [cpu, read, write, incoming, outgoing, names] = await Promise.all([
    ratePerGroup('instance', 'project_id', 'cpu', start, granularity),
    ratePerGroup('instance_disk', 'project_id', 'disk.device.read.bytes', start, granularity),
    ratePerGroup('instance_disk', 'project_id', 'disk.device.write.bytes', start, granularity),
    ratePerGroup('instance_network_interface', 'project_id', 'network.incoming.bytes', start, granularity),
    ratePerGroup('instance_network_interface', 'project_id', 'network.outgoing.bytes', start, granularity),
    api('GET', '/identity/v3/projects').then(b => new Map(b.projects.map(p => [p.id, p.name]))).catch(() => new Map()),
  ]);
  const sum = (a, b, id) => (a.get(id) || 0) + (b.get(id) || 0);
  const ids = [...new Set([...cpu.keys(), ...read.keys(), ...write.keys(), ...incoming.keys(), ...outgoing.keys()])].filter(id => id !== null && id !== undefined);
  const rows = ids.map(id => ({ id, name: names.get(id) || id, cpu: (cpu.get(id) || 0) / 1e9 * 100, disk: sum(read, write, id), net: sum(incoming, outgoing, id) }))
    .sort((a, b) => b.cpu - a.cpu || a.name.localeCompare(b.name));
  if (!current()) return;
  holder.replaceChildren(h('h2', 'All projects'),
    h('p.muted', 'Every project with measured instances (administrators only): mean over the window, summed over its instances.'),
    rows.length
      ? h('div.table', h('div.scroll', h('table', { 'aria-label': 'All projects' },
        h('thead', h('tr', ['Project', 'CPU', 'Disk', 'Network'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', rows.map(r => h('tr', { dataset: { id: r.id } }, h('td', r.name),
          h('td', { dataset: { col: 'cpu' } }, percent(r.cpu)), h('td', { dataset: { col: 'disk' } }, perSecond(r.disk)), h('td', { dataset: { col: 'network' } }, perSecond(r.net))))))))
      : h('p.muted', 'No project has measures in this window yet.'));
}

/** The instances ranked by mean CPU over the window, with their disk and network traffic (disks and interfaces added up per instance). */
async function topList(holder, { instances, search, start, granularity, current }) {
  const [cpu, read, write, incoming, outgoing, disks, nics] = await Promise.all([
    ratePerResource('instance', search.instance, 'cpu', start, granularity),
    ratePerResource('instance_disk', search.instance_disk, 'disk.device.read.bytes', start, granularity),
    ratePerResource('instance_disk', search.instance_disk, 'disk.device.write.bytes', start, granularity),
    ratePerResource('instance_network_interface', search.instance_network_interface, 'network.incoming.bytes', start, granularity),
    ratePerResource('instance_network_interface', search.instance_network_interface, 'network.outgoing.bytes', start, granularity),
    searchResources('instance_disk', search.instance_disk),
    searchResources('instance_network_interface', search.instance_network_interface),
  ]);
  const perInstance = (children, ...rates) => {
    const sums = new Map();
    for (const child of children) for (const rate of rates) if (rate.has(child.id)) sums.set(child.instance_id, (sums.get(child.instance_id) || 0) + rate.get(child.id));
    return sums;
  };
  const disk = perInstance(disks, read, write);
  const net = perInstance(nics, incoming, outgoing);
  const rows = instances.filter(r => cpu.has(r.id) || disk.has(r.id) || net.has(r.id))
    .map(r => ({ id: r.id, name: r.display_name || r.id, ended: r.ended_at, cpu: (cpu.get(r.id) || 0) / 1e9 * 100, disk: disk.get(r.id) || 0, net: net.get(r.id) || 0 }))
    .sort((a, b) => b.cpu - a.cpu || b.disk + b.net - a.disk - a.net)
    .slice(0, 10);
  if (!current()) return;
  holder.replaceChildren(h('h2', 'Top instances'),
    h('p.muted', 'Mean over the window; CPU as a percentage of one vCPU; disk is read plus write, network in plus out.'),
    rows.length
      ? h('div.table', h('div.scroll', h('table', { 'aria-label': 'Top instances' },
        h('thead', h('tr', ['Instance', 'CPU', 'Disk', 'Network'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', rows.map(r => h('tr', { dataset: { id: r.id } },
          h('td', h('a', { href: `/ui/instances/${r.id}` }, r.name), r.ended ? h('span.muted', ' (deleted)') : null),
          h('td', { dataset: { col: 'cpu' } }, percent(r.cpu)), h('td', { dataset: { col: 'disk' } }, perSecond(r.disk)), h('td', { dataset: { col: 'network' } }, perSecond(r.net))))))))
      : h('p.muted', 'No instance has measures in this window yet.'));
}
