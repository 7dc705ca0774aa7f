// Lifecycle: the stage counts as a chart, the parameters with their overrides, and each stage's members.
import {get, put} from './api.js';
import {barChart} from './charts.js';
import {announce, clear, field, h, timeEl} from './dom.js';
import {membersTable} from './customers.js';

let root = null;

export function show(main, args) {
  root = h('div', {class: 'page'});
  main.append(root);
  update(args);
  return () => { root = null; };
}

export async function update([stage] = []) {
  if (!root) return;
  clear(root, h('h1', {}, 'Customer lifecycle'), h('p', {class: 'muted'}, 'Loading…'));
  let overview;
  try { overview = await get('admin/lifecycle'); } catch (error) { clear(root, h('h1', {}, 'Customer lifecycle'), h('p', {class: 'notice bad'}, error.message)); return; }
  const total = overview.stages.reduce((sum, row) => sum + row.members, 0);
  const chart = barChart(overview.stages.map((row) => ({label: row.label, value: row.members})),
    {title: `Members per lifecycle stage (${total} in all)`, format: (v) => (total ? `${v} (${Math.round((v / total) * 100)}%)` : String(v))});
  const table = h('table', {}, h('caption', {class: 'sr-only'}, 'Members per stage'),
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Stage'), h('th', {scope: 'col'}, 'Members'))),
    h('tbody', {}, overview.stages.map((row) => h('tr', {},
      h('td', {}, h('a', {href: `#/lifecycle/${row.stage}`, 'aria-current': row.stage === stage ? 'true' : null}, row.label)),
      h('td', {}, String(row.members))))));
  const members = h('div', {class: 'table-wrap', 'aria-live': 'polite'});
  clear(root, h('h1', {}, 'Customer lifecycle'),
    h('section', {class: 'card', 'aria-labelledby': 'stages-title'}, h('h2', {id: 'stages-title'}, 'Stages'),
      h('p', {class: 'muted'}, 'As of ', timeEl(overview.as_of, 'date'), ', ', timeEl(overview.as_of, false), overview.day ? ` (daily run of ${overview.day})` : ' (counted now)'),
      h('div', {class: 'chart-row'}, chart, table)),
    stage ? h('section', {class: 'card', 'aria-labelledby': 'stage-members'},
      h('h2', {id: 'stage-members'}, `Members in ${(overview.stages.find((row) => row.stage === stage) || {}).label || stage}`), members) : null,
    parametersCard(overview.parameters));
  if (stage) loadMembers(members, stage, null, []);
}

async function loadMembers(area, stage, cursor, shown) {
  try {
    const page = await get(`admin/members?${new URLSearchParams({stage, limit: '50', ...(cursor ? {cursor} : {})})}`);
    const rows = shown.concat(page.items);
    const more = page.next_cursor ? h('button', {type: 'button', class: 'secondary', onclick: () => loadMembers(area, stage, page.next_cursor, rows)}, 'Show more') : null;
    clear(area, rows.length ? membersTable(rows, 'Members in this stage') : h('p', {class: 'muted'}, 'No member is in this stage.'), more);
  } catch (error) { clear(area, h('p', {class: 'notice bad'}, error.message)); }
}

function parametersCard(parameters) {
  const cycle = h('input', {type: 'number', min: 1, max: 3650, value: parameters.repurchase_cycle_days.override ?? ''});
  const spend = h('input', {type: 'number', min: 0, step: 'any', value: parameters.high_value_spend.override ?? ''});
  const row = (label, parameter, unit) => h('tr', {}, h('th', {scope: 'row'}, label),
    h('td', {}, parameter.auto === null ? '—' : `${parameter.auto} ${unit}`),
    h('td', {}, parameter.override === null ? 'none' : `${parameter.override} ${unit}`),
    h('td', {class: 'strong'}, parameter.effective === null ? '—' : `${parameter.effective} ${unit}`));
  const form = h('form', {class: 'row'}, field('Repurchase cycle override (days)', cycle, 'Empty: use the computed value'),
    field('High-value spend override', spend, 'Empty: use the computed value'), h('button', {type: 'submit'}, 'Save overrides'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await put('admin/lifecycle/parameters', {repurchase_cycle_days: cycle.value === '' ? null : Number(cycle.value),
        high_value_spend: spend.value === '' ? null : Number(spend.value)});
      announce('Saved: the next run uses these parameters');
      update([]);
    } catch (error) { announce(error.message, 'bad'); }
  });
  const t = parameters.thresholds || {};
  return h('section', {class: 'card', 'aria-labelledby': 'params-title'}, h('h2', {id: 'params-title'}, 'Parameters'),
    h('table', {}, h('thead', {}, h('tr', {}, ['', 'Computed', 'Override', 'In use'].map((x) => h('th', {scope: 'col'}, x)))),
      h('tbody', {}, row('Repurchase cycle C', parameters.repurchase_cycle_days, 'days'), row('High-value spend H', parameters.high_value_spend, ''))),
    h('p', {class: 'muted'}, `Thresholds: r1 = ${t.r1} days, r2 = ${t.r2} days, r3 = ${t.r3} days (version ${parameters.version ?? '—'}).`), form);
}
