// Object store: containers (create, public/private, delete), a browser with pseudo-folders, uploads with progress
// (large files as a static large object of segments), downloads, object metadata, and the S3 endpoint's EC2 credentials.
import { api, h, page, table, swiftList, form, panel, actionButton, objectBase, bytes, upload, progressBar, session, alertBox } from '../lib.js';
import { go } from '../app.js';

const SegmentSize = 64 * 1024 * 1024;
const enc = p => p.split('/').map(encodeURIComponent).join('/');

export async function render(main, parts, query) {
  if (parts[0]) return browse(main, parts[0], query.get('prefix') || '');
  const base = objectBase();
  const list = table({
    label: 'Containers', filterLabel: 'Filter by name prefix', sortKey: 'name',
    columns: [
      { key: 'name', label: 'Name', sort: true, render: c => h('a', { href: `/ui/object-store/${encodeURIComponent(c.name)}` }, c.name) },
      { key: 'count', label: 'Objects' }, { key: 'bytes', label: 'Size', render: c => bytes(c.bytes) },
    ],
    // Swift lists by name only (reverse=true for descending), a page at a time after the marker.
    load: swiftList(base, c => c.name),
    actions: (c, refresh) => actionButton('Delete', async () => { await api('DELETE', `${base}/${encodeURIComponent(c.name)}`); refresh(); }, { danger: true, confirm: `Delete container ${c.name}? It must be empty.`, label: `Delete ${c.name}` }),
  });
  const ec2 = h('div');
  page(main, 'Object store',
    panel('Create container', () => form([{ name: 'name', label: 'Container name', required: true }, { name: 'public', label: 'Public (anyone may read)', type: 'checkbox' }], 'Create', async v => {
      await api('PUT', `${base}/${encodeURIComponent(v.name)}`, null, { headers: v.public ? { 'X-Container-Read': '.r:*,.rlistings' } : {} }); list.refresh();
    })),
    list, h('h2', 'S3 access (EC2 credentials)'), ec2);
  loadEc2(ec2);
}

async function loadEc2(holder) {
  const url = `/identity/v3/users/${session.info.user_id}/credentials/OS-EC2`;
  try {
    const creds = (await api('GET', url)).credentials;
    holder.replaceChildren(
      h('p.muted', 'Use these with aws or s3cmd against the S3 endpoint listed in the catalog (its own port).'),
      h('table', { 'aria-label': 'EC2 credentials' }, h('thead', h('tr', ['Access key', 'Secret', 'Project', 'Actions'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', creds.map(c => h('tr', h('td', c.access), h('td', h('code', c.secret)), h('td', c.tenant_id),
          h('td', actionButton('Delete', async () => { await api('DELETE', `${url}/${c.access}`); loadEc2(holder); }, { danger: true, confirm: `Delete credential ${c.access}?`, label: `Delete credential ${c.access}` })))))),
      h('div.buttons', actionButton('Create EC2 credential', async () => { await api('POST', url, { tenant_id: session.info.project_id }); loadEc2(holder); })));
  } catch (e) { holder.replaceChildren(alertBox(e.message)); }
}

