// The user's own account: password change and application credentials.
import { api, h, page, form, panel, actionButton, session, alertBox } from '../lib.js';

export async function render(main) {
  const creds = h('div');
  const created = h('div', { 'aria-live': 'polite' });
  const uid = session.info.user_id;
  page(main, 'Account', h('p', `${session.info.user_name} in domain ${session.info.domain_name}, project ${session.info.project_name}.`),
    h('h2', 'Application credentials'), created, creds,
    panel('Create application credential', () => form([
      { name: 'name', label: 'Name', required: true }, { name: 'description', label: 'Description' },
      { name: 'expires', label: 'Expires (optional)', type: 'datetime-local' },
    ], 'Create', async v => {
      const body = { application_credential: { name: v.name, description: v.description || undefined, expires_at: v.expires ? new Date(v.expires).toISOString() : undefined } };
      const c = (await api('POST', `/identity/v3/users/${uid}/application_credentials`, body)).application_credential;
      created.replaceChildren(h('p', `Created ${c.name}: ID `, h('code', c.id), ', secret ', h('code', c.secret), ' (shown only now).'));
      load();
    })),
    h('h2', 'Password'),
    form([
      { name: 'original', label: 'Current password', type: 'password', required: true },
      { name: 'password', label: 'New password', type: 'password', required: true },
    ], 'Change password', async v => {
      await api('POST', `/identity/v3/users/${uid}/password`, { user: { original_password: v.original, password: v.password } });
      location.assign('/dashboard/login');
    }));
  async function load() {
    try {
      const list = (await api('GET', `/identity/v3/users/${uid}/application_credentials`)).application_credentials;
      creds.replaceChildren(list.length ? h('ul', list.map(c => h('li', `${c.name} (${c.id}) `, actionButton('Delete', async () => { await api('DELETE', `/identity/v3/users/${uid}/application_credentials/${c.id}`); load(); }, { danger: true, confirm: `Delete application credential ${c.name}?`, label: `Delete ${c.name}` })))) : h('p.muted', 'None yet.'));
    } catch (e) { creds.replaceChildren(alertBox(e.message)); }
  }
  load();
}
