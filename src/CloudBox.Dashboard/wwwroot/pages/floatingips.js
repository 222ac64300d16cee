// Floating IPs: allocate from an external network, associate with a port, disassociate, release.
import { api, h, page, table, serverList, form, panel, actionButton, badge, network, compute, choices, alertBox } from '../lib.js';

export async function render(main) {
  const list = table({
    label: 'Floating IPs', filterLabel: 'Filter by address', sortKey: 'floating_ip_address',
    columns: [
      { key: 'floating_ip_address', label: 'Address', sort: true }, { key: 'status', label: 'Status', render: f => badge(f.status) },
      { key: 'fixed_ip_address', label: 'Mapped to' }, { key: 'port_id', label: 'Port' },
    ],
    load: serverList(`${network}/floatingips`, 'floatingips', { filter: 'floating_ip_address' }),
    actions: (f, refresh) => [
      f.port_id ? actionButton('Disassociate', async () => { await api('PUT', `${network}/floatingips/${f.id}`, { floatingip: { port_id: null } }); refresh(); }, { confirm: `Disassociate ${f.floating_ip_address}?`, label: `Disassociate ${f.floating_ip_address}` }) : null,
      actionButton('Release', async () => { await api('DELETE', `${network}/floatingips/${f.id}`); refresh(); }, { danger: true, confirm: `Release ${f.floating_ip_address}?`, label: `Release ${f.floating_ip_address}` }),
    ],
  });
  const lazy = build => { const holder = h('div', 'Loading…'); build().then(f => holder.replaceChildren(f)).catch(e => holder.replaceChildren(alertBox(e.message))); return holder; };
  page(main, 'Floating IPs',
    panel('Allocate floating IP', () => lazy(async () => form([
      { name: 'network', label: 'External network', type: 'select', options: await choices(`${network}/networks?router:external=true`, 'networks') },
    ], 'Allocate', async v => { await api('POST', `${network}/floatingips`, { floatingip: { floating_network_id: v.network } }); list.refresh(); }))),
    panel('Associate with an instance', () => lazy(async () => {
      const [fips, servers, ports] = await Promise.all([
        api('GET', `${network}/floatingips`).then(b => b.floatingips.filter(f => !f.port_id).map(f => [f.id, f.floating_ip_address])),
        api('GET', `${compute}/servers`).then(b => new Map(b.servers.map(s => [s.id, s.name]))),
        api('GET', `${network}/ports?device_owner=compute:nova`).then(b => b.ports).catch(() => []),
      ]);
      const portChoices = ports.filter(p => servers.has(p.device_id)).map(p => [p.id, `${servers.get(p.device_id)}: ${(p.fixed_ips || []).map(x => x.ip_address).join(', ')}`]);
      return form([{ name: 'fip', label: 'Floating IP', type: 'select', options: fips }, { name: 'port', label: 'Instance port', type: 'select', options: portChoices }], 'Associate', async v => {
        if (!v.fip || !v.port) throw new Error('Choose a free floating IP and an instance port.');
        await api('PUT', `${network}/floatingips/${v.fip}`, { floatingip: { port_id: v.port } }); list.refresh();
      });
    })),
    list);
}
