// Instances: a live, server-paged table, the launch form, and a detail page with every action.
import { api, h, page, table, serverList, form, panel, actionButton, badge, compute, network, image, volumeBase, novaVersion, choices, alertBox, session } from '../lib.js';
import { go } from '../app.js';
import { monitor } from '../telemetry.js';

const opts = { headers: novaVersion };

export async function render(main, parts) {
  if (parts[0]) return detail(main, parts[0]);
  const list = table({
    label: 'Instances', filterLabel: 'Filter by name', poll: 3000, sortKey: 'display_name',
    columns: [
      { key: 'name', label: 'Name', sort: 'display_name', render: s => h('a', { href: `/ui/instances/${s.id}` }, s.name) },
      { key: 'status', label: 'Status', sort: 'vm_state', render: s => badge(s.status) },
      { key: 'task', label: 'Task', render: s => s['OS-EXT-STS:task_state'] || '' },
      { key: 'addresses', label: 'Addresses', render: s => Object.entries(s.addresses || {}).map(([n, a]) => `${n}: ${a.map(x => x.addr).join(', ')}`).join('; ') },
      { key: 'flavor', label: 'Flavor', render: s => s.flavor?.original_name || s.flavor?.id || '' },
      { key: 'created', label: 'Created', sort: 'created_at' },
    ],
    // One page, sorted, filtered and paged by Nova (in its database): the browser never holds more than a page.
    load: serverList(`${compute}/servers/detail`, 'servers', { headers: novaVersion }),
    actions: (s, refresh) => [
      h('a.button', { href: `/ui/console/${s.id}`, 'data-reload': true, 'aria-label': `Serial console of ${s.name}` }, 'Console'),
      actionButton('Delete', async () => { await api('DELETE', `${compute}/servers/${s.id}`); refresh(); }, { danger: true, confirm: `Delete instance ${s.name}? Its disk is lost.`, label: `Delete ${s.name}` }),
    ],
  });
  page(main, 'Instances', panel('Launch instance', close => launchForm(() => { close(); list.refresh(); })), list);
}

function launchForm(done) {
  const holder = h('div', h('p.muted', 'Loading choices…'));
  (async () => {
    const [images, flavors, networks, keypairs, groups, volumes] = await Promise.all([
      choices(`${image}/images?limit=200&status=active`, 'images'),
      choices(`${compute}/flavors/detail`, 'flavors', f => `${f.name} (${f.vcpus} vCPU, ${f.ram} MiB, ${f.disk} GB)`),
      choices(`${network}/networks`, 'networks', n => `${n.name || n.id}${n['router:external'] ? ' (external)' : ''}`),
      api('GET', `${compute}/os-keypairs`).then(b => b.keypairs.map(k => [k.keypair.name, k.keypair.name])),
      api('GET', `${network}/security-groups?project_id=${session.info.project_id}`).then(b => b.security_groups.map(g => [g.name, g.name])),
      api('GET', `${volumeBase()}/volumes/detail`).then(b => b.volumes.filter(v => v.status === 'available' && v.bootable === 'true').map(v => [v.id, v.name || v.id])).catch(() => []),
    ]);
    holder.replaceChildren(form([
      { name: 'name', label: 'Name', required: true },
      { name: 'source', label: 'Boot from', type: 'select', options: [['image', 'Image'], ['volume', 'Volume']], value: 'image' },
      { name: 'image', label: 'Image', type: 'select', options: [['', '(none)'], ...images], value: images[0]?.[0] },
      { name: 'volume', label: 'Bootable volume', type: 'select', options: [['', '(none)'], ...volumes] },
      { name: 'flavor', label: 'Flavor', type: 'select', options: flavors, required: true },
      { name: 'networks', label: 'Networks', type: 'multiselect', options: networks, value: networks.length ? [networks[0][0]] : [] },
      { name: 'key', label: 'Key pair', type: 'select', options: [['', '(none)'], ...keypairs] },
      { name: 'groups', label: 'Security groups', type: 'multiselect', options: groups, value: ['default'] },
      { name: 'userData', label: 'User data (cloud-init)', type: 'textarea' },
      { name: 'configDrive', label: 'Config drive', type: 'checkbox' },
      { name: 'count', label: 'Count', type: 'number', value: 1, min: 1, max: 50 },
    ], 'Launch', async v => {
      const server = { name: v.name, flavorRef: v.flavor, min_count: Number(v.count) || 1, max_count: Number(v.count) || 1 };
      if (v.source === 'volume') {
        if (!v.volume) throw new Error('Choose a bootable volume.');
        server.block_device_mapping_v2 = [{ boot_index: 0, uuid: v.volume, source_type: 'volume', destination_type: 'volume', delete_on_termination: false }];
      } else {
        if (!v.image) throw new Error('Choose an image.');
        server.imageRef = v.image;
      }
      server.networks = v.networks.length ? v.networks.map(uuid => ({ uuid })) : 'none';
      if (v.key) server.key_name = v.key;
      if (v.groups.length) server.security_groups = v.groups.map(name => ({ name }));
      if (v.userData) server.user_data = btoa(unescape(encodeURIComponent(v.userData)));
      if (v.configDrive) server.config_drive = true;
      await api('POST', `${compute}/servers`, { server }, opts);
      done();
    }));
  })().catch(e => holder.replaceChildren(alertBox(e.message)));
  return holder;
}

