// Networks: networks, subnets, routers (interfaces, gateway), ports, and the topology drawn as SVG.
import { api, h, page, table, serverList, form, panel, actionButton, badge, network, compute, choices, alertBox, svg as s, svgNs } from '../lib.js';
import { go } from '../app.js';

const n = network;

function listOf(kind, plural, label, columns, extra = {}) {
  return table({
    label, filterLabel: `Filter ${label.toLowerCase()} by name`, sortKey: 'name', poll: extra.poll,
    columns,
    // One page, sorted and paged by Neutron; the next page from `<collection>_links`.
    load: serverList(`${n}/${plural}`, plural.replace('-', '_'), { query: extra.query }),
    actions: (x, refresh) => actionButton('Delete', async () => { await api('DELETE', `${n}/${plural}/${x.id}`); refresh(); drawTopology(); },
      { danger: true, confirm: `Delete ${kind} ${x.name || x.id}?`, label: `Delete ${kind} ${x.name || x.id}` }),
  });
}

let topologyHolder = null;

export async function render(main) {
  const networks = listOf('network', 'networks', 'Networks', [
    { key: 'name', label: 'Name', sort: true }, { key: 'status', label: 'Status', render: x => badge(x.status) },
    { key: 'subnets', label: 'Subnets', render: x => String((x.subnets || []).length) }, { key: 'external', label: 'External', render: x => x['router:external'] ? 'yes' : 'no' }, { key: 'shared', label: 'Shared', render: x => x.shared ? 'yes' : 'no' },
  ]);
  const subnets = listOf('subnet', 'subnets', 'Subnets', [
    { key: 'name', label: 'Name', sort: true }, { key: 'cidr', label: 'CIDR', sort: true }, { key: 'ip_version', label: 'IP' }, { key: 'gateway_ip', label: 'Gateway' }, { key: 'network_id', label: 'Network' },
  ]);
  const routers = listOf('router', 'routers', 'Routers', [
    { key: 'name', label: 'Name', sort: true }, { key: 'status', label: 'Status', render: x => badge(x.status) },
    { key: 'gateway', label: 'External gateway', render: x => x.external_gateway_info?.network_id || '—' },
  ]);
  const ports = listOf('port', 'ports', 'Ports', [
    { key: 'name', label: 'Name', sort: true }, { key: 'status', label: 'Status', render: x => badge(x.status) }, { key: 'device_owner', label: 'Owner' },
    { key: 'fixed_ips', label: 'Addresses', render: x => (x.fixed_ips || []).map(f => f.ip_address).join(', ') }, { key: 'mac_address', label: 'MAC' },
  ]);
  topologyHolder = h('div.topology', { role: 'img', 'aria-label': 'Network topology' });
  const refreshAll = () => { networks.refresh(); subnets.refresh(); routers.refresh(); ports.refresh(); drawTopology(); };
  const lazy = build => { const holder = h('div', 'Loading…'); build().then(f => holder.replaceChildren(f)).catch(e => holder.replaceChildren(alertBox(e.message))); return holder; };
  page(main, 'Networks',
    h('h2', 'Topology'), topologyHolder,
    panel('Create network', () => form([
      { name: 'name', label: 'Network name', required: true }, { name: 'shared', label: 'Shared', type: 'checkbox' },
    ], 'Create network', async v => { await api('POST', `${n}/networks`, { network: { name: v.name, shared: v.shared || undefined } }); refreshAll(); })),
    panel('Create subnet', () => lazy(async () => form([
      { name: 'network', label: 'Network', type: 'select', options: await choices(`${n}/networks`, 'networks') },
      { name: 'name', label: 'Subnet name', required: true },
      { name: 'cidr', label: 'CIDR', required: true, placeholder: '192.168.10.0/24' },
      { name: 'ip_version', label: 'IP version', type: 'select', options: [['4', 'IPv4'], ['6', 'IPv6']], value: '4' },
      { name: 'gateway', label: 'Gateway IP (empty: the first address)' },
      { name: 'dhcp', label: 'DHCP', type: 'checkbox', value: true },
    ], 'Create subnet', async v => {
      const subnet = { network_id: v.network, name: v.name, cidr: v.cidr, ip_version: Number(v.ip_version), enable_dhcp: v.dhcp };
      if (v.gateway) subnet.gateway_ip = v.gateway;
      await api('POST', `${n}/subnets`, { subnet }); refreshAll();
    }))),
    panel('Create router', () => lazy(async () => form([
      { name: 'name', label: 'Router name', required: true },
      { name: 'external', label: 'External gateway network', type: 'select', options: [['', '(none)'], ...await choices(`${n}/networks?router:external=true`, 'networks')] },
    ], 'Create router', async v => {
      const router = { name: v.name };
      if (v.external) router.external_gateway_info = { network_id: v.external };
      await api('POST', `${n}/routers`, { router }); refreshAll();
    }))),
    panel('Router interfaces and gateway', () => lazy(async () => {
      const [rs, ss, exts] = await Promise.all([choices(`${n}/routers`, 'routers'), choices(`${n}/subnets`, 'subnets', s => `${s.name || s.id} (${s.cidr})`), choices(`${n}/networks?router:external=true`, 'networks')]);
      return h('div',
        form([{ name: 'router', label: 'Router', type: 'select', options: rs }, { name: 'subnet', label: 'Subnet', type: 'select', options: ss }], 'Add interface', async v => {
          await api('PUT', `${n}/routers/${v.router}/add_router_interface`, { subnet_id: v.subnet }); refreshAll();
        }),
        form([{ name: 'router', label: 'Router', type: 'select', options: rs }, { name: 'subnet', label: 'Subnet', type: 'select', options: ss }], 'Remove interface', async v => {
          await api('PUT', `${n}/routers/${v.router}/remove_router_interface`, { subnet_id: v.subnet }); refreshAll();
        }),
        form([{ name: 'router', label: 'Router', type: 'select', options: rs }, { name: 'external', label: 'External network (empty clears the gateway)', type: 'select', options: [['', '(none)'], ...exts] }], 'Set gateway', async v => {
          await api('PUT', `${n}/routers/${v.router}`, { router: { external_gateway_info: v.external ? { network_id: v.external } : {} } }); refreshAll();
        }));
    })),
    panel('Create port', () => lazy(async () => form([
      { name: 'network', label: 'Network', type: 'select', options: await choices(`${n}/networks`, 'networks') },
      { name: 'name', label: 'Port name' },
    ], 'Create port', async v => { await api('POST', `${n}/ports`, { port: { network_id: v.network, name: v.name } }); refreshAll(); }))),
    h('h2', 'Networks'), networks, h('h2', 'Subnets'), subnets, h('h2', 'Routers'), routers, h('h2', 'Ports'), ports);
  drawTopology();
}

