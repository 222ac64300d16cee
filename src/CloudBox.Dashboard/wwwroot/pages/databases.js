// Databases (Trove): instances (create, restart, back up, delete), one instance's databases and users, backups (restore into a new instance, delete).
import { api, h, page, table, form, panel, actionButton, badge, choices, compute, network, databaseBase, alertBox } from '../lib.js';

/** A loader for a Trove list: limit/marker paging, the next page from the body's `links`, filtered by name on the page. */
function troveList(path, key) {
  return async ({ limit, marker, filter }) => {
    const params = new URLSearchParams({ limit: String(limit) });
    if (marker) params.set('marker', marker);
    const body = await api('GET', `${databaseBase()}/${path}?${params}`);
    const href = (body.links || []).find(l => l.rel === 'next')?.href;
    const rows = filter ? body[key].filter(x => (x.name || '').includes(filter)) : body[key];
    return { rows, next: href ? new URL(href, location.href).searchParams.get('marker') : null };
  };
}

const lazy = build => { const holder = h('div', 'Loading…'); build().then(f => holder.replaceChildren(f)).catch(e => holder.replaceChildren(alertBox(e.message))); return holder; };

export async function render(main, parts) {
  try {
    await api('GET', `${databaseBase()}/datastores`);
  } catch (e) {
    page(main, 'Databases', alertBox(e.status === 404 ? 'This cloud runs without the Databases service.' : e.message));
    return;
  }
  if (parts[0]) return renderInstance(main, parts[0]);
  const instances = table({
    label: 'Database instances', filterLabel: 'Filter instances by name', poll: 4000,
    columns: [
      { key: 'name', label: 'Name', render: x => h('a', { href: `/ui/databases/${x.id}` }, x.name || x.id) },
      { key: 'status', label: 'Status', render: x => badge(x.status) },
      { key: 'datastore', label: 'Datastore', render: x => `${x.datastore?.type ?? ''} ${x.datastore?.version ?? ''}` },
      { key: 'size', label: 'Size (GB)', render: x => x.volume?.size ?? '' },
      { key: 'ip', label: 'Addresses', render: x => (x.ip || []).join(', ') },
    ],
    load: troveList('instances', 'instances'),
    actions: (x, refresh) => [
      actionButton('Restart', async () => { await api('POST', `${databaseBase()}/instances/${x.id}/action`, { restart: {} }); refresh(); }, { label: `Restart ${x.name}` }),
      actionButton('Back up', async () => {
        const name = prompt(`Name of the backup of ${x.name}`, `${x.name}-backup`);
        if (!name) return;
        await api('POST', `${databaseBase()}/backups`, { backup: { name, instance: x.id } }); refresh(); backups.refresh();
      }, { label: `Back up ${x.name}` }),
      actionButton('Delete', async () => { await api('DELETE', `${databaseBase()}/instances/${x.id}`); refresh(); },
        { danger: true, confirm: `Delete database instance ${x.name}? Its data is lost (backups are kept).`, label: `Delete ${x.name}` }),
    ],
  });
  const backups = table({
    label: 'Database backups', filterLabel: 'Filter backups by name', poll: 5000,
    columns: [
      { key: 'name', label: 'Name' },
      { key: 'status', label: 'Status', render: x => badge(x.status) },
      { key: 'instance_id', label: 'Instance' },
      { key: 'size', label: 'Size (GB)' },
      { key: 'created', label: 'Created' },
    ],
    load: troveList('backups', 'backups'),
    empty: 'No backups yet.',
    actions: (x, refresh) => actionButton('Delete', async () => { await api('DELETE', `${databaseBase()}/backups/${x.id}`); refresh(); },
      { danger: true, confirm: `Delete backup ${x.name}? Its objects are removed.`, label: `Delete backup ${x.name}` }),
  });
  const sources = async () => {
    const [datastores, flavors, networks] = await Promise.all([
      api('GET', `${databaseBase()}/datastores`).then(b => b.datastores),
      choices(`${compute}/flavors`, 'flavors'),
      choices(`${network}/networks`, 'networks', x => x.name || x.id, x => !x['router:external']),
    ]);
    const versions = datastores.flatMap(d => (d.versions || []).map(v => [`${d.name}|${v.name}`, `${d.name} ${v.name}`]));
    return { versions, flavors, networks };
  };
  page(main, 'Databases',
    h('p', 'Managed PostgreSQL and MariaDB: each instance is a server with a data volume, run by CloudBox\'s guest agent.'),
    panel('Create database instance', close => lazy(async () => {
      const { versions, flavors, networks } = await sources();
      if (!versions.length) return alertBox('No datastore is registered yet: an administrator adds one with cloudbox admin datastore-add.');
      return form([
        { name: 'name', label: 'Name', required: true },
        { name: 'datastore', label: 'Datastore', type: 'select', options: versions, value: versions[0][0] },
        { name: 'flavor', label: 'Flavor', type: 'select', options: flavors },
        { name: 'size', label: 'Volume size (GB)', type: 'number', value: 1, min: 1, required: true },
        { name: 'network', label: 'Network', type: 'select', options: [['', '(the project\'s own)'], ...networks] },
        { name: 'database', label: 'Initial database', help: 'Optional.' },
        { name: 'user', label: 'Initial user', help: 'Optional; given access to the initial database.' },
        { name: 'password', label: 'Password of the user', type: 'password' },
      ], 'Create', async x => {
        const [type, version] = x.datastore.split('|');
        const instance = { name: x.name, flavorRef: x.flavor, volume: { size: Number(x.size) }, datastore: { type, version } };
        if (x.network) instance.nics = [{ network_id: x.network }];
        if (x.database) instance.databases = [{ name: x.database }];
        if (x.user) {
          if (!x.password) throw new Error('Give the initial user a password.');
          instance.users = [{ name: x.user, password: x.password, databases: x.database ? [{ name: x.database }] : [] }];
        }
        await api('POST', `${databaseBase()}/instances`, { instance }); close(); instances.refresh();
      });
    })),
    panel('Restore a backup into a new instance', close => lazy(async () => {
      const [{ flavors }, done] = await Promise.all([sources(), api('GET', `${databaseBase()}/backups`).then(b => b.backups.filter(x => x.status === 'COMPLETED'))]);
      if (!done.length) return h('p.muted', 'There is no completed backup to restore.');
      return form([
        { name: 'backup', label: 'Backup', type: 'select', options: done.map(b => [b.id, b.name || b.id]) },
        { name: 'name', label: 'New instance name', required: true },
        { name: 'flavor', label: 'Flavor', type: 'select', options: flavors },
        { name: 'size', label: 'Volume size (GB)', type: 'number', value: 1, min: 1, required: true },
      ], 'Restore', async x => {
        const backup = done.find(b => b.id === x.backup);
        const instance = { name: x.name, flavorRef: x.flavor, volume: { size: Number(x.size) }, restorePoint: { backupRef: x.backup } };
        if (backup?.datastore) instance.datastore = { type: backup.datastore.type, version: backup.datastore.version };
        await api('POST', `${databaseBase()}/instances`, { instance }); close(); instances.refresh();
      });
    })),
    instances, h('h2', 'Backups'), backups);
}