async function detail(main, id) {
  const s = (await api('GET', `${compute}/servers/${id}`, undefined, opts)).server;
  const act = (name, body, confirm) => actionButton(name, async () => { await api('POST', `${compute}/servers/${id}/action`, body, opts); go(`/ui/instances/${id}`); }, { confirm, danger: !!confirm });
  const info = h('dl.info', [
    ['ID', s.id], ['Status', s.status], ['Power state', String(s['OS-EXT-STS:power_state'] ?? '')], ['Task', s['OS-EXT-STS:task_state'] || '—'],
    ['Flavor', s.flavor?.id], ['Image', s.image?.id || '(volume)'], ['Key pair', s.key_name || '—'], ['Locked', String(s.locked)], ['Created', s.created],
    ['Addresses', Object.entries(s.addresses || {}).map(([n, a]) => `${n}: ${a.map(x => x.addr).join(', ')}`).join('; ') || '—'],
  ].map(([k, v]) => [h('dt', k), h('dd', v ?? '')]));
  const log = h('pre.console', { tabindex: 0, 'aria-label': 'Console log' });
  const attachments = h('div');
  const interfaces = h('div');
  const monitoring = h('div');
  page(main, `Instance ${s.name}`, info,
    h('div.buttons', { role: 'group', 'aria-label': 'Power and state' },
      act('Start', { 'os-start': null }), act('Stop', { 'os-stop': null }), act('Reboot', { reboot: { type: 'SOFT' } }), act('Hard reboot', { reboot: { type: 'HARD' } }, 'Hard-reboot this instance?'),
      act('Pause', { pause: null }), act('Unpause', { unpause: null }), act('Suspend', { suspend: null }), act('Resume', { resume: null }),
      act('Lock', { lock: null }), act('Unlock', { unlock: null }),
      h('a.button', { href: `/ui/console/${id}`, 'data-reload': true }, 'Serial console'),
      actionButton('Delete', async () => { await api('DELETE', `${compute}/servers/${id}`); go('/ui/instances'); }, { danger: true, confirm: `Delete instance ${s.name}?` })),
    panel('Snapshot', () => form([{ name: 'name', label: 'Snapshot name', required: true, value: `${s.name}-snapshot` }], 'Create snapshot', async v => {
      await api('POST', `${compute}/servers/${id}/action`, { createImage: { name: v.name } }, opts); go('/ui/images');
    })),
    panel('Rebuild', () => {
      const holder = h('div');
      choices(`${image}/images?limit=200&status=active`, 'images').then(images => holder.replaceChildren(form([{ name: 'image', label: 'Image', type: 'select', options: images }], 'Rebuild', async v => {
        await api('POST', `${compute}/servers/${id}/action`, { rebuild: { imageRef: v.image } }, opts); go(`/ui/instances/${id}`);
      }))).catch(e => holder.replaceChildren(alertBox(e.message)));
      return holder;
    }),
    h('h2', 'Monitoring'), monitoring,
    h('h2', 'Volumes'), attachments,
    h('h2', 'Interfaces'), interfaces,
    h('h2', 'Console log'), h('div.buttons', actionButton('Show console log', async () => {
      const body = await api('POST', `${compute}/servers/${id}/action`, { 'os-getConsoleOutput': { length: 200 } }, opts);
      log.textContent = body.output || '(empty)';
    })), log);
  loadAttachments(id, attachments);
  loadInterfaces(id, interfaces);
  // CPU % is of the flavor's vCPUs (Nova 2.37 names the flavor by id only).
  api('GET', `${compute}/flavors/${s.flavor?.id}`).then(b => b.flavor.vcpus).catch(() => 1)
    .then(vcpus => monitoring.replaceChildren(monitor({ kind: 'instance', id, vcpus })));
}

