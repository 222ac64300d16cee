// Security groups and their rules.
import { api, h, page, table, serverList, form, panel, actionButton, network, session, alertBox } from '../lib.js';

export async function render(main, parts) {
  if (parts[0]) return rules(main, parts[0]);
  const list = table({
    label: 'Security groups', filterLabel: 'Filter by name', sortKey: 'name',
    columns: [
      { key: 'name', label: 'Name', sort: true, render: g => h('a', { href: `/ui/security-groups/${g.id}` }, g.name) },
      { key: 'description', label: 'Description' },
      { key: 'rules', label: 'Rules', render: g => String((g.security_group_rules || []).length) },
    ],
    load: serverList(`${network}/security-groups`, 'security_groups', { query: { project_id: session.info.project_id } }),
    actions: (g, refresh) => g.name === 'default' ? null : actionButton('Delete', async () => { await api('DELETE', `${network}/security-groups/${g.id}`); refresh(); }, { danger: true, confirm: `Delete security group ${g.name}?`, label: `Delete ${g.name}` }),
  });
  page(main, 'Security groups', panel('Create security group', () => form([
    { name: 'name', label: 'Name', required: true }, { name: 'description', label: 'Description' },
  ], 'Create', async v => { await api('POST', `${network}/security-groups`, { security_group: { name: v.name, description: v.description } }); list.refresh(); })), list);
}

async function rules(main, id) {
  const g = (await api('GET', `${network}/security-groups/${id}`)).security_group;
  const list = h('div');
  const load = async () => {
    try {
      const r = (await api('GET', `${network}/security-group-rules?security_group_id=${id}`)).security_group_rules;
      list.replaceChildren(h('table', { 'aria-label': 'Rules' },
        h('thead', h('tr', ['Direction', 'Ether type', 'Protocol', 'Ports', 'Remote', 'Actions'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', r.map(x => h('tr', h('td', x.direction), h('td', x.ethertype), h('td', x.protocol || 'any'),
          h('td', x.port_range_min === null ? 'any' : `${x.port_range_min}-${x.port_range_max}`), h('td', x.remote_ip_prefix || x.remote_group_id || 'any'),
          h('td', actionButton('Delete', async () => { await api('DELETE', `${network}/security-group-rules/${x.id}`); load(); }, { danger: true, confirm: 'Delete this rule?', label: `Delete rule ${x.id}` })))))));
    } catch (e) { list.replaceChildren(alertBox(e.message)); }
  };
  page(main, `Security group ${g.name}`, h('p', h('a', { href: '/ui/security-groups' }, 'All security groups')),
    panel('Add rule', () => form([
      { name: 'direction', label: 'Direction', type: 'select', options: [['ingress', 'Ingress'], ['egress', 'Egress']], value: 'ingress' },
      { name: 'ethertype', label: 'Ether type', type: 'select', options: [['IPv4', 'IPv4'], ['IPv6', 'IPv6']], value: 'IPv4' },
      { name: 'protocol', label: 'Protocol', type: 'select', options: [['', 'Any'], ['tcp', 'TCP'], ['udp', 'UDP'], ['icmp', 'ICMP']], value: 'tcp' },
      { name: 'min', label: 'From port', type: 'number', min: 0, max: 65535 },
      { name: 'max', label: 'To port', type: 'number', min: 0, max: 65535 },
      { name: 'remote', label: 'Remote CIDR', placeholder: '0.0.0.0/0' },
    ], 'Add rule', async v => {
      const rule = { security_group_id: id, direction: v.direction, ethertype: v.ethertype };
      if (v.protocol) rule.protocol = v.protocol;
      if (v.min) { rule.port_range_min = Number(v.min); rule.port_range_max = Number(v.max || v.min); }
      if (v.remote) rule.remote_ip_prefix = v.remote;
      await api('POST', `${network}/security-group-rules`, { security_group_rule: rule }); load();
    })), h('h2', 'Rules'), list);
  load();
}
