// Marketing: compose an e-mail or an SMS, choose the audience (tag, stage or members), see how many will
// receive it before sending (consent, suppression, blacklist: the server's own rules), then progress and results.
import {get, post} from './api.js';
import {clear, field, h} from './dom.js';
import {stageOptions} from './customers.js';
import {formatNumber, t} from './i18n.js';

const REASONS = {no_email: () => t('no e-mail address'), no_phone: () => t('no mobile number'),
  not_subscribed: () => t('not subscribed'), suppressed: () => t('suppressed (bounce, complaint or STOP)'),
  blacklisted: () => t('blacklisted')};
const KINDS = {broadcast: () => t('broadcast'), coupon: () => t('coupon'), store_credit: () => t('store credit'),
  abandoned_cart: () => t('abandoned cart')};

export function show(main) {
  const channel = h('select', {}, h('option', {value: 'email'}, t('E-mail')), h('option', {value: 'sms'}, t('SMS')));
  const kind = h('select', {}, Object.entries(KINDS).map(([k, label]) => h('option', {value: k}, label())));
  const subject = h('input', {type: 'text', maxlength: 200});
  const text = h('textarea', {rows: 5, maxlength: 20000, required: true});
  const by = h('select', {}, h('option', {value: 'stage'}, t('Lifecycle stage')), h('option', {value: 'tag'}, t('Tag')),
    h('option', {value: 'member_ids'}, t('Chosen members')));
  const stage = h('select', {}, stageOptions(t('Choose a stage')));
  const tag = h('input', {type: 'text', maxlength: 50});
  const ids = h('textarea', {rows: 2});
  const stageField = field(t('Stage'), stage);
  const tagField = field(t('Tag'), tag);
  const idsField = field(t('Member ids'), ids, t('One per line (from the customer list)'));
  const count = h('div', {class: 'notice info', 'aria-live': 'polite', id: 'audience-count'}, t('Choose an audience to see how many will receive it.'));
  const progress = h('div', {'aria-live': 'polite'}, h('p', {class: 'muted'}, t('Nothing sent from this page yet.')));
  const emailOnly = [field(t('Kind'), kind), field(t('Subject'), subject)];
  const send = h('button', {type: 'submit'}, t('Send to this audience'));

  const audience = () => {
    if (by.value === 'stage') return stage.value ? {stage: stage.value} : null;
    if (by.value === 'tag') return tag.value.trim() ? {tag: tag.value.trim()} : null;
    const list = ids.value.split(/\s+/).filter(Boolean);
    return list.length ? {member_ids: list} : null;
  };
  const refresh = async () => {
    stageField.hidden = by.value !== 'stage';
    tagField.hidden = by.value !== 'tag';
    idsField.hidden = by.value !== 'member_ids';
    for (const f of emailOnly) f.hidden = channel.value !== 'email';
    const chosen = audience();
    if (!chosen) { clear(count, t('Choose an audience to see how many will receive it.')); return; }
    clear(count, t('Counting…'));
    try {
      const answer = await post('admin/marketing-previews', {channel: channel.value, audience: chosen});
      clear(count, h('p', {class: 'strong'}, answer.complete
        ? t('{count} of {members} members will receive it', {count: formatNumber(answer.will_receive), members: formatNumber(answer.members)})
        : t('{count} of {members}+ members will receive it', {count: formatNumber(answer.will_receive), members: formatNumber(answer.members)})),
        excludedList(answer.excluded));
    } catch (error) { clear(count, error.message); }
  };
  for (const control of [channel, by, stage]) control.addEventListener('change', refresh);
  for (const control of [tag, ids]) control.addEventListener('change', refresh);

  const form = h('form', {}, h('div', {class: 'row'}, field(t('Send by'), channel), emailOnly),
    field(t('Message'), text), h('fieldset', {}, h('legend', {}, t('Audience')), h('div', {class: 'row'}, field(t('Choose by'), by), stageField, tagField, idsField)),
    count, send);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = audience();
    if (!chosen) { clear(progress, h('p', {class: 'notice bad'}, t('Choose an audience first.'))); return; }
    send.disabled = true;
    try {
      const path = channel.value === 'email' ? 'admin/marketing-emails' : 'admin/marketing-sms';
      const body = channel.value === 'email' ? {kind: kind.value, subject: subject.value, text: text.value, audience: chosen}
        : {text: text.value, audience: chosen};
      const {send_id: id} = await post(path, body);
      await follow(`${path}/${encodeURIComponent(id)}`, progress);
    } catch (error) { clear(progress, h('p', {class: 'notice bad'}, error.message)); }
    send.disabled = false;
  });
  refresh();
  main.append(h('div', {class: 'page'}, h('h1', {}, t('Marketing')),
    h('section', {class: 'card', 'aria-labelledby': 'compose-title'}, h('h2', {id: 'compose-title'}, t('Compose')), form),
    h('section', {class: 'card', 'aria-labelledby': 'send-title'}, h('h2', {id: 'send-title'}, t('Sending')), progress)));
}

function excludedList(excluded) {
  const rows = Object.entries(excluded || {}).filter(([, n]) => n > 0);
  if (!rows.length) return h('p', {class: 'muted'}, t('Nobody is left out.'));
  return h('ul', {class: 'plain excluded'}, rows.map(([reason, n]) => h('li', {}, t('{count} left out: {reason}', {count: formatNumber(n), reason: REASONS[reason] ? REASONS[reason]() : reason}))));
}

/** Poll a send until it is done: a progress bar while sending, then the results and who was left out why. */
async function follow(path, area) {
  const bar = h('progress', {max: 1, value: 0, 'aria-label': t('Sending progress')});
  const status = h('p', {}, t('Queued…'));
  clear(area, status, bar);
  for (;;) {
    const send = await get(path);
    const handled = send.recipients;
    status.textContent = send.state === 'done' ? t('Done.')
      : t('Sending… {handled} members handled, {sent} sent.', {handled: formatNumber(handled), sent: formatNumber(send.sent)});
    if (send.state === 'done') {
      bar.max = Math.max(handled, 1);
      bar.value = bar.max;
      clear(area, h('p', {class: 'notice ok'}, t('Done: {sent} sent, {failed} failed, of {members} members.',
        {sent: formatNumber(send.sent), failed: formatNumber(send.failed), members: formatNumber(send.recipients)})),
        bar, h('h3', {}, t('Left out')), excludedList(send.excluded));
      return;
    }
    bar.removeAttribute('value');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
