// Customers: search, a member's profile, CSV import with a preview before anything is written.
import {call, get} from './api.js';
import {announce, clear, field, h, timeEl} from './dom.js';
import {t, tNodes} from './i18n.js';
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
  clear(root, h('div', {class: 'page-head'}, h('h1', {}, t('Customers'))), searchCard(), importCard());
}

function searchCard() {
  const by = h('select', {}, [['phone', t('Mobile number')], ['email', t('E-mail')], ['name', t('Name (starts with)')], ['added_from', t('Added at branch (id)')]]
    .map(([value, label]) => h('option', {value}, label)));
  const query = h('input', {type: 'search', required: true, autocomplete: 'off'});
  const results = h('div', {class: 'table-wrap', 'aria-live': 'polite'});
  const form = h('form', {class: 'row', role: 'search'}, field(t('Search by'), by), field(t('Search for'), query),
    h('button', {type: 'submit'}, t('Search')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const page = await get(`admin/members?${new URLSearchParams({[by.value]: query.value.trim()})}`);
      clear(results, page.items.length ? h('table', {},
        h('caption', {class: 'sr-only'}, t('Search results')),
        h('thead', {}, h('tr', {}, [t('Name'), t('Mobile'), t('E-mail'), t('Since')].map((text) => h('th', {scope: 'col'}, text)))),
        h('tbody', {}, page.items.map((member) => h('tr', {},
          h('td', {}, h('a', {href: `#/customers/${encodeURIComponent(member.member_id)}`}, member.name || member.member_id)),
          h('td', {}, member.phone || '—'), h('td', {}, member.email || '—'), h('td', {}, timeEl(member.created_at, false))))))
        : h('p', {class: 'muted'}, t('No customer matches.')));
    } catch (error) { clear(results, h('p', {class: 'notice bad'}, error.message)); }
  });
  return h('section', {class: 'card', 'aria-labelledby': 'search-title'}, h('h2', {id: 'search-title'}, t('Find a customer')), form, results);
}

// The importer's column names: a file format, written as the file must be, in any language.
const CSV_COLUMNS = 'Name, Email, Mobile Number, International Calling Code, Is Member';

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
