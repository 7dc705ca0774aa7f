// Customers: the list (newest first, filters), search, export with progress, a member's profile, CSV import.
import {call, get, post} from './api.js';
import {announce, clear, field, h, timeEl} from './dom.js';
import {profilePanel} from './profile.js';

let stopProfile = () => {};
let root = null;

export function show(main, args) {
  root = h('div', {class: 'page'});
  main.append(root);
  update(args);
  return () => { stopProfile(); root = null; };
}

export function update([memberId]) {
  stopProfile();
  stopProfile = () => {};
  if (!root) return;
  if (memberId) {
    const panel = h('div', {class: 'customer-profile'});
    clear(root, h('p', {}, h('a', {href: '#/customers'}, '← All customers')), panel);
    const api = profilePanel(panel, {memberId, standalone: true});
    stopProfile = api.stop;
    return;
  }
  clear(root, h('div', {class: 'page-head'}, h('h1', {}, 'Customers')), listCard(), searchCard(), importCard());
}

function searchCard() {
  const by = h('select', {}, [['phone', 'Mobile number'], ['email', 'E-mail'], ['name', 'Name (starts with)']]
    .map(([value, label]) => h('option', {value}, label)));
  const query = h('input', {type: 'search', required: true, autocomplete: 'off'});
  const results = h('div', {class: 'table-wrap', 'aria-live': 'polite'});
  const form = h('form', {class: 'row', role: 'search'}, field('Search by', by), field('Search for', query),
    h('button', {type: 'submit'}, 'Search'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const page = await get(`admin/members?${new URLSearchParams({[by.value]: query.value.trim()})}`);
      clear(results, page.items.length ? membersTable(page.items, 'Search results') : h('p', {class: 'muted'}, 'No customer matches.'));
    } catch (error) { clear(results, h('p', {class: 'notice bad'}, error.message)); }
  });
  return h('section', {class: 'card', 'aria-labelledby': 'search-title'}, h('h2', {id: 'search-title'}, 'Find a customer'), form, results);
}

const STAGES = {need_introduce: 'Need Introduce', silent: 'Silent Customers', loyalists: 'Loyalists',
  high_potential: 'High-Potential', need_nurturing: 'Need Nurturing', cant_lose: 'Can\'t Lose', lost: 'Lost'};
export const stageLabel = (stage) => STAGES[stage] || stage || '—';
export const stageOptions = (first) => [h('option', {value: ''}, first),
  ...Object.entries(STAGES).map(([value, label]) => h('option', {value}, label))];

/** Members as a table: name (a link to the profile), contact, tags, stage, branch and the date they joined. */
export function membersTable(items, caption) {
  return h('table', {class: 'members'}, h('caption', {class: 'sr-only'}, caption),
    h('thead', {}, h('tr', {}, ['Name', 'Mobile', 'E-mail', 'Tags', 'Stage', 'Branch', 'Member since'].map((t) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, items.map((member) => h('tr', {},
      h('td', {}, h('a', {href: `#/customers/${encodeURIComponent(member.member_id)}`}, member.name || 'Unnamed member'),
        member.blacklisted ? h('span', {class: 'badge bad'}, 'Blacklisted') : null),
      h('td', {}, member.phone || '—'), h('td', {}, member.email || '—'),
      h('td', {}, (member.tags || []).join(', ') || '—'),
      h('td', {}, stageLabel(member.lifecycle && member.lifecycle.stage)),
      h('td', {}, (member.referral && member.referral.branch_name) || '—'),
      h('td', {}, timeEl(member.created_at, 'date'))))));
}

function listCard() {
  const tag = h('input', {type: 'text', maxlength: 50, autocomplete: 'off'});
  const stage = h('select', {}, stageOptions('Any stage'));
  const branch = h('select', {}, h('option', {value: ''}, 'Any branch'));
  const consent = h('select', {}, h('option', {value: ''}, 'Any'), h('option', {value: 'subscribed'}, 'Subscribed to e-mail'));
  const blacklisted = h('input', {type: 'checkbox', id: 'only-blacklisted'});
  get('admin/branches').then((page) => branch.append(...page.items.map((b) => h('option', {value: b.branch_id}, b.name)))).catch(() => {});
  const results = h('div', {class: 'table-wrap', 'aria-live': 'polite'});
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, 'Show more customers');
  const exportArea = h('div', {class: 'export', 'aria-live': 'polite'});
  let cursor = null;
  let rows = [];
  const filters = () => {
    const chosen = {tag: tag.value.trim(), stage: stage.value, added_from: branch.value,
      email_marketing: consent.value, blacklisted: blacklisted.checked ? 'true' : ''};
    return Object.fromEntries(Object.entries(chosen).filter(([, value]) => value));
  };
  const load = async (reset) => {
    if (reset) { cursor = null; rows = []; }
    try {
      const query = new URLSearchParams({...filters(), limit: '50', ...(cursor ? {cursor} : {})});
      const page = await get(`admin/members?${query}`);
      rows = rows.concat(page.items);
      cursor = page.next_cursor;
      more.hidden = !cursor;
      clear(results, rows.length ? membersTable(rows, 'Customers') : h('p', {class: 'muted'}, 'No customer matches these filters.'));
    } catch (error) { clear(results, h('p', {class: 'notice bad'}, error.message)); }
  };
  const form = h('form', {class: 'row filters', 'aria-label': 'Filter customers'}, field('Tag', tag), field('Lifecycle stage', stage),
    field('Registered at branch', branch), field('E-mail consent', consent),
    h('div', {class: 'field checkbox'}, blacklisted, h('label', {for: 'only-blacklisted'}, 'Blacklisted only')),
    h('button', {type: 'submit'}, 'Apply filters'),
    h('button', {type: 'button', class: 'secondary', onclick: () => exportCustomers(filters(), exportArea)}, 'Export these customers (CSV)'));
  form.addEventListener('submit', (event) => { event.preventDefault(); load(true); });
  for (const control of [stage, branch, consent, blacklisted]) control.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));
  load(true);
  return h('section', {class: 'card', 'aria-labelledby': 'list-title'}, h('h2', {id: 'list-title'}, 'All customers, newest first'),
    form, exportArea, results, more);
}

