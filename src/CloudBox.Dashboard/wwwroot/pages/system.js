// System (admin): the host's capacity and use, every project's instances, services and their health, the version.
import { api, h, page, table, serverList, meter, bytes, badge, compute, network, alertBox } from '../lib.js';

export async function render(main) {
  const capacity = h('div.grid');
  const services = h('div');
  const version = h('p');
  const all = table({
    label: 'All instances', filterLabel: 'Filter by name', poll: 5000, sortKey: 'display_name',
    columns: [
      { key: 'name', label: 'Name', sort: 'display_name', render: s => h('a', { href: `/ui/instances/${s.id}` }, s.name) },
      { key: 'status', label: 'Status', sort: 'vm_state', render: s => badge(s.status) }, { key: 'tenant_id', label: 'Project', sort: 'project_id' }, { key: 'host', label: 'Host', render: s => s['OS-EXT-SRV-ATTR:host'] || '' },
    ],
    // One page of every project's servers, sorted and paged by Nova.
    load: serverList(`${compute}/servers/detail`, 'servers', { query: { all_tenants: 1 } }),
  });
  page(main, 'System', version, h('h2', 'Host capacity'), capacity, h('h2', 'Services'), services, h('h2', 'All projects\' instances'), all);
  try {
    const hv = (await api('GET', `${compute}/os-hypervisors/statistics`)).hypervisor_statistics;
    capacity.append(h('section.card', { 'aria-label': 'Capacity' }, h('h3', `${hv.count} hypervisor(s), ${hv.running_vms} VMs`),
      meter('vCPUs', hv.vcpus_used, hv.vcpus), meter('RAM', hv.memory_mb_used, hv.memory_mb, v => bytes(v * 1048576)), meter('Disk', hv.local_gb_used, hv.local_gb, v => `${v} GB`)));
  } catch (e) { capacity.append(alertBox(`Hypervisor statistics: ${e.message}`)); }
  try {
    const [nova, agents, health, catalog] = await Promise.all([
      api('GET', `${compute}/os-services`).then(b => b.services).catch(() => []),
      api('GET', `${network}/agents`).then(b => b.agents).catch(() => []),
      fetch('/healthz').then(r => r.text()),
      api('GET', '/identity/v3/services').then(b => b.services),
    ]);
    services.append(h('p', `Control plane: ${health.trim()}`),
      h('table', { 'aria-label': 'Services' }, h('thead', h('tr', ['Service', 'Type', 'State'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', catalog.map(s => h('tr', h('td', s.name), h('td', s.type), h('td', badge(s.enabled === false ? 'disabled' : 'up')))),
          nova.map(s => h('tr', h('td', `${s.binary} on ${s.host}`), h('td', 'compute service'), h('td', badge(s.state)))),
          agents.map(a => h('tr', h('td', `${a.binary} on ${a.host}`), h('td', a.agent_type), h('td', badge(a.alive ? 'up' : 'down')))))));
  } catch (e) { services.append(alertBox(e.message)); }
  try {
    const v = await api('GET', '/compute/');
    version.textContent = `CloudBox: Compute API ${v.versions?.map(x => `${x.id} (${x.version || x.min_version || ''})`).join(', ') || ''}. ` + (document.querySelector('meta[name="cloudbox-version"]')?.content || '');
  } catch (e) { version.append(alertBox(e.message)); }
}
