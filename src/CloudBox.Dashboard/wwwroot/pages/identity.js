// Identity (admin): projects, users, groups, roles and assignments, quotas per project.
import { api, h, page, table, form, panel, actionButton, qs, choices, compute, network, alertBox } from '../lib.js';

const id3 = '/identity/v3';

function simpleList(kind, plural, label, columns, query = {}) {
  return table({
    label, filterLabel: `Filter ${label.toLowerCase()} by name`, sortKey: 'name', columns,
    load: async ({ limit, marker, filter }) => {
      const b = await api('GET', `${id3}/${plural}${qs({ limit, marker, name: filter, ...query })}`);
      return { rows: b[plural], next: b[plural].length === limit ? b[plural].at(-1).id : null };
    },
    actions: (x, refresh) => actionButton('Delete', async () => { await api('DELETE', `${id3}/${plural}/${x.id}`); refresh(); }, { danger: true, confirm: `Delete ${kind} ${x.name}?`, label: `Delete ${kind} ${x.name}` }),
  });
}

export async function render(main) {
  const projects = simpleList('project', 'projects', 'Projects', [{ key: 'name', label: 'Name', sort: true }, { key: 'id', label: 'ID' }, { key: 'enabled', label: 'Enabled', render: x => x.enabled ? 'yes' : 'no' }]);
  const users = simpleList('user', 'users', 'Users', [{ key: 'name', label: 'Name', sort: true }, { key: 'id', label: 'ID' }, { key: 'email', label: 'Email' }, { key: 'enabled', label: 'Enabled', render: x => x.enabled ? 'yes' : 'no' }]);
  const groups = simpleList('group', 'groups', 'Groups', [{ key: 'name', label: 'Name', sort: true }, { key: 'id', label: 'ID' }]);
  const roles = simpleList('role', 'roles', 'Roles', [{ key: 'name', label: 'Name', sort: true }, { key: 'id', label: 'ID' }]);
  const assignments = h('div');
  const lazy = build => { const holder = h('div', 'Loading…'); build().then(f => holder.replaceChildren(f)).catch(e => holder.replaceChildren(alertBox(e.message))); return holder; };
  page(main, 'Identity',
    panel('Create project', () => form([{ name: 'name', label: 'Project name', required: true }, { name: 'description', label: 'Description' }], 'Create project', async v => {
      await api('POST', `${id3}/projects`, { project: { name: v.name, description: v.description, domain_id: 'default' } }); projects.refresh();
    })),
    panel('Create user', () => lazy(async () => form([
      { name: 'name', label: 'User name', required: true }, { name: 'password', label: 'Password', type: 'password', required: true }, { name: 'email', label: 'Email' },
      { name: 'project', label: 'Default project', type: 'select', options: [['', '(none)'], ...await choices(`${id3}/projects`, 'projects')] },
    ], 'Create user', async v => {
      await api('POST', `${id3}/users`, { user: { name: v.name, password: v.password, email: v.email || undefined, default_project_id: v.project || undefined, domain_id: 'default' } }); users.refresh();
    }))),
    panel('Create group', () => form([{ name: 'name', label: 'Group name', required: true }], 'Create group', async v => { await api('POST', `${id3}/groups`, { group: { name: v.name, domain_id: 'default' } }); groups.refresh(); })),
    panel('Create role', () => form([{ name: 'name', label: 'Role name', required: true }], 'Create role', async v => { await api('POST', `${id3}/roles`, { role: { name: v.name } }); roles.refresh(); })),
    panel('Grant a role', () => lazy(async () => {
      const [ps, us, gs, rs] = await Promise.all([choices(`${id3}/projects`, 'projects'), choices(`${id3}/users`, 'users'), choices(`${id3}/groups`, 'groups'), choices(`${id3}/roles`, 'roles')]);
      return form([
        { name: 'project', label: 'Project', type: 'select', options: ps }, { name: 'user', label: 'User', type: 'select', options: [['', '(none)'], ...us] },
        { name: 'group', label: 'or group', type: 'select', options: [['', '(none)'], ...gs] }, { name: 'role', label: 'Role', type: 'select', options: rs },
      ], 'Grant', async v => {
        if (!v.user && !v.group) throw new Error('Choose a user or a group.');
        await api('PUT', `${id3}/projects/${v.project}/${v.user ? 'users' : 'groups'}/${v.user || v.group}/roles/${v.role}`); loadAssignments(assignments);
      });
    })),
    panel('Add a user to a group', () => lazy(async () => {
      const [us, gs] = await Promise.all([choices(`${id3}/users`, 'users'), choices(`${id3}/groups`, 'groups')]);
      return form([{ name: 'user', label: 'Member', type: 'select', options: us }, { name: 'group', label: 'Group', type: 'select', options: gs }], 'Add to group', async v => {
        await api('PUT', `${id3}/groups/${v.group}/users/${v.user}`);
      });
    })),
    panel('Project quotas', () => lazy(async () => form([
      { name: 'project', label: 'Project', type: 'select', options: await choices(`${id3}/projects`, 'projects') },
      { name: 'instances', label: 'Instances', type: 'number', min: -1 }, { name: 'cores', label: 'vCPUs', type: 'number', min: -1 }, { name: 'ram', label: 'RAM (MiB)', type: 'number', min: -1 },
      { name: 'floatingip', label: 'Floating IPs', type: 'number', min: -1 }, { name: 'port', label: 'Ports', type: 'number', min: -1 },
    ], 'Set quotas', async v => {
      const nova = {}; for (const k of ['instances', 'cores', 'ram']) if (v[k] !== '') nova[k] = Number(v[k]);
      const neutron = {}; for (const k of ['floatingip', 'port']) if (v[k] !== '') neutron[k] = Number(v[k]);
      if (Object.keys(nova).length) await api('PUT', `${compute}/os-quota-sets/${v.project}`, { quota_set: nova });
      if (Object.keys(neutron).length) await api('PUT', `${network}/quotas/${v.project}`, { quota: neutron });
    }))),
    h('h2', 'Projects'), projects, h('h2', 'Users'), users, h('h2', 'Groups'), groups, h('h2', 'Roles'), roles, h('h2', 'Role assignments'), assignments);
  loadAssignments(assignments);
}

async function loadAssignments(holder) {
  try {
    const a = (await api('GET', `${id3}/role_assignments?include_names=true`)).role_assignments;
    holder.replaceChildren(h('table', { 'aria-label': 'Role assignments' },
      h('thead', h('tr', ['Role', 'Actor', 'Scope', 'Actions'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', a.map(x => {
        const actor = x.user ? `user ${x.user.name || x.user.id}` : `group ${x.group?.name || x.group?.id}`;
        const target = x.scope?.project ? `projects/${x.scope.project.id}` : x.scope?.domain ? `domains/${x.scope.domain.id}` : null;
        const path = target && `${id3}/${target}/${x.user ? `users/${x.user.id}` : `groups/${x.group?.id}`}/roles/${x.role?.id}`;
        return h('tr', h('td', x.role?.name || x.role?.id), h('td', actor),
          h('td', x.scope?.project ? `project ${x.scope.project.name || x.scope.project.id}` : x.scope?.domain ? `domain ${x.scope.domain.name || x.scope.domain.id}` : 'system'),
          h('td.actions', path ? actionButton('Revoke', async () => { await api('DELETE', path); loadAssignments(holder); },
            { danger: true, confirm: `Revoke role ${x.role?.name || x.role?.id} from ${actor}?`, label: `Revoke ${x.role?.name || x.role?.id} from ${actor}` }) : ''));
      }))));
  } catch (e) { holder.replaceChildren(alertBox(e.message)); }
}
