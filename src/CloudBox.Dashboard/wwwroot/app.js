// The dashboard's entry: loads the session, wires the navigation (History API, no reloads) and renders pages.
import { api, h, loadSession, page, session, toLogin, alertBox } from './lib.js';

const pages = {
  overview: () => import('./pages/overview.js'),
  instances: () => import('./pages/instances.js'),
  images: () => import('./pages/images.js'),
  volumes: () => import('./pages/volumes.js'),
  networks: () => import('./pages/networks.js'),
  'security-groups': () => import('./pages/securitygroups.js'),
  'floating-ips': () => import('./pages/floatingips.js'),
  'key-pairs': () => import('./pages/keypairs.js'),
  'object-store': () => import('./pages/objects.js'),
  orchestration: () => import('./pages/orchestration.js'),
  databases: () => import('./pages/databases.js'),
  monitoring: () => import('./pages/monitoring.js'),
  alarms: () => import('./pages/alarms.js'),
  account: () => import('./pages/account.js'),
  console: () => import('./pages/console.js'),
  identity: () => import('./pages/identity.js'),
  system: () => import('./pages/system.js'),
};
const adminPages = new Set(['identity', 'system']);

async function start() {
  const info = await loadSession();
  if (!info) { toLogin(true); return; }
  document.getElementById('who').textContent = `${info.user_name} · project ${info.project_name}${info.is_admin ? ' · admin' : ''}`;
  for (const link of document.querySelectorAll('#nav [data-admin]')) {
    if (info.is_admin) link.hidden = false; else link.remove();
  }
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('POST', '/dashboard/logout'); } finally { location.assign('/dashboard/login'); }
  });
  document.addEventListener('click', event => {
    const link = event.target.closest('a[href^="/ui/"]:not([data-reload])');
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    history.pushState(null, '', link.getAttribute('href'));
    route(true);
  });
  window.addEventListener('popstate', () => route(true));
  route(false);
}

/** Renders the page the URL names; after in-app navigation, focus moves to the new page's content (as a page load would reset it). */
async function route(moveFocus) {
  const main = document.getElementById('main');
  const parts = location.pathname.replace(/^\/ui\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const name = location.pathname === '/' ? 'overview' : parts[0] || 'overview';
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.getAttribute('href') === `/ui/${name}`) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  if (adminPages.has(name) && !session.info.is_admin) { page(main, 'Forbidden', alertBox('This page is for administrators.')); return; }
  const load = pages[name];
  if (!load) { page(main, 'Not found', h('p', 'There is no such page.')); return; }
  try {
    const module = await load();
    await module.render(main, parts.slice(1), new URLSearchParams(location.search));
  } catch (e) {
    page(main, 'Error', alertBox(e.message || String(e)));
  }
  if (moveFocus) main.focus({ preventScroll: true });
}

/** Navigates inside the app. */
export function go(path) { history.pushState(null, '', path); route(true); }

start();