/** Start an export and show its progress until the file is ready, then a download link. */
async function exportCustomers(filters, area) {
  const bar = h('progress', {max: 100, 'aria-label': 'Export progress'});
  const status = h('p', {class: 'muted'}, 'Preparing the export…');
  clear(area, h('div', {class: 'notice info'}, status, bar));
  try {
    const {export_id: id} = await post('admin/customer-exports', Object.keys(filters).length ? {filters} : {});
    for (;;) {
      const progress = await get(`admin/customer-exports/${encodeURIComponent(id)}`);
      if (progress.state === 'done') {
        bar.value = 100;
        clear(area, h('p', {class: 'notice ok'}, `Export ready: ${progress.rows} customers. `,
          h('a', {href: progress.url, download: 'customers.csv', rel: 'noopener noreferrer'}, 'Download customers.csv'),
          ' (the link works for an hour).'));
        return;
      }
      if (progress.state === 'failed') throw new Error('The export failed; please try again.');
      bar.removeAttribute('value'); // running: an indeterminate bar with the rows written so far
      status.textContent = `Exporting… ${progress.rows} customers written so far.`;
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  } catch (error) { clear(area, h('p', {class: 'notice bad'}, error.message)); }
}

function importCard() {
  const file = h('input', {type: 'file', accept: '.csv,text/csv'});
  const preview = h('div', {class: 'table-wrap', 'aria-live': 'polite'});
  const importButton = h('button', {type: 'button', disabled: true}, 'Import');
  let csv = null;
  const send = async (dryRun) => (await call('POST', `admin/customer-imports?dry_run=${dryRun}`, {raw: csv, contentType: 'text/csv'})).data;
  const form = h('form', {class: 'row'}, field('CSV file', file, 'Columns: Name, Email, Mobile Number, International Calling Code, Is Member'),
    h('button', {type: 'submit', class: 'secondary'}, 'Preview'), importButton);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!file.files[0]) { announce('Choose a CSV file first', 'bad'); return; }
    csv = await file.files[0].text();
    try {
      const answer = await send(true);
      clear(preview, summary(answer, 'Preview: nothing has been imported yet.'), rowsTable(answer.rows));
      importButton.disabled = false;
    } catch (error) { clear(preview, h('p', {class: 'notice bad'}, error.message)); }
  });
  importButton.addEventListener('click', async () => {
    importButton.disabled = true;
    try {
      const answer = await send(false);
      clear(preview, summary(answer, 'Imported.'), rowsTable(answer.rows.filter((row) => row.status === 'error')));
      announce('Import finished');
    } catch (error) { clear(preview, h('p', {class: 'notice bad'}, error.message)); }
  });
  return h('section', {class: 'card', 'aria-labelledby': 'import-title'}, h('h2', {id: 'import-title'}, 'Import customers from CSV'), form, preview);
}

const summary = (answer, lead) => h('p', {class: 'notice info'},
  `${lead} ${answer.created} to create, ${answer.updated} to update, ${answer.failed} with errors.`);

function rowsTable(rows) {
  if (!rows.length) return null;
  return h('table', {}, h('caption', {class: 'sr-only'}, 'Rows'),
    h('thead', {}, h('tr', {}, ['Line', 'Status', 'Mobile', 'Problems'].map((t) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, rows.slice(0, 500).map((row) => h('tr', {}, h('td', {}, String(row.line)),
      h('td', {class: `status-${row.status}`}, row.status), h('td', {}, row.mobile || '—'),
      h('td', {}, (row.errors || []).map((e) => (typeof e === 'string' ? e : e.message || JSON.stringify(e))).join('; '))))));
}