/** Networks as vertical bars, routers and servers as boxes wired to the networks their ports are on. */
export async function drawTopology() {
  const holder = topologyHolder;
  if (!holder) return;
  try {
    const [nets, routers, ports, servers] = await Promise.all([
      api('GET', `${n}/networks`).then(b => b.networks), api('GET', `${n}/routers`).then(b => b.routers),
      api('GET', `${n}/ports`).then(b => b.ports), api('GET', `${compute}/servers`).then(b => b.servers).catch(() => []),
    ]);
    const ordered = [...nets].sort((a, b) => (b['router:external'] ? 1 : 0) - (a['router:external'] ? 1 : 0));
    const colX = new Map(ordered.map((net, i) => [net.id, 40 + i * 150]));
    const nodes = [
      ...routers.map(r => ({ id: r.id, name: r.name || r.id.slice(0, 8), kind: 'router', nets: new Set([r.external_gateway_info?.network_id, ...ports.filter(p => p.device_id === r.id).map(p => p.network_id)].filter(Boolean)) })),
      ...servers.map(v => ({ id: v.id, name: v.name, kind: 'server', nets: new Set(ports.filter(p => p.device_id === v.id).map(p => p.network_id)) })),
    ];
    const width = Math.max(400, 80 + ordered.length * 150 + 160);
    const height = Math.max(200, 80 + nodes.length * 60);
    const svg = s('svg', { xmlns: svgNs, viewBox: `0 0 ${width} ${height}`, width, height, class: 'topo' });
    svg.append(s('title', {}, 'Network topology'));
    for (const net of ordered) {
      const x = colX.get(net.id);
      const g = s('g', { class: `net${net['router:external'] ? ' external' : ''}`, 'data-id': net.id, 'data-name': net.name });
      g.append(s('rect', { x, y: 30, width: 14, height: height - 40, rx: 4 }), s('text', { x, y: 20 }, `${net.name || net.id.slice(0, 8)}${net['router:external'] ? ' (external)' : ''}`));
      svg.append(g);
    }
    nodes.forEach((node, i) => {
      const y = 50 + i * 60;
      const xs = [...node.nets].map(id => colX.get(id)).filter(x => x !== undefined);
      const boxX = (xs.length ? Math.max(...xs) : 40) + 40;
      for (const x of xs) svg.append(s('line', { x1: x + 14, y1: y + 15, x2: boxX, y2: y + 15, class: 'wire' }));
      const g = s('g', { class: node.kind, 'data-id': node.id, 'data-name': node.name });
      g.append(s('rect', { x: boxX, y, width: 120, height: 30, rx: node.kind === 'router' ? 15 : 3 }), s('text', { x: boxX + 8, y: y + 20 }, `${node.kind === 'router' ? '⇄ ' : '▣ '}${node.name}`));
      svg.append(g);
    });
    holder.replaceChildren(svg);
  } catch (e) { holder.replaceChildren(alertBox(e.message)); }
}

export { go };
