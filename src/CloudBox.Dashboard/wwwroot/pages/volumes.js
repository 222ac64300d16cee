// Volumes: volumes (create empty / from image, snapshot or volume; extend; attach; detach; delete), snapshots, backups and restore, transfers, types (admin).
import { api, h, page, table, serverList, form, panel, actionButton, badge, volumeBase, compute, image, choices, session, alertBox } from '../lib.js';

export async function render(main) {
  const v = volumeBase();
  const volumes = table({
    label: 'Volumes', filterLabel: 'Filter volumes by name', poll: 3000, sortKey: 'name',
    columns: [
      { key: 'name', label: 'Name', sort: 'name', render: x => x.name || x.id },
      { key: 'status', label: 'Status', sort: 'status', render: x => badge(x.status) },
      { key: 'size', label: 'Size (GB)', sort: 'size' },
      { key: 'attached', label: 'Attached to', render: x => (x.attachments || []).map(a => `${a.server_id.slice(0, 8)} on ${a.device}`).join(', ') },
      { key: 'bootable', label: 'Bootable' },
    ],
    // One page, sorted (sort=key:dir) and paged by Cinder; the next page from volumes_links.
    load: serverList(`${v}/volumes/detail`, 'volumes', { sort: 'cinder' }),
    actions: (x, refresh) => [
      actionButton('Extend', async () => {
        const size = prompt(`New size of ${x.name || x.id} in GB (now ${x.size})`, String(x.size + 1));
        if (!size) return;
        await api('POST', `${v}/volumes/${x.id}/action`, { 'os-extend': { new_size: Number(size) } }); refresh();
      }, { label: `Extend ${x.name || x.id}` }),
      (x.attachments || []).length
        ? actionButton('Detach', async () => { for (const a of x.attachments) await api('DELETE', `${compute}/servers/${a.server_id}/os-volume_attachments/${x.id}`); refresh(); }, { danger: true, confirm: `Detach volume ${x.name || x.id}?`, label: `Detach ${x.name || x.id}` })
        : null,
      actionButton('Delete', async () => { await api('DELETE', `${v}/volumes/${x.id}`); refresh(); }, { danger: true, confirm: `Delete volume ${x.name || x.id}? Its data is lost.`, label: `Delete ${x.name || x.id}` }),
    ],
  });
  const snapshots = table({
    label: 'Volume snapshots', filterLabel: 'Filter snapshots by name', poll: 5000,
    // Newest first until a header is chosen; sorted (sort=key:dir), filtered and paged by Cinder.
    columns: [{ key: 'name', label: 'Name', sort: true }, { key: 'status', label: 'Status', render: x => badge(x.status) }, { key: 'size', label: 'Size (GB)' }, { key: 'volume_id', label: 'Volume' }],
    load: serverList(`${v}/snapshots/detail`, 'snapshots', { sort: 'cinder' }),
    actions: (x, refresh) => actionButton('Delete', async () => { await api('DELETE', `${v}/snapshots/${x.id}`); refresh(); }, { danger: true, confirm: `Delete snapshot ${x.name || x.id}?`, label: `Delete snapshot ${x.name || x.id}` }),
  });
  const backups = table({
    label: 'Volume backups', filterLabel: 'Filter backups by name', poll: 5000,
    // Newest first until a header is chosen; sorted (sort=key:dir), filtered and paged by Cinder.
    columns: [{ key: 'name', label: 'Name', sort: true }, { key: 'status', label: 'Status', render: x => badge(x.status) }, { key: 'size', label: 'Size (GB)' }, { key: 'volume_id', label: 'Volume' }],
    load: serverList(`${v}/backups/detail`, 'backups', { sort: 'cinder' }),
    actions: (x, refresh) => [
      actionButton('Restore', async () => { await api('POST', `${v}/backups/${x.id}/restore`, { restore: { name: `${x.name || 'backup'}-restored` } }); volumes.refresh(); }, { label: `Restore backup ${x.name || x.id}` }),
      actionButton('Delete', async () => { await api('DELETE', `${v}/backups/${x.id}`); refresh(); }, { danger: true, confirm: `Delete backup ${x.name || x.id}?`, label: `Delete backup ${x.name || x.id}` }),
    ],
  });
  const list = async () => (await api('GET', `${v}/volumes/detail`)).volumes.map(x => [x.id, x.name || x.id]);
  const lazyForm = build => { const holder = h('div', 'Loading…'); build().then(f => holder.replaceChildren(f)).catch(e => holder.replaceChildren(alertBox(e.message))); return holder; };
  page(main, 'Volumes',
    panel('Create volume', close => lazyForm(async () => {
      const [images, snaps, vols, types] = await Promise.all([
        choices(`${image}/images?limit=200&status=active`, 'images'), api('GET', `${v}/snapshots`).then(b => b.snapshots.map(s => [s.id, s.name || s.id])), list(),
        api('GET', `${v}/types`).then(b => b.volume_types.map(t => [t.name, t.name])).catch(() => []),
      ]);
      return form([
        { name: 'name', label: 'Name', required: true },
        { name: 'size', label: 'Size (GB)', type: 'number', value: 1, min: 1, required: true },
        { name: 'source', label: 'Source', type: 'select', options: [['empty', 'Empty'], ['image', 'Image'], ['snapshot', 'Snapshot'], ['volume', 'Volume']], value: 'empty' },
        { name: 'image', label: 'Image', type: 'select', options: [['', '(none)'], ...images] },
        { name: 'snapshot', label: 'Snapshot', type: 'select', options: [['', '(none)'], ...snaps] },
        { name: 'volume', label: 'Source volume', type: 'select', options: [['', '(none)'], ...vols] },
        { name: 'type', label: 'Volume type', type: 'select', options: [['', '(default)'], ...types] },
      ], 'Create', async x => {
        const volume = { name: x.name, size: Number(x.size) };
        if (x.source === 'image') volume.imageRef = x.image;
        if (x.source === 'snapshot') volume.snapshot_id = x.snapshot;
        if (x.source === 'volume') volume.source_volid = x.volume;
        if (x.type) volume.volume_type = x.type;
        await api('POST', `${v}/volumes`, { volume }); close(); volumes.refresh();
      });
    })),
    panel('Attach volume to an instance', () => lazyForm(async () => {
      const [vols, servers] = await Promise.all([
        api('GET', `${v}/volumes/detail`).then(b => b.volumes.filter(x => x.status === 'available').map(x => [x.id, x.name || x.id])),
        choices(`${compute}/servers`, 'servers'),
      ]);
      return form([{ name: 'volume', label: 'Volume', type: 'select', options: vols }, { name: 'server', label: 'Instance', type: 'select', options: servers }], 'Attach', async x => {
        if (!x.volume || !x.server) throw new Error('Choose an available volume and an instance.');
        await api('POST', `${compute}/servers/${x.server}/os-volume_attachments`, { volumeAttachment: { volumeId: x.volume } }); volumes.refresh();
      });
    })),
    panel('Snapshot, back up or transfer a volume', () => lazyForm(async () => {
      const vols = await list();
      const result = h('p', { 'aria-live': 'polite' });
      return h('div',
        form([{ name: 'volume', label: 'Volume to snapshot', type: 'select', options: vols }, { name: 'name', label: 'Snapshot name', required: true }, { name: 'force', label: 'Even if attached', type: 'checkbox' }], 'Create snapshot', async x => {
          await api('POST', `${v}/snapshots`, { snapshot: { volume_id: x.volume, name: x.name, force: x.force } }); snapshots.refresh();
        }),
        form([{ name: 'volume', label: 'Volume to back up', type: 'select', options: vols }, { name: 'name', label: 'Backup name', required: true }], 'Create backup', async x => {
          await api('POST', `${v}/backups`, { backup: { volume_id: x.volume, name: x.name, force: true } }); backups.refresh();
        }),
        form([{ name: 'volume', label: 'Volume to transfer', type: 'select', options: vols }, { name: 'name', label: 'Transfer name' }], 'Create transfer', async x => {
          const t = (await api('POST', `${v}/os-volume-transfer`, { transfer: { volume_id: x.volume, name: x.name } })).transfer;
          result.textContent = `Transfer ${t.id}, authorisation key ${t.auth_key}: give both to the receiving project.`;
        }),
        result,
        form([{ name: 'id', label: 'Transfer ID', required: true }, { name: 'key', label: 'Authorisation key', required: true }], 'Accept transfer', async x => {
          await api('POST', `${v}/os-volume-transfer/${x.id}/accept`, { accept: { auth_key: x.key } }); volumes.refresh();
        }));
    })),
    session.info.is_admin ? panel('Volume types (admin)', () => lazyForm(async () => {
      const types = (await api('GET', `${v}/types`)).volume_types;
      return h('div', h('ul', types.map(t => h('li', `${t.name} `, actionButton('Delete', async () => { await api('DELETE', `${v}/types/${t.id}`); }, { danger: true, confirm: `Delete volume type ${t.name}?`, label: `Delete type ${t.name}` })))),
        form([{ name: 'name', label: 'New type name', required: true }], 'Create type', async x => { await api('POST', `${v}/types`, { volume_type: { name: x.name } }); }));
    })) : null,
    volumes, h('h2', 'Snapshots'), snapshots, h('h2', 'Backups'), backups);
}
