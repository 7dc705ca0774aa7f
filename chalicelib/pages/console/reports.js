// Reports: the nightly files by day, charts of SMS per day and registrations by branch (SVG from API data), and
// a report for any days on demand (a presigned S3 URL, opened by the merchant's click).
import {get, post} from './api.js';
import {barChart, stackedColumns} from './charts.js';
import {clear, dayDate, field, h} from './dom.js';
import {formatNumber, storeDay, t, tNodes} from './i18n.js';

const TYPES = {verification: () => t('Verification'), password_reset: () => t('Password reset'),
  member_notification: () => t('Member notification'), marketing: () => t('Marketing')};
const typeName = (type) => (TYPES[type] ? TYPES[type]() : type);
const FILES = {sms: () => t('SMS report'), referrals: () => t('Referral report'), lifecycle: () => t('Lifecycle report')};
/** A nightly file's title in the page's language (the API's English title when the kind is unknown). */
function fileTitle(file) {
  if (!FILES[file.kind]) return file.title;
  return file.key.endsWith('-branches.csv') ? t('{report}, branch summary', {report: FILES[file.kind]()}) : FILES[file.kind]();
}

function overview() {
  const to = new Date();
  const from = new Date(to.getTime() - 13 * 86400000);
  const start = h('input', {type: 'date', required: true, value: storeDay(from)}); // the store's days, not UTC's
  const end = h('input', {type: 'date', required: true, value: storeDay(to)});
  const files = h('div', {'aria-live': 'polite'});
  const charts = h('div', {'aria-live': 'polite'});
  const load = async () => {
    const range = new URLSearchParams({from: start.value, to: end.value});
    clear(files, h('p', {class: 'muted'}, t('Loading…')));
    clear(charts, h('p', {class: 'muted'}, t('Loading…')));
    try {
      const [listed, sms, branches] = await Promise.all([get(`admin/reports/files?${range}`),
        get(`admin/reports/sms-per-day?${range}`), get(`admin/reports/registrations-by-branch?${range}`)]);
      clear(files, h('ul', {class: 'plain report-days'}, listed.days.map((day) => h('li', {},
        h('h3', {}, dayDate(`${day.day}T12:00:00`)),
        day.files.length ? h('ul', {class: 'plain'}, day.files.map((file) => h('li', {},
          h('a', {href: file.url, download: '', rel: 'noopener noreferrer'}, t('{title} ({day})', {title: fileTitle(file), day: day.day})))))
          : h('p', {class: 'muted small'}, t('No file yet (written after the day has ended).'))))));
      const types = [...new Set(sms.days.flatMap((day) => Object.keys(day.by_type)))];
      clear(charts,
        h('h3', {}, t('SMS per day by message type')),
        stackedColumns(sms.days.map((day) => ({day: day.day, parts: Object.fromEntries(Object.entries(day.by_type).map(([type, n]) => [typeName(type), n]))})),
          types.map(typeName), {title: t('SMS sent per day by message type')}),
        h('h3', {}, t('SMS per day, domestic and international')),
        stackedColumns(sms.days.map((day) => ({day: day.day, parts: {[t('Domestic')]: day.domestic, [t('International')]: day.international}})),
          [t('Domestic'), t('International')], {title: t('SMS sent per day, domestic and international')}),
        h('h3', {}, t('Members registered by branch ({total})', {total: formatNumber(branches.total)})),
        barChart(branches.branches.map((row) => ({label: row.branch, value: Number(row.percentage)})),
          {title: t('Share of members registered at each branch'), format: (v) => `${v.toFixed(2)}%`}),
        h('table', {class: 'compact'}, h('caption', {class: 'sr-only'}, t('Members registered by branch')),
          h('thead', {}, h('tr', {}, [t('Branch'), t('Members'), t('Share')].map((name) => h('th', {scope: 'col'}, name)))),
          h('tbody', {}, branches.branches.map((row) => h('tr', {}, h('td', {}, row.branch), h('td', {}, String(row.members)), h('td', {}, `${row.percentage}%`))))));
    } catch (error) { clear(files, h('p', {class: 'notice bad'}, error.message)); clear(charts); }
  };
  const form = h('form', {class: 'row'}, field(t('From'), start), field(t('To (inclusive)'), end), h('button', {type: 'submit'}, t('Show')));
  form.addEventListener('submit', (event) => { event.preventDefault(); load(); });
  load();
  return [h('section', {class: 'card', 'aria-labelledby': 'charts-title'}, h('h2', {id: 'charts-title'}, t('At a glance')), form, charts),
    h('section', {class: 'card', 'aria-labelledby': 'files-title'}, h('h2', {id: 'files-title'}, t('Nightly files by day')), files)];
}

export function show(main) {
  const today = storeDay(); // the store's today, not UTC's
  const kind = h('select', {}, h('option', {value: 'sms'}, t('SMS report')), h('option', {value: 'referrals'}, t('Referral report')));
  const from = h('input', {type: 'date', required: true, value: today});
  const to = h('input', {type: 'date', required: true, value: today});
  const result = h('div', {'aria-live': 'polite'});
  const form = h('form', {class: 'row'}, field(t('Report'), kind), field(t('From'), from), field(t('To (inclusive)'), to),
    h('button', {type: 'submit'}, t('Create report')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(result, h('p', {class: 'muted'}, t('Compiling…')));
    try {
      const made = await post(`admin/reports/${kind.value}`, {from: from.value, to: to.value});
      const link = h('a', {href: made.url, rel: 'noopener noreferrer', download: ''},
        t('Download {file}', {file: made.key.split('/').pop()}));
      clear(result, h('p', {class: 'notice ok'}, tNodes('Ready: {link} (the link works for a limited time).', {link})));
    } catch (error) { clear(result, h('p', {class: 'notice bad'}, error.message)); }
  });
  main.append(h('div', {class: 'page'}, h('h1', {}, t('Reports')), overview(),
    h('section', {class: 'card', 'aria-labelledby': 'rep-title'}, h('h2', {id: 'rep-title'}, t('Download a report')),
      h('p', {class: 'muted'}, t('Days are the store\'s local days. Daily reports are also written to S3 each night.')), form, result)));
}
