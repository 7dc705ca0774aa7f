// Reports: pick the days, get a download link (a presigned S3 URL, opened by the merchant's click).
import {post} from './api.js';
import {clear, field, h} from './dom.js';
import {storeDay, t, tNodes} from './i18n.js';

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
  main.append(h('div', {class: 'page'}, h('h1', {}, t('Reports')),
    h('section', {class: 'card', 'aria-labelledby': 'rep-title'}, h('h2', {id: 'rep-title'}, t('Download a report')),
      h('p', {class: 'muted'}, t('Days are the store\'s local days. Daily reports are also written to S3 each night.')), form, result)));
}
