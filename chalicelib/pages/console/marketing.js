// Marketing: compose an e-mail or an SMS, choose the audience (tag, stage or members), see how many will
// receive it before sending (consent, suppression, blacklist: the server's own rules), then progress and results.
import {get, post} from './api.js';
import {clear, field, h} from './dom.js';
import {stageOptions} from './customers.js';

const REASONS = {no_email: 'no e-mail address', no_phone: 'no mobile number', not_subscribed: 'not subscribed',
  suppressed: 'suppressed (bounce, complaint or STOP)', blacklisted: 'blacklisted'};

export function show(main) {
  const channel = h('select', {}, h('option', {value: 'email'}, 'E-mail'), h('option', {value: 'sms'}, 'SMS'));
  const kind = h('select', {}, ['broadcast', 'coupon', 'store_credit', 'abandoned_cart'].map((k) => h('option', {value: k}, k.replace('_', ' '))));
  const subject = h('input', {type: 'text', maxlength: 200});
  const text = h('textarea', {rows: 5, maxlength: 20000, required: true});
  const by = h('select', {}, h('option', {value: 'stage'}, 'Lifecycle stage'), h('option', {value: 'tag'}, 'Tag'), h('option', {value: 'member_ids'}, 'Chosen members'));
  const stage = h('select', {}, stageOptions('Choose a stage'));
  const tag = h('input', {type: 'text', maxlength: 50});
  const ids = h('textarea', {rows: 2});
  const stageField = field('Stage', stage);
  const tagField = field('Tag', tag);
  const idsField = field('Member ids', ids, 'One per line (from the customer list)');
  const count = h('div', {class: 'notice info', 'aria-live': 'polite', id: 'audience-count'}, 'Choose an audience to see how many will receive it.');
  const progress = h('div', {'aria-live': 'polite'}, h('p', {class: 'muted'}, 'Nothing sent from this page yet.'));
  const emailOnly = [field('Kind', kind), field('Subject', subject)];
  const send = h('button', {type: 'submit'}, 'Send to this audience');

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
    if (!chosen) { clear(count, 'Choose an audience to see how many will receive it.'); return; }
    clear(count, 'Counting…');
    try {
      const answer = await post('admin/marketing-previews', {channel: channel.value, audience: chosen});
      clear(count, h('p', {class: 'strong'}, `${answer.will_receive} of ${answer.members}${answer.complete ? '' : '+'} members will receive it`),
        excludedList(answer.excluded));
    } catch (error) { clear(count, error.message); }
  };
  for (const control of [channel, by, stage]) control.addEventListener('change', refresh);
  for (const control of [tag, ids]) control.addEventListener('change', refresh);

  const form = h('form', {}, h('div', {class: 'row'}, field('Send by', channel), emailOnly),
    field('Message', text), h('fieldset', {}, h('legend', {}, 'Audience'), h('div', {class: 'row'}, field('Choose by', by), stageField, tagField, idsField)),
    count, send);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = audience();
    if (!chosen) { clear(progress, h('p', {class: 'notice bad'}, 'Choose an audience first.')); return; }
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
  main.append(h('div', {class: 'page'}, h('h1', {}, 'Marketing'),
    h('section', {class: 'card', 'aria-labelledby': 'compose-title'}, h('h2', {id: 'compose-title'}, 'Compose'), form),
    h('section', {class: 'card', 'aria-labelledby': 'send-title'}, h('h2', {id: 'send-title'}, 'Sending'), progress)));
}

function excludedList(excluded) {
  const rows = Object.entries(excluded || {}).filter(([, n]) => n > 0);
  if (!rows.length) return h('p', {class: 'muted'}, 'Nobody is left out.');
  return h('ul', {class: 'plain excluded'}, rows.map(([reason, n]) => h('li', {}, `${n} left out: ${REASONS[reason] || reason}`)));
}

/** Poll a send until it is done: a progress bar while sending, then the results and who was left out why. */
async function follow(path, area) {
  const bar = h('progress', {max: 1, value: 0, 'aria-label': 'Sending progress'});
  const status = h('p', {}, 'Queued…');
  clear(area, status, bar);
  for (;;) {
    const send = await get(path);
    const handled = send.recipients;
    status.textContent = send.state === 'done' ? 'Done.' : `Sending… ${handled} members handled, ${send.sent} sent.`;
    if (send.state === 'done') {
      bar.max = Math.max(handled, 1);
      bar.value = bar.max;
      clear(area, h('p', {class: 'notice ok'}, `Done: ${send.sent} sent, ${send.failed} failed, of ${send.recipients} members.`),
        bar, h('h3', {}, 'Left out'), excludedList(send.excluded));
      return;
    }
    bar.removeAttribute('value');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
