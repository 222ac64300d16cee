// Overview: the project's quotas and usage as meters, and the latest instance actions.
import { api, h, page, meter, bytes, compute, network, volumeBase, session, alertBox } from '../lib.js';

export async function render(main) {
  const charts = h('div.grid');
  const activity = h('div');
  page(main, 'Overview', h('p', `Project ${session.info.project_name} (${session.info.project_id}).`), h('h2', 'Quotas and usage'), charts, h('h2', 'Recent activity'), activity);
  const pid = session.info.project_id;
  const section = (title, items) => h('section.card', { 'aria-label': title }, h('h3', title), items);
  try {
    const limits = (await api('GET', `${compute}/limits`)).limits.absolute;
    charts.append(section('Compute', [
      meter('Instances', limits.totalInstancesUsed, limits.maxTotalInstances),
      meter('vCPUs', limits.totalCoresUsed, limits.maxTotalCores),
      meter('RAM', limits.totalRAMUsed, limits.maxTotalRAMSize, v => bytes(v * 1024 * 1024)),
    ]));
  } catch (e) { charts.append(alertBox(`Compute limits: ${e.message}`)); }
  try {
    const q = (await api('GET', `${volumeBase()}/os-quota-sets/${pid}?usage=True`)).quota_set;
    charts.append(section('Block storage', [
      meter('Volumes', q.volumes.in_use, q.volumes.limit),
      meter('Gigabytes', q.gigabytes.in_use, q.gigabytes.limit, v => `${v} GB`),
      meter('Snapshots', q.snapshots.in_use, q.snapshots.limit),
    ]));
  } catch (e) { charts.append(alertBox(`Volume quotas: ${e.message}`)); }
  try {
    const q = (await api('GET', `${network}/quotas/${pid}/details`)).quota;
    charts.append(section('Network', [
      meter('Floating IPs', q.floatingip.used, q.floatingip.limit),
      meter('Ports', q.port.used, q.port.limit),
      meter('Networks', q.network.used, q.network.limit),
      meter('Security groups', q.security_group.used, q.security_group.limit),
    ]));
  } catch (e) { charts.append(alertBox(`Network quotas: ${e.message}`)); }
  try {
    const servers = (await api('GET', `${compute}/servers?limit=10`)).servers;
    const rows = [];
    for (const s of servers) {
      const actions = (await api('GET', `${compute}/servers/${s.id}/os-instance-actions`)).instanceActions;
      for (const a of actions.slice(0, 5)) rows.push({ server: s.name, action: a.action, time: a.start_time, user: a.user_id });
    }
    rows.sort((a, b) => String(b.time).localeCompare(String(a.time)));
    activity.append(rows.length
      ? h('table', { 'aria-label': 'Recent instance actions' }, h('thead', h('tr', ['Time', 'Instance', 'Action'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', rows.slice(0, 15).map(r => h('tr', h('td', r.time), h('td', r.server), h('td', r.action)))))
      : h('p.muted', 'No instance actions yet.'));
  } catch (e) { activity.append(alertBox(e.message)); }
}
