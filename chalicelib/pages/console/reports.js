// Reports: the nightly files by day, charts of SMS per day and registrations by branch (SVG from API data), and
// a report for any days on demand (a presigned S3 URL, opened by the merchant's click).
import {get, post} from './api.js';
import {barChart, stackedColumns} from './charts.js';
import {clear, dayDate, field, h} from './dom.js';

const TYPES = {verification: 'Verification', password_reset: 'Password reset', member_notification: 'Member notification',
  marketing: 'Marketing'};
const isoDay = (date) => date.toISOString().slice(0, 10);

function overview() {
  const to = new Date();
  const from = new Date(to.getTime() - 13 * 86400000);
  const start = h('input', {type: 'date', required: true, value: isoDay(from)});
  const end = h('input', {type: 'date', required: true, value: isoDay(to)});
  const files = h('div', {'aria-live': 'polite'});
  const charts = h('div', {'aria-live': 'polite'});
  const load = async () => {
    const range = new URLSearchParams({from: start.value, to: end.value});
    clear(files, h('p', {class: 'muted'}, 'Loading…'));
    clear(charts, h('p', {class: 'muted'}, 'Loading…'));
    try {
      const [listed, sms, branches] = await Promise.all([get(`admin/reports/files?${range}`),
        get(`admin/reports/sms-per-day?${range}`), get(`admin/reports/registrations-by-branch?${range}`)]);
      clear(files, h('ul', {class: 'plain report-days'}, listed.days.map((day) => h('li', {},
        h('h3', {}, dayDate(`${day.day}T12:00:00`)),
        day.files.length ? h('ul', {class: 'plain'}, day.files.map((file) => h('li', {},
          h('a', {href: file.url, download: '', rel: 'noopener noreferrer'}, `${file.title} (${day.day})`))))
          : h('p', {class: 'muted small'}, 'No file yet (written after the day has ended).')))));
      const types = [...new Set(sms.days.flatMap((day) => Object.keys(day.by_type)))];
      clear(charts,
        h('h3', {}, 'SMS per day by message type'),
        stackedColumns(sms.days.map((day) => ({day: day.day, parts: Object.fromEntries(Object.entries(day.by_type).map(([t, n]) => [TYPES[t] || t, n]))})),
          types.map((t) => TYPES[t] || t), {title: 'SMS sent per day by message type'}),
        h('h3', {}, 'SMS per day, domestic and international'),
        stackedColumns(sms.days.map((day) => ({day: day.day, parts: {Domestic: day.domestic, International: day.international}})),
          ['Domestic', 'International'], {title: 'SMS sent per day, domestic and international'}),
        h('h3', {}, `Members registered by branch (${branches.total})`),
        barChart(branches.branches.map((row) => ({label: row.branch, value: Number(row.percentage)})),
          {title: 'Share of members registered at each branch', format: (v) => `${v.toFixed(2)}%`}),
        h('table', {class: 'compact'}, h('caption', {class: 'sr-only'}, 'Members registered by branch'),
          h('thead', {}, h('tr', {}, ['Branch', 'Members', 'Share'].map((t) => h('th', {scope: 'col'}, t)))),
          h('tbody', {}, branches.branches.map((row) => h('tr', {}, h('td', {}, row.branch), h('td', {}, String(row.members)), h('td', {}, `${row.percentage}%`))))));
    } catch (error) { clear(files, h('p', {class: 'notice bad'}, error.message)); clear(charts); }
  };
  const form = h('form', {class: 'row'}, field('From', start), field('To (inclusive)', end), h('button', {type: 'submit'}, 'Show'));
  form.addEventListener('submit', (event) => { event.preventDefault(); load(); });
  load();
  return [h('section', {class: 'card', 'aria-labelledby': 'charts-title'}, h('h2', {id: 'charts-title'}, 'At a glance'), form, charts),
    h('section', {class: 'card', 'aria-labelledby': 'files-title'}, h('h2', {id: 'files-title'}, 'Nightly files by day'), files)];
}

export function show(main) {
  const today = new Date().toISOString().slice(0, 10);
  const kind = h('select', {}, h('option', {value: 'sms'}, 'SMS report'), h('option', {value: 'referrals'}, 'Referral report'));
  const from = h('input', {type: 'date', required: true, value: today});
  const to = h('input', {type: 'date', required: true, value: today});
  const result = h('div', {'aria-live': 'polite'});
  const form = h('form', {class: 'row'}, field('Report', kind), field('From', from), field('To (inclusive)', to),
    h('button', {type: 'submit'}, 'Create report'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(result, h('p', {class: 'muted'}, 'Compiling…'));
    try {
      const made = await post(`admin/reports/${kind.value}`, {from: from.value, to: to.value});
      clear(result, h('p', {class: 'notice ok'}, 'Ready: ',
        h('a', {href: made.url, rel: 'noopener noreferrer', download: ''}, `Download ${made.key.split('/').pop()}`),
        ' (the link works for a limited time).'));
    } catch (error) { clear(result, h('p', {class: 'notice bad'}, error.message)); }
  });
  main.append(h('div', {class: 'page'}, h('h1', {}, 'Reports'), overview(),
    h('section', {class: 'card', 'aria-labelledby': 'rep-title'}, h('h2', {id: 'rep-title'}, 'Download a report'),
      h('p', {class: 'muted'}, 'Days are the store\'s local days. Daily reports are also written to S3 each night.'), form, result)));
}
