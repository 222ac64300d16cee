// Alarms (Aodh): the project's alarms with their state, type, severity and whether they are evaluated; a form for a
// simple threshold alarm on an instance's metric; enable, disable, delete; an alarm's detail with its history.
import { api, h, page, table, form, panel, actionButton, alertBox, session } from '../lib.js';
import { go } from '../app.js';
import { alarmBase, missing, searchResources } from '../telemetry.js';

export async function render(main, parts) {
  const notice = await missing('alarming', 'Alarms');
  if (notice) { page(main, 'Alarms', notice); return; }
  if (parts[0]) return detail(main, parts[0]);
  const list = table({
    label: 'Alarms', filterLabel: 'Filter by name', poll: 5000, sortKey: 'name',
    columns: [
      { key: 'name', label: 'Name', sort: true, render: a => h('a', { href: `/ui/alarms/${a.alarm_id}` }, a.name) },
      { key: 'state', label: 'State', sort: true, render: a => stateBadge(a.state) },
      { key: 'type', label: 'Type', sort: true },
      { key: 'severity', label: 'Severity', sort: true },
      { key: 'enabled', label: 'Enabled', sort: true, render: a => (a.enabled ? 'yes' : 'no') },
      { key: 'state_timestamp', label: 'State since', sort: true },
    ],
    // Aodh answers the whole list (a project has at most its quota of alarms): filtered and sorted here.
    load: async ({ filter }) => {
      const alarms = await api('GET', `${alarmBase}/alarms`);
      const text = (filter || '').toLowerCase();
      return { rows: alarms.filter(a => !text || a.name.toLowerCase().includes(text)).map(a => ({ id: a.alarm_id, ...a })) };
    },
    actions: (a, refresh) => [
      actionButton(a.enabled ? 'Disable' : 'Enable', async () => { await setEnabled(a.alarm_id, !a.enabled); refresh(); }, { label: `${a.enabled ? 'Disable' : 'Enable'} ${a.name}` }),
      actionButton('Delete', async () => { await api('DELETE', `${alarmBase}/alarms/${a.alarm_id}`); refresh(); }, { danger: true, confirm: `Delete alarm ${a.name}?`, label: `Delete ${a.name}` }),
    ],
  });
  page(main, 'Alarms', panel('Create threshold alarm', close => createForm(() => { close(); list.refresh(); })), list);
}

/** Aodh's three states as badges: ok green, alarm red, insufficient data amber. */
export function stateBadge(state) {
  const kind = state === 'ok' ? 'ok' : state === 'alarm' ? 'bad' : 'busy';
  return h(`span.badge.${kind}`, { dataset: { state: state ?? '' } }, state ?? '');
}

/** Aodh's update is a PUT of the whole alarm: the current definition with `enabled` changed. */
async function setEnabled(id, enabled) {
  const alarm = await api('GET', `${alarmBase}/alarms/${id}`);
  await api('PUT', `${alarmBase}/alarms/${id}`, { ...alarm, enabled });
}

const metrics = [
  ['cpu', 'cpu (CPU time, ns, cumulative)'], ['memory.usage', 'memory.usage (MB in use)'], ['memory', 'memory (MB allocated)'], ['vcpus', 'vcpus'],
];

