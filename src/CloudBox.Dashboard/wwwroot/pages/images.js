// Images: server-paged list, upload with progress (streamed by the browser straight to Glance), web-download, edit, members, delete.
import { api, h, page, table, serverList, form, panel, actionButton, badge, image, bytes, upload, progressBar, alertBox } from '../lib.js';
import { go } from '../app.js';

const formats = ['raw', 'qcow2', 'iso', 'vmdk', 'vdi', 'vhd', 'ami', 'aki', 'ari'].map(f => [f, f]);
const visibilities = ['private', 'shared', 'community', 'public'].map(v => [v, v]);

export async function render(main, parts) {
  if (parts[0]) return detail(main, parts[0]);
  const list = table({
    label: 'Images', filterLabel: 'Filter by name', poll: 5000, sortKey: 'name',
    columns: [
      { key: 'name', label: 'Name', sort: 'name', render: i => h('a', { href: `/ui/images/${i.id}` }, i.name || i.id) },
      { key: 'status', label: 'Status', sort: 'status', render: i => badge(i.status) },
      { key: 'visibility', label: 'Visibility', sort: 'visibility' },
      { key: 'disk_format', label: 'Format' },
      { key: 'size', label: 'Size', sort: 'size', render: i => bytes(i.size) },
      { key: 'created_at', label: 'Created', sort: 'created_at' },
    ],
    // One page, sorted and paged by Glance; the next page from its `next` link.
    load: serverList(`${image}/images`, 'images'),
    actions: (i, refresh) => actionButton('Delete', async () => { await api('DELETE', `${image}/images/${i.id}`); refresh(); }, { danger: true, confirm: `Delete image ${i.name}?`, label: `Delete ${i.name}` }),
  });
  page(main, 'Images',
    panel('Upload image', () => uploadForm(list)),
    panel('Create from URL (web-download)', () => form([
      { name: 'name', label: 'Name', required: true },
      { name: 'uri', label: 'URL', type: 'url', required: true },
      { name: 'disk_format', label: 'Disk format', type: 'select', options: formats, value: 'qcow2' },
      { name: 'visibility', label: 'Visibility', type: 'select', options: visibilities, value: 'private' },
    ], 'Import', async v => {
      const created = await api('POST', `${image}/images`, { name: v.name, disk_format: v.disk_format, container_format: 'bare', visibility: v.visibility });
      await api('POST', `${image}/images/${created.id}/import`, { method: { name: 'web-download', uri: v.uri } });
      list.refresh();
    })),
    list);
}

function uploadForm(list) {
  const holder = h('div');
  const f = form([
    { name: 'file', label: 'Image file', type: 'file', required: true },
    { name: 'name', label: 'Name', help: 'Defaults to the file name.' },
    { name: 'disk_format', label: 'Disk format', type: 'select', options: formats, value: 'raw' },
    { name: 'visibility', label: 'Visibility', type: 'select', options: visibilities, value: 'private' },
    { name: 'min_disk', label: 'Minimum disk (GB)', type: 'number', value: 0, min: 0 },
  ], 'Upload', async v => {
    const file = v.file && v.file[0];
    if (!file) throw new Error('Choose a file to upload.');
    const created = await api('POST', `${image}/images`, { name: v.name || file.name, disk_format: v.disk_format, container_format: 'bare', visibility: v.visibility, min_disk: Number(v.min_disk) || 0 });
    const bar = progressBar(`Uploading ${file.name}`);
    holder.append(bar);
    await upload('PUT', `${image}/images/${created.id}/file`, file, { 'Content-Type': 'application/octet-stream' }, bar.set);
    bar.done(`Uploaded ${bytes(file.size)}.`);
    list.refresh();
  });
  holder.append(f);
  return holder;
}

async function detail(main, id) {
  const i = await api('GET', `${image}/images/${id}`);
  const patch = ops => api('PATCH', `${image}/images/${id}`, JSON.stringify(ops), { headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' } });
  const skip = new Set(['id', 'name', 'status', 'visibility', 'size', 'checksum', 'created_at', 'updated_at', 'file', 'schema', 'self', 'locations', 'tags', 'direct_url', 'owner', 'virtual_size', 'os_hash_algo', 'os_hash_value', 'protected', 'min_disk', 'min_ram', 'disk_format', 'container_format', 'os_hidden', 'stores']);
  const props = Object.entries(i).filter(([k]) => !skip.has(k));
  const members = h('div');
  page(main, `Image ${i.name || i.id}`,
    h('dl.info', [['ID', i.id], ['Status', i.status], ['Size', bytes(i.size)], ['Format', `${i.disk_format}/${i.container_format}`], ['Owner', i.owner], ['Checksum', i.checksum || '—']].map(([k, v]) => [h('dt', k), h('dd', v ?? '')])),
    h('h2', 'Edit'),
    form([
      { name: 'name', label: 'Name', value: i.name || '' },
      { name: 'visibility', label: 'Visibility', type: 'select', options: visibilities, value: i.visibility },
      { name: 'min_disk', label: 'Minimum disk (GB)', type: 'number', value: i.min_disk, min: 0 },
      { name: 'protected', label: 'Protected', type: 'checkbox', value: i.protected },
      { name: 'properties', label: 'Properties (key=value per line)', type: 'textarea', value: props.map(([k, v]) => `${k}=${v}`).join('\n') },
    ], 'Save', async v => {
      const ops = [
        { op: 'replace', path: '/name', value: v.name },
        { op: 'replace', path: '/visibility', value: v.visibility },
        { op: 'replace', path: '/min_disk', value: Number(v.min_disk) || 0 },
        { op: 'replace', path: '/protected', value: v.protected },
      ];
      const wanted = new Map(v.properties.split('\n').map(l => l.trim()).filter(Boolean).map(l => { const at = l.indexOf('='); if (at < 1) throw new Error(`Not key=value: ${l}`); return [l.slice(0, at).trim(), l.slice(at + 1).trim()]; }));
      for (const [k] of props) if (!wanted.has(k)) ops.push({ op: 'remove', path: `/${k}` });
      for (const [k, val] of wanted) ops.push({ op: props.some(([p]) => p === k) ? 'replace' : 'add', path: `/${k}`, value: val });
      await patch(ops);
      go(`/ui/images/${id}`);
    }),
    h('h2', 'Members'), members,
    h('div.buttons', actionButton('Delete image', async () => { await api('DELETE', `${image}/images/${id}`); go('/ui/images'); }, { danger: true, confirm: `Delete image ${i.name}?` })));
  try {
    const m = (await api('GET', `${image}/images/${id}/members`)).members;
    members.append(h('ul', m.map(x => h('li', `${x.member_id} (${x.status}) `, actionButton('Remove', async () => { await api('DELETE', `${image}/images/${id}/members/${x.member_id}`); go(`/ui/images/${id}`); }, { danger: true, confirm: `Remove member ${x.member_id}?`, label: `Remove member ${x.member_id}` })))),
      form([{ name: 'member', label: 'Project ID to share with', required: true }], 'Add member', async v => { await api('POST', `${image}/images/${id}/members`, { member: v.member }); go(`/ui/images/${id}`); }));
  } catch (e) { members.append(alertBox(e.message)); }
}