async function browse(main, container, prefix) {
  const base = `${objectBase()}/${encodeURIComponent(container)}`;
  const meta = await api('HEAD', base, undefined, { raw: true });
  const isPublic = (meta.response.headers.get('X-Container-Read') || '').includes('.r:*');
  const list = table({
    label: 'Objects', filterLabel: 'Filter by name prefix', sortKey: 'name', poll: 0,
    columns: [
      { key: 'name', label: 'Name', sort: true, render: o => o.subdir
        ? h('a', { href: `/ui/object-store/${encodeURIComponent(container)}?prefix=${encodeURIComponent(o.subdir)}` }, `📁 ${o.subdir.slice(prefix.length)}`)
        : h('a', { href: `${base}/${enc(o.name)}`, download: o.name.split('/').pop() }, o.name.slice(prefix.length)) },
      { key: 'bytes', label: 'Size', render: o => o.subdir ? '' : bytes(o.bytes) },
      { key: 'content_type', label: 'Type' }, { key: 'last_modified', label: 'Modified' },
    ],
    // One level of the pseudo-folder tree (delimiter /), by name, a page at a time after the marker.
    load: swiftList(base, o => o.subdir || o.name, { params: { delimiter: '/' }, prefix: text => prefix + text }),
    actions: (o, refresh) => o.subdir ? null : [
      actionButton('Metadata', async () => showMeta(`${base}/${enc(o.name)}`, o.name, metaHolder), { label: `Metadata of ${o.name}` }),
      actionButton('Delete', async () => { await api('DELETE', `${base}/${enc(o.name)}`); refresh(); }, { danger: true, confirm: `Delete object ${o.name}?`, label: `Delete ${o.name}` }),
    ],
  });
  const metaHolder = h('div');
  const uploads = h('div');
  const crumbs = [h('a', { href: '/ui/object-store' }, 'Containers'), ' / ', h('a', { href: `/ui/object-store/${encodeURIComponent(container)}` }, container)];
  let acc = '';
  for (const part of prefix.split('/').filter(Boolean)) { acc += `${part}/`; crumbs.push(' / ', h('a', { href: `/ui/object-store/${encodeURIComponent(container)}?prefix=${encodeURIComponent(acc)}` }, part)); }
  const drop = h('div.drop', { tabindex: 0, role: 'button', 'aria-label': 'Drop files here to upload' }, 'Drop files here to upload');
  drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => { e.preventDefault(); drop.classList.remove('over'); uploadFiles(base, prefix, [...e.dataTransfer.files], uploads, list); });
  page(main, `Container ${container}`, h('nav.crumbs', { 'aria-label': 'Breadcrumb' }, crumbs),
    h('p', isPublic ? 'Public: anyone can read objects.' : 'Private.', ' ', actionButton(isPublic ? 'Make private' : 'Make public', async () => {
      await api('POST', base, null, { headers: { 'X-Container-Read': isPublic ? '' : '.r:*,.rlistings' } }); go(location.pathname + location.search);
    }, { confirm: isPublic ? null : `Make ${container} readable by anyone?` })),
    panel('Upload files', () => form([{ name: 'files', label: 'Files', type: 'file' }], 'Upload', async v => {
      if (!v.files || !v.files.length) throw new Error('Choose at least one file.');
      await uploadFiles(base, prefix, [...v.files], uploads, list);
    })),
    panel('Create folder', () => form([{ name: 'name', label: 'Folder name', required: true }], 'Create folder', async v => {
      await api('PUT', `${base}/${enc(prefix + v.name.replace(/\/+$/, '') + '/')}`, '', { headers: { 'Content-Type': 'application/directory' } }); list.refresh();
    })),
    drop, uploads, list, metaHolder);
}

async function uploadFiles(base, prefix, files, holder, list) {
  for (const file of files) {
    const name = prefix + file.name;
    const bar = progressBar(`Uploading ${file.name}`);
    holder.append(bar);
    if (file.size <= SegmentSize) {
      await upload('PUT', `${base}/${enc(name)}`, file, { 'Content-Type': file.type || 'application/octet-stream' }, bar.set);
    } else {
      // A static large object: segments under .segments/, then the manifest.
      const manifest = [];
      const stamp = Date.now();
      for (let offset = 0, i = 0; offset < file.size; offset += SegmentSize, i++) {
        const part = file.slice(offset, Math.min(file.size, offset + SegmentSize));
        const path = `.segments/${name}/${stamp}/${String(i).padStart(8, '0')}`;
        const xhr = await upload('PUT', `${base}/${enc(path)}`, part, {}, (loaded) => bar.set(offset + loaded, file.size));
        manifest.push({ path: `/${decodeURIComponent(base.split('/').pop())}/${path}`, etag: (xhr.getResponseHeader('ETag') || '').replace(/"/g, ''), size_bytes: part.size });
      }
      await api('PUT', `${base}/${enc(name)}?multipart-manifest=put`, JSON.stringify(manifest), { headers: { 'Content-Type': 'application/json' } });
    }
    bar.done(`Uploaded ${file.name} (${bytes(file.size)}).`);
    list.refresh();
  }
}

async function showMeta(url, name, holder) {
  const { response } = await api('HEAD', url, undefined, { raw: true });
  const meta = [];
  response.headers.forEach((v, k) => { if (k.toLowerCase().startsWith('x-object-meta-')) meta.push([k.slice(14), v]); });
  holder.replaceChildren(h('h2', `Metadata of ${name}`),
    h('dl.info', [['Size', bytes(Number(response.headers.get('Content-Length')))], ['Type', response.headers.get('Content-Type')], ['ETag', response.headers.get('ETag')]].map(([k, v]) => [h('dt', k), h('dd', v || '')])),
    form([{ name: 'meta', label: 'Metadata (key=value per line)', type: 'textarea', value: meta.map(([k, v]) => `${k}=${v}`).join('\n') }], 'Save metadata', async v => {
      const headers = {};
      for (const line of v.meta.split('\n').map(l => l.trim()).filter(Boolean)) {
        const at = line.indexOf('='); if (at < 1) throw new Error(`Not key=value: ${line}`);
        headers[`X-Object-Meta-${line.slice(0, at).trim()}`] = line.slice(at + 1).trim();
      }
      await api('POST', url, null, { headers }); showMeta(url, name, holder);
    }));
}