async function loadAttachments(id, holder) {
  try {
    const [attached, volumes] = await Promise.all([
      api('GET', `${compute}/servers/${id}/os-volume_attachments`, undefined, opts),
      api('GET', `${volumeBase()}/volumes/detail`).catch(() => ({ volumes: [] })),
    ]);
    const reload = () => loadAttachments(id, holder);
    holder.replaceChildren(
      h('ul', attached.volumeAttachments.map(a => h('li', `${a.volumeId} on ${a.device} `,
        actionButton('Detach', async () => { await api('DELETE', `${compute}/servers/${id}/os-volume_attachments/${a.volumeId}`); setTimeout(reload, 1000); }, { danger: true, confirm: `Detach volume ${a.volumeId}?`, label: `Detach ${a.volumeId}` })))),
      form([{ name: 'volume', label: 'Volume to attach', type: 'select', options: volumes.volumes.filter(v => v.status === 'available').map(v => [v.id, v.name || v.id]) }], 'Attach volume', async v => {
        if (!v.volume) throw new Error('No available volume.');
        await api('POST', `${compute}/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: v.volume } }, opts);
        setTimeout(reload, 1000);
      }));
  } catch (e) { holder.replaceChildren(alertBox(e.message)); }
}

async function loadInterfaces(id, holder) {
  try {
    const [ifaces, nets, fips] = await Promise.all([
      api('GET', `${compute}/servers/${id}/os-interface`, undefined, opts),
      choices(`${network}/networks`, 'networks'),
      api('GET', `${network}/floatingips?port_id=`).catch(() => ({ floatingips: [] })),
    ]);
    const reload = () => loadInterfaces(id, holder);
    const free = fips.floatingips.filter(f => !f.port_id).map(f => [f.id, f.floating_ip_address]);
    holder.replaceChildren(
      h('ul', ifaces.interfaceAttachments.map(i => h('li', `${i.port_id} (${(i.fixed_ips || []).map(f => f.ip_address).join(', ')}) `,
        actionButton('Detach', async () => { await api('DELETE', `${compute}/servers/${id}/os-interface/${i.port_id}`); setTimeout(reload, 1000); }, { danger: true, confirm: `Detach interface ${i.port_id}?`, label: `Detach interface ${i.port_id}` })))),
      form([{ name: 'net', label: 'Network for a new interface', type: 'select', options: nets }], 'Attach interface', async v => {
        await api('POST', `${compute}/servers/${id}/os-interface`, { interfaceAttachment: { net_id: v.net } }, opts); setTimeout(reload, 1000);
      }),
      form([
        { name: 'fip', label: 'Floating IP', type: 'select', options: free },
        { name: 'port', label: 'On interface', type: 'select', options: ifaces.interfaceAttachments.map(i => [i.port_id, `${i.port_id.slice(0, 8)} ${(i.fixed_ips || []).map(f => f.ip_address).join(', ')}`]) },
      ], 'Associate floating IP', async v => {
        if (!v.fip) throw new Error('No free floating IP: allocate one on the Floating IPs page.');
        await api('PUT', `${network}/floatingips/${v.fip}`, { floatingip: { port_id: v.port } }); reload();
      }));
  } catch (e) { holder.replaceChildren(alertBox(e.message)); }
}
