// Reports: pick the days, get a download link (a presigned S3 URL, opened by the merchant's click).
import {post} from './api.js';
import {clear, field, h} from './dom.js';

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
  main.append(h('div', {class: 'page'}, h('h1', {}, 'Reports'),
    h('section', {class: 'card', 'aria-labelledby': 'rep-title'}, h('h2', {id: 'rep-title'}, 'Download a report'),
      h('p', {class: 'muted'}, 'Days are the store\'s local days. Daily reports are also written to S3 each night.'), form, result)));
}