function createForm(done) {
  const holder = h('div', h('p.muted', 'Loading instances…'));
  (async () => {
    const noMetrics = await missing('metric', 'Threshold alarms');
    if (noMetrics) { holder.replaceChildren(noMetrics); return; }
    const instances = (await searchResources('instance', { '=': { project_id: session.info.project_id } }))
      .filter(r => !r.ended_at).map(r => [r.id, r.display_name ? `${r.display_name} (${r.id.slice(0, 8)})` : r.id]);
    holder.replaceChildren(form([
      { name: 'name', label: 'Name', required: true },
      { name: 'resource', label: 'Instance', type: 'select', options: instances, help: instances.length ? null : 'Telemetry has recorded no instance of this project yet.' },
      { name: 'metric', label: 'Metric', type: 'select', options: metrics, value: 'cpu' },
      { name: 'aggregation', label: 'Aggregation', type: 'select', options: [['mean', 'mean'], ['max', 'max'], ['min', 'min'], ['last', 'last']], value: 'mean' },
      { name: 'comparison', label: 'Comparison', type: 'select', options: [['gt', '> greater than'], ['ge', '≥ at least'], ['lt', '< less than'], ['le', '≤ at most'], ['eq', '= equal to'], ['ne', '≠ not equal to']], value: 'gt' },
      { name: 'threshold', label: 'Threshold', type: 'number', step: 'any', required: true },
      { name: 'granularity', label: 'Granularity (seconds)', type: 'number', value: 60, min: 1 },
      { name: 'periods', label: 'Evaluation periods', type: 'number', value: 1, min: 1 },
      { name: 'severity', label: 'Severity', type: 'select', options: [['low', 'low'], ['moderate', 'moderate'], ['critical', 'critical']], value: 'low' },
      { name: 'action', label: 'Alarm action URL', placeholder: 'https://… or log://', help: 'Called when the alarm fires (optional).' },
      { name: 'enabled', label: 'Enabled', type: 'checkbox', value: true },
    ], 'Create alarm', async v => {
      if (!v.name) throw new Error('Give the alarm a name.');
      if (!v.resource) throw new Error('Choose an instance.');
      if (v.threshold === '' || Number.isNaN(Number(v.threshold))) throw new Error('Give a number as the threshold.');
      await api('POST', `${alarmBase}/alarms`, {
        name: v.name, type: 'gnocchi_resources_threshold', severity: v.severity, enabled: v.enabled,
        alarm_actions: v.action ? [v.action] : [],
        gnocchi_resources_threshold_rule: {
          metric: v.metric, resource_type: 'instance', resource_id: v.resource, aggregation_method: v.aggregation,
          comparison_operator: v.comparison, threshold: Number(v.threshold), granularity: Number(v.granularity) || 60, evaluation_periods: Number(v.periods) || 1,
        },
      });
      done();
    }));
  })().catch(e => holder.replaceChildren(alertBox(e.message)));
  return holder;
}

async function detail(main, id) {
  const [alarm, history] = await Promise.all([api('GET', `${alarmBase}/alarms/${id}`), api('GET', `${alarmBase}/alarms/${id}/history`)]);
  const rule = alarm[`${alarm.type}_rule`] || {};
  const condition = rule.metric
    ? `${rule.aggregation_method} of ${rule.metric} on ${rule.resource_type} ${rule.resource_id ?? ''} ${rule.comparison_operator} ${rule.threshold}, every ${rule.granularity} s, ${rule.evaluation_periods} period(s)`
    : JSON.stringify(rule);
  const info = h('dl.info', [
    ['ID', alarm.alarm_id], ['State', stateBadge(alarm.state)], ['State reason', alarm.state_reason || '—'], ['State since', alarm.state_timestamp],
    ['Type', alarm.type], ['Severity', alarm.severity], ['Enabled', alarm.enabled ? 'yes' : 'no'], ['Condition', condition],
    ['Alarm actions', (alarm.alarm_actions || []).join(', ') || '—'], ['Description', alarm.description || '—'],
  ].map(([k, v]) => [h('dt', k), h('dd', v ?? '')]));
  const rows = [...history].sort((a, b) => String(b.timestamp).localeCompare(String(a.timestamp)));
  page(main, `Alarm ${alarm.name}`,
    h('p', h('a', { href: '/ui/alarms' }, '← All alarms')),
    h('div.buttons',
      actionButton(alarm.enabled ? 'Disable' : 'Enable', async () => { await setEnabled(id, !alarm.enabled); await detail(main, id); }),
      actionButton('Delete alarm', async () => { await api('DELETE', `${alarmBase}/alarms/${id}`); go('/ui/alarms'); }, { danger: true, confirm: `Delete alarm ${alarm.name}?` })),
    info,
    h('h2', 'History'),
    h('div.table', h('div.scroll', h('table', { 'aria-label': 'History' },
      h('thead', h('tr', ['Time', 'Event', 'Detail'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', rows.length ? rows.map(r => h('tr', { dataset: { id: r.event_id } }, h('td', r.timestamp), h('td', r.type), h('td', historyDetail(r))))
        : h('tr', h('td', { colspan: 3 }, 'No history.')))))));
}

/** A history row's detail: the new state and its reason for a state transition, else the JSON Aodh recorded. */
function historyDetail(row) {
  try {
    const detail = JSON.parse(row.detail);
    if (row.type === 'state transition' && detail.state) return [stateBadge(detail.state), ' ', detail.transition_reason || detail.state_reason || ''];
    if (row.type === 'creation' || row.type === 'rule change') return `${detail.name ?? ''}${detail.enabled === false ? ' (disabled)' : ''}${detail.state ? `, ${detail.state}` : ''}`;
    return row.detail;
  } catch { return row.detail ?? ''; }
}
