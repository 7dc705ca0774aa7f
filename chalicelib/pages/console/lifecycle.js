// Lifecycle: the stage counts as a chart, the parameters with their overrides, and each stage's members.
import {get, put} from './api.js';
import {barChart} from './charts.js';
import {announce, clear, field, h, timeEl} from './dom.js';
import {membersTable, stageLabel} from './customers.js';
import {formatNumber, t, tNodes} from './i18n.js';

let root = null;

export function show(main, args) {
  root = h('div', {class: 'page'});
  main.append(root);
  update(args);
  return () => { root = null; };
}

export async function update([stage] = []) {
  if (!root) return;
  clear(root, h('h1', {}, t('Customer lifecycle')), h('p', {class: 'muted'}, t('Loading…')));
  let overview;
  try { overview = await get('admin/lifecycle'); } catch (error) { clear(root, h('h1', {}, t('Customer lifecycle')), h('p', {class: 'notice bad'}, error.message)); return; }
  const total = overview.stages.reduce((sum, row) => sum + row.members, 0);
  const chart = barChart(overview.stages.map((row) => ({label: stageLabel(row.stage), value: row.members})),
    {title: t('Members per lifecycle stage ({total} in all)', {total: formatNumber(total)}),
      format: (v) => (total ? `${formatNumber(v)} (${Math.round((v / total) * 100)}%)` : formatNumber(v))});
  const table = h('table', {}, h('caption', {class: 'sr-only'}, t('Members per stage')),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, t('Stage')), h('th', {scope: 'col'}, t('Members')))),
    h('tbody', {}, overview.stages.map((row) => h('tr', {},
      h('td', {}, h('a', {href: `#/lifecycle/${row.stage}`, 'aria-current': row.stage === stage ? 'true' : null}, stageLabel(row.stage))),
      h('td', {}, formatNumber(row.members))))));
  const members = h('div', {class: 'table-wrap', 'aria-live': 'polite'});
  clear(root, h('h1', {}, t('Customer lifecycle')),
    h('section', {class: 'card', 'aria-labelledby': 'stages-title'}, h('h2', {id: 'stages-title'}, t('Stages')),
      h('p', {class: 'muted'}, overview.day
        ? tNodes('As of {date}, {time} (daily run of {day})', {date: timeEl(overview.as_of, 'date'), time: timeEl(overview.as_of, false), day: overview.day})
        : tNodes('As of {date}, {time} (counted now)', {date: timeEl(overview.as_of, 'date'), time: timeEl(overview.as_of, false)})),
      h('div', {class: 'chart-row'}, chart, table)),
    stage ? h('section', {class: 'card', 'aria-labelledby': 'stage-members'},
      h('h2', {id: 'stage-members'}, t('Members in {stage}', {stage: stageLabel(stage)})), members) : null,
    parametersCard(overview.parameters));
  if (stage) loadMembers(members, stage, null, []);
}

async function loadMembers(area, stage, cursor, shown) {
  try {
    const page = await get(`admin/members?${new URLSearchParams({stage, limit: '50', ...(cursor ? {cursor} : {})})}`);
    const rows = shown.concat(page.items);
    const more = page.next_cursor ? h('button', {type: 'button', class: 'secondary', onclick: () => loadMembers(area, stage, page.next_cursor, rows)}, t('Show more')) : null;
    clear(area, rows.length ? membersTable(rows, t('Members in this stage')) : h('p', {class: 'muted'}, t('No member is in this stage.')), more);
  } catch (error) { clear(area, h('p', {class: 'notice bad'}, error.message)); }
}

function parametersCard(parameters) {
  const cycle = h('input', {type: 'number', min: 1, max: 3650, value: parameters.repurchase_cycle_days.override ?? ''});
  const spend = h('input', {type: 'number', min: 0, step: 'any', value: parameters.high_value_spend.override ?? ''});
  // `unit` says a value with its unit ("30 days" / "30 天").
  const row = (label, parameter, unit) => h('tr', {}, h('th', {scope: 'row'}, label),
    h('td', {}, parameter.auto === null ? '—' : unit(parameter.auto)),
    h('td', {}, parameter.override === null ? t('none') : unit(parameter.override)),
    h('td', {class: 'strong'}, parameter.effective === null ? '—' : unit(parameter.effective)));
  const days = (value) => t('{count} days', {count: formatNumber(value)});
  const form = h('form', {class: 'row'}, field(t('Repurchase cycle override (days)'), cycle, t('Empty: use the computed value')),
    field(t('High-value spend override'), spend, t('Empty: use the computed value')), h('button', {type: 'submit'}, t('Save overrides')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await put('admin/lifecycle/parameters', {repurchase_cycle_days: cycle.value === '' ? null : Number(cycle.value),
        high_value_spend: spend.value === '' ? null : Number(spend.value)});
      announce(t('Saved: the next run uses these parameters'));
      update([]);
    } catch (error) { announce(error.message, 'bad'); }
  });
  const thresholds = parameters.thresholds || {};
  return h('section', {class: 'card', 'aria-labelledby': 'params-title'}, h('h2', {id: 'params-title'}, t('Parameters')),
    h('table', {}, h('thead', {}, h('tr', {}, ['', t('Computed'), t('Override'), t('In use')].map((x) => h('th', {scope: 'col'}, x)))),
      h('tbody', {}, row(t('Repurchase cycle C'), parameters.repurchase_cycle_days, days),
        row(t('High-value spend H'), parameters.high_value_spend, formatNumber))),
    h('p', {class: 'muted'}, t('Thresholds: r1 = {r1} days, r2 = {r2} days, r3 = {r3} days (version {version}).',
      {r1: thresholds.r1, r2: thresholds.r2, r3: thresholds.r3, version: parameters.version ?? '—'})), form);
}
