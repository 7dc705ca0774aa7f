// Customers: the list (newest first, filters), search, export with progress, a member's profile, CSV import.
import {call, get, post} from './api.js';
import {announce, clear, field, h, timeEl} from './dom.js';
import {formatNumber, t, tNodes} from './i18n.js';
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
    clear(root, h('p', {}, h('a', {href: '#/customers'}, t('← All customers'))), panel);
    const api = profilePanel(panel, {memberId, standalone: true});
    stopProfile = api.stop;
    return;
  }
  clear(root, h('div', {class: 'page-head'}, h('h1', {}, t('Customers'))), listCard(), searchCard(), importCard());
}

function searchCard() {
  const by = h('select', {}, [['phone', t('Mobile number')], ['email', t('E-mail')], ['name', t('Name (starts with)')]]
    .map(([value, label]) => h('option', {value}, label)));
  const query = h('input', {type: 'search', required: true, autocomplete: 'off'});
  const results = h('div', {class: 'table-wrap', 'aria-live': 'polite'});
  const form = h('form', {class: 'row', role: 'search'}, field(t('Search by'), by), field(t('Search for'), query),
    h('button', {type: 'submit'}, t('Search')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const page = await get(`admin/members?${new URLSearchParams({[by.value]: query.value.trim()})}`);
      clear(results, page.items.length ? membersTable(page.items, t('Search results')) : h('p', {class: 'muted'}, t('No customer matches.')));
    } catch (error) { clear(results, h('p', {class: 'notice bad'}, error.message)); }
  });
  return h('section', {class: 'card', 'aria-labelledby': 'search-title'}, h('h2', {id: 'search-title'}, t('Find a customer')), form, results);
}

// The importer's column names: a file format, written as the file must be, in any language.
const CSV_COLUMNS = 'Name, Email, Mobile Number, International Calling Code, Is Member';

const STAGES = {need_introduce: () => t('Need Introduce'), silent: () => t('Silent Customers'), loyalists: () => t('Loyalists'),
  high_potential: () => t('High-Potential'), need_nurturing: () => t('Need Nurturing'), cant_lose: () => t('Can\'t Lose'),
  lost: () => t('Lost')};
export const stageLabel = (stage) => (STAGES[stage] ? STAGES[stage]() : stage || '—');
export const stageOptions = (first) => [h('option', {value: ''}, first),
  ...Object.entries(STAGES).map(([value, label]) => h('option', {value}, label()))];

/** Members as a table: name (a link to the profile), contact, tags, stage, branch and the date they joined. */
export function membersTable(items, caption) {
  return h('table', {class: 'members'}, h('caption', {class: 'sr-only'}, caption),
    h('thead', {}, h('tr', {}, [t('Name'), t('Mobile'), t('E-mail'), t('Tags'), t('Stage'), t('Branch'), t('Member since')].map((name) => h('th', {scope: 'col'}, name)))),
    h('tbody', {}, items.map((member) => h('tr', {},
      h('td', {}, h('a', {href: `#/customers/${encodeURIComponent(member.member_id)}`}, member.name || t('Unnamed member')),
        member.blacklisted ? h('span', {class: 'badge bad'}, t('Blacklisted')) : null),
      h('td', {}, member.phone || '—'), h('td', {}, member.email || '—'),
      h('td', {}, (member.tags || []).join(', ') || '—'),
      h('td', {}, stageLabel(member.lifecycle && member.lifecycle.stage)),
      h('td', {}, (member.referral && member.referral.branch_name) || '—'),
      h('td', {}, timeEl(member.created_at, 'date'))))));
}

function listCard() {
  const tag = h('input', {type: 'text', maxlength: 50, autocomplete: 'off'});
  const stage = h('select', {}, stageOptions(t('Any stage')));
  const branch = h('select', {}, h('option', {value: ''}, t('Any branch')));
  const consent = h('select', {}, h('option', {value: ''}, t('Any')), h('option', {value: 'subscribed'}, t('Subscribed to e-mail')));
  const blacklisted = h('input', {type: 'checkbox', id: 'only-blacklisted'});
  get('admin/branches').then((page) => branch.append(...page.items.map((b) => h('option', {value: b.branch_id}, b.name)))).catch(() => {});
  const results = h('div', {class: 'table-wrap', 'aria-live': 'polite'});
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, t('Show more customers'));
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
      clear(results, rows.length ? membersTable(rows, t('Customers')) : h('p', {class: 'muted'}, t('No customer matches these filters.')));
    } catch (error) { clear(results, h('p', {class: 'notice bad'}, error.message)); }
  };
  const form = h('form', {class: 'row filters', 'aria-label': t('Filter customers')}, field(t('Tag'), tag), field(t('Lifecycle stage'), stage),
    field(t('Registered at branch'), branch), field(t('E-mail consent'), consent),
    h('div', {class: 'field checkbox'}, blacklisted, h('label', {for: 'only-blacklisted'}, t('Blacklisted only'))),
    h('button', {type: 'submit'}, t('Apply filters')),
    h('button', {type: 'button', class: 'secondary', onclick: () => exportCustomers(filters(), exportArea)}, t('Export these customers (CSV)')));
  form.addEventListener('submit', (event) => { event.preventDefault(); load(true); });
  for (const control of [stage, branch, consent, blacklisted]) control.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));
  load(true);
  return h('section', {class: 'card', 'aria-labelledby': 'list-title'}, h('h2', {id: 'list-title'}, t('All customers, newest first')),
    form, exportArea, results, more);
}