/** One instance: its state, and its databases and users (answered by the instance's agent, so only once it is ACTIVE). */
async function renderInstance(main, id) {
  const instance = (await api('GET', `${databaseBase()}/instances/${id}`)).instance;
  const base = `${databaseBase()}/instances/${id}`;
  const databases = table({
    label: 'Databases', filterLabel: 'Filter databases by name',
    columns: [{ key: 'name', label: 'Name' }, { key: 'character_set', label: 'Character set' }, { key: 'collate', label: 'Collation' }],
    load: async () => ({ rows: (await api('GET', `${base}/databases`)).databases.map(d => ({ id: d.name, ...d })) }),
    actions: (x, refresh) => actionButton('Delete', async () => { await api('DELETE', `${base}/databases/${encodeURIComponent(x.name)}`); refresh(); },
      { danger: true, confirm: `Delete database ${x.name}? Its data is lost.`, label: `Delete database ${x.name}` }),
  });
  const users = table({
    label: 'Users', filterLabel: 'Filter users by name',
    columns: [{ key: 'name', label: 'Name' }, { key: 'host', label: 'Host' }, { key: 'databases', label: 'Databases', render: x => (x.databases || []).map(d => d.name).join(', ') }],
    load: async () => ({ rows: (await api('GET', `${base}/users`)).users.map(u => ({ id: u.name, ...u })) }),
    actions: (x, refresh) => actionButton('Delete', async () => { await api('DELETE', `${base}/users/${encodeURIComponent(x.name)}`); refresh(); },
      { danger: true, confirm: `Delete user ${x.name}?`, label: `Delete user ${x.name}` }),
  });
  page(main, `Database instance ${instance.name}`,
    h('p', h('a', { href: '/ui/databases' }, '← All database instances')),
    h('dl.info',
      h('dt', 'Status'), h('dd', badge(instance.status)),
      h('dt', 'Datastore'), h('dd', `${instance.datastore?.type ?? ''} ${instance.datastore?.version ?? ''}`),
      h('dt', 'Volume'), h('dd', `${instance.volume?.size ?? '?'} GB`),
      h('dt', 'Addresses'), h('dd', (instance.ip || []).join(', ') || '(none yet)')),
    instance.status === 'ACTIVE' ? null : h('p.muted', 'Databases and users are answered by the instance\'s agent once the instance is ACTIVE.'),
    panel('Create database', () => form([{ name: 'name', label: 'Name', required: true }], 'Create', async x => {
      await api('POST', `${base}/databases`, { databases: [{ name: x.name }] }); databases.refresh();
    })),
    panel('Create user', () => form([
      { name: 'name', label: 'Name', required: true },
      { name: 'password', label: 'Password', type: 'password', required: true },
      { name: 'database', label: 'Access to database', help: 'Optional.' },
    ], 'Create', async x => {
      await api('POST', `${base}/users`, { users: [{ name: x.name, password: x.password, databases: x.database ? [{ name: x.database }] : [] }] }); users.refresh();
    })),
    h('h2', 'Databases'), databases, h('h2', 'Users'), users);
}
