// Key pairs: create (the private key is offered for download once), import, delete.
import { api, h, page, table, form, panel, actionButton, qs, compute } from '../lib.js';

export async function render(main) {
  const list = table({
    label: 'Key pairs', filterLabel: 'Filter by name', sortKey: 'name',
    columns: [{ key: 'name', label: 'Name', sort: true }, { key: 'type', label: 'Type' }, { key: 'fingerprint', label: 'Fingerprint' }],
    load: async ({ limit, marker, filter }) => {
      const b = await api('GET', `${compute}/os-keypairs${qs({ limit, marker })}`, undefined, { headers: { 'OpenStack-API-Version': 'compute 2.35' } });
      const rows = b.keypairs.map(k => ({ id: k.keypair.name, ...k.keypair })).filter(k => !filter || k.name.includes(filter));
      return { rows, next: b.keypairs.length === limit ? b.keypairs.at(-1).keypair.name : null };
    },
    actions: (k, refresh) => actionButton('Delete', async () => { await api('DELETE', `${compute}/os-keypairs/${encodeURIComponent(k.name)}`); refresh(); }, { danger: true, confirm: `Delete key pair ${k.name}?`, label: `Delete ${k.name}` }),
  });
  const download = h('div', { 'aria-live': 'polite' });
  page(main, 'Key pairs',
    panel('Create key pair', () => form([{ name: 'name', label: 'Name', required: true }], 'Create', async v => {
      const k = (await api('POST', `${compute}/os-keypairs`, { keypair: { name: v.name } })).keypair;
      const url = URL.createObjectURL(new Blob([k.private_key], { type: 'application/x-pem-file' }));
      download.replaceChildren(h('p', 'The private key is shown only now: ', h('a', { href: url, download: `${k.name}.pem` }, `download ${k.name}.pem`)));
      list.refresh();
    })),
    panel('Import public key', () => form([{ name: 'name', label: 'Name', required: true }, { name: 'key', label: 'Public key (ssh-ed25519 or ssh-rsa …)', type: 'textarea', required: true }], 'Import', async v => {
      await api('POST', `${compute}/os-keypairs`, { keypair: { name: v.name, public_key: v.key } }); list.refresh();
    })),
    download, list);
}