/** Start an export and show its progress until the file is ready, then a download link. */
async function exportCustomers(filters, area) {
  const bar = h('progress', {max: 100, 'aria-label': t('Export progress')});
  const status = h('p', {class: 'muted'}, t('Preparing the export…'));
  clear(area, h('div', {class: 'notice info'}, status, bar));
  try {
    const {export_id: id} = await post('admin/customer-exports', Object.keys(filters).length ? {filters} : {});
    for (;;) {
      const progress = await get(`admin/customer-exports/${encodeURIComponent(id)}`);
      if (progress.state === 'done') {
        bar.value = 100;
        clear(area, h('p', {class: 'notice ok'}, tNodes('Export ready: {count} customers. {link} (the link works for an hour).', {count: formatNumber(progress.rows),
          link: h('a', {href: progress.url, download: 'customers.csv', rel: 'noopener noreferrer'}, t('Download customers.csv'))})));
        return;
      }
      if (progress.state === 'failed') throw new Error(t('The export failed; please try again.'));
      bar.removeAttribute('value'); // running: an indeterminate bar with the rows written so far
      status.textContent = t('Exporting… {count} customers written so far.', {count: formatNumber(progress.rows)});
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  } catch (error) { clear(area, h('p', {class: 'notice bad'}, error.message)); }
}

function importCard() {
  const file = h('input', {type: 'file', accept: '.csv,text/csv'});
  const preview = h('div', {class: 'table-wrap', 'aria-live': 'polite'});
  const importButton = h('button', {type: 'button', disabled: true}, t('Import'));
  let csv = null;
  const send = async (dryRun) => (await call('POST', `admin/customer-imports?dry_run=${dryRun}`, {raw: csv, contentType: 'text/csv'})).data;
  const form = h('form', {class: 'row'}, field(t('CSV file'), file, tNodes('Columns: {columns}', {columns: h('code', {translate: 'no'}, CSV_COLUMNS)})),
    h('button', {type: 'submit', class: 'secondary'}, t('Preview')), importButton);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!file.files[0]) { announce(t('Choose a CSV file first'), 'bad'); return; }
    csv = await file.files[0].text();
    try {
      const answer = await send(true);
      clear(preview, summary(answer, t('Preview: nothing has been imported yet.')), rowsTable(answer.rows));
      importButton.disabled = false;
    } catch (error) { clear(preview, h('p', {class: 'notice bad'}, error.message)); }
  });
  importButton.addEventListener('click', async () => {
    importButton.disabled = true;
    try {
      const answer = await send(false);
      clear(preview, summary(answer, t('Imported.')), rowsTable(answer.rows.filter((row) => row.status === 'error')));
      announce(t('Import finished'));
    } catch (error) { clear(preview, h('p', {class: 'notice bad'}, error.message)); }
  });
  return h('section', {class: 'card', 'aria-labelledby': 'import-title'}, h('h2', {id: 'import-title'}, t('Import customers from CSV')), form, preview);
}

const summary = (answer, lead) => h('p', {class: 'notice info'},
  `${lead} ${t('{created} to create, {updated} to update, {failed} with errors.', answer)}`);

const ROW_STATUS = {create: () => t('to create'), update: () => t('to update'), error: () => t('error')};

function rowsTable(rows) {
  if (!rows.length) return null;
  return h('table', {}, h('caption', {class: 'sr-only'}, t('Rows')),
    h('thead', {}, h('tr', {}, [t('Line'), t('Status'), t('Mobile'), t('Problems')].map((text) => h('th', {scope: 'col'}, text)))),
    h('tbody', {}, rows.slice(0, 500).map((row) => h('tr', {}, h('td', {}, String(row.line)),
      h('td', {class: `status-${row.status}`}, ROW_STATUS[row.status] ? ROW_STATUS[row.status]() : row.status), h('td', {}, row.mobile || '—'),
      h('td', {}, (row.errors || []).map((e) => (typeof e === 'string' ? e : e.message || JSON.stringify(e))).join('; '))))));
}
