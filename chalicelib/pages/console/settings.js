// Settings: store, channels (write-only secrets), templates, SMS limits, reCAPTCHA, auto-replies, blacklist,
// branches and staff (a new staff member's key is shown once, with a QR code the staff app scans).
import {del, get, post, put, svgNode} from './api.js';
import {announce, clear, field, h, timeEl} from './dom.js';
import {channelLabel, channels} from './channels.js';
import {LANGUAGES, t, tNodes} from './i18n.js';

// Which fields a channel has, and their labels, come from the registry; these are the fields' words in the
// page's language (a field the page has no words for is shown with the registry's label). A page's token is
// the token of the channel whose account is a page.
const FIELD_WORDS = {
  page_id: () => t('Page id'), ig_user_id: () => t('Instagram user id'), phone_number_id: () => t('Phone number id'),
  app_secret: () => t('App secret'), verify_token: () => t('Verify token'),
  access_token: (names) => (names.includes('page_id') ? t('Page access token') : t('Access token')),
  channel_secret: () => t('Channel secret'), channel_access_token: () => t('Channel access token'),
};
const fieldLabel = (name, label, names) => (FIELD_WORDS[name] ? FIELD_WORDS[name](names) : label);
const STORE_FIELDS = [['storefront_url', () => t('Storefront URL'), 'url'], ['shop_email', () => t('Shop e-mail'), 'email'],
  ['postal_address', () => t('Postal address'), 'text'], ['country', () => t('Country (ISO code)'), 'text'], ['timezone', () => t('Time zone'), 'text'],
  ['sms_daily_cap', () => t('SMS per day (store cap)'), 'number'], ['sms_ip_hourly_limit', () => t('SMS per IP address per hour'), 'number']];

const card = (id, title, ...children) => h('section', {class: 'card', 'aria-labelledby': id}, h('h2', {id}, title), children);
const fail = (error) => announce(error.message, 'bad');

export function show(main) {
  const page = h('div', {class: 'page'}, h('h1', {}, t('Settings')));
  main.append(page);
  const slots = ['store', 'senders', 'channels', 'templates', 'sms', 'autoreply', 'blacklist', 'staff'].map(() => h('div'));
  page.append(h('div', {class: 'grid-2'}, slots));
  storeCard(slots[0]); sendersCard(slots[1]); channelsCard(slots[2]); bindingTemplatesCard(slots[3]); smsCard(slots[4]);
  autoReplyCard(slots[5]); blacklistCard(slots[6]); staffCard(slots[7]);
}

const STATUS_LABEL = {pending: () => t('Waiting for verification'), verified: () => t('Verified'), failed: () => t('Verification failed')};

// Sender identities: the addresses and domains the store's mail may go From, each proven through SES.
async function sendersCard(slot) {
  const [settings, list] = await Promise.all([get('admin/settings').catch(fail), get('admin/sender-identities').catch(fail)]);
  if (!settings || !list) return;
  const items = list.items.map((identity) => h('li', {class: 'social-account', 'data-identity': identity.identity},
    h('div', {},
      h('p', {class: 'strong'}, identity.identity, ' ',
        h('span', {class: `badge ${identity.status === 'verified' ? 'ok' : identity.status === 'failed' ? 'bad' : 'warn'}`,
          'data-status': identity.status}, STATUS_LABEL[identity.status] ? STATUS_LABEL[identity.status]() : identity.status)),
      identity.kind === 'email' && identity.status === 'pending'
        ? h('p', {class: 'muted small'}, t('Open the verification e-mail sent to this address and follow its link.')) : null,
      identity.dns_records && identity.status !== 'verified' ? h('div', {},
        h('p', {class: 'muted small'}, t('Publish these DNS records (CNAME); the domain is verified once SES finds them:')),
        h('ul', {class: 'plain small'}, identity.dns_records.map((r) => h('li', {}, h('code', {}, r.name), ' → ', h('code', {}, r.value)))))
        : null),
    h('button', {type: 'button', class: 'secondary small', 'aria-label': t('Remove {name}', {name: identity.identity}), onclick: async () => {
      try { await del(`admin/sender-identities/${encodeURIComponent(identity.identity)}`); sendersCard(slot); } catch (error) { fail(error); }
    }}, t('Remove'))));
  // An address or a domain, in any language: the example is data (translate="no").
  const value = h('input', {type: 'text', required: true, maxlength: 254, translate: 'no', placeholder: t('hello@shop.example or shop.example')});
  const form = h('form', {class: 'row'}, field(t('Address or domain'), value), h('button', {type: 'submit'}, t('Verify')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = value.value.trim();
    try {
      await post('admin/sender-identities', text.includes('@') ? {email: text} : {domain: text});
      announce(t('Verification started')); sendersCard(slot);
    } catch (error) { fail(error); }
  });
  const address = h('code', {'data-sender-from': '', translate: 'no'}, settings.sender.from);
  const from = h('p', {}, settings.sender.verified ? tNodes('Your mail goes out from {address}.', {address})
    : tNodes('Your mail goes out from {address}: verify your shop e-mail (or its domain) below to send from it.', {address}));
  clear(slot, card('senders-title', t('Sender identities'), from,
    items.length ? h('ul', {class: 'plain'}, items) : h('p', {class: 'muted'}, t('No sender identities yet.')), form,
    h('p', {class: 'hint'}, t('Until an address is verified, customers get your mail from memberlink\'s address with your store name, and their answers still reach you.'))));
}

async function storeCard(slot) {
  const settings = await get('admin/settings').catch(fail);
  if (!settings) return;
  const inputs = {};
  const fields = STORE_FIELDS.filter(([name]) => name in settings).map(([name, label, type]) => {
    inputs[name] = h('input', {type, value: settings[name] ?? '', autocomplete: 'off'});
    return field(label(), inputs[name]);
  });
  if ('language' in settings) {
    // What the store's customers read (invitations, SMS, e-mails, the unsubscribe page); the console follows the browser.
    inputs.language = h('select', {}, Object.entries(LANGUAGES).map(([value, name]) =>
      h('option', {value, lang: value, selected: value === settings.language}, name)));
    fields.push(field(t('Customers\' language'), inputs.language,
      t('Default invitation and SMS texts, e-mails and the unsubscribe page are written in it.')));
  }
  const form = h('form', {}, h('p', {class: 'muted'}, t('Store: {name} ({id})', {name: settings.name, id: settings.store_id})), fields,
    h('button', {type: 'submit'}, t('Save store settings')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const changes = {};
    for (const [name, input] of Object.entries(inputs)) {
      const value = input.type === 'number' ? Number(input.value) : input.value.trim();
      if (String(value) !== String(settings[name] ?? '')) changes[name] = value === '' ? null : value;
    }
    if (!Object.keys(changes).length) { announce(t('Nothing changed')); return; }
    try { Object.assign(settings, await put('admin/settings', changes)); announce(t('Settings saved')); } catch (error) { fail(error); }
  });
  clear(slot, card('store-title', t('Store and SMS limits'), form));
}

async function channelsCard(slot) {
  const list = await get('admin/channels').catch(fail);
  if (!list) return;
  const byChannel = Object.fromEntries(list.items.map((item) => [item.channel, item]));
  const blocks = channels().map(({channel, fields: wanted}) => {
    const stored = byChannel[channel];
    const inputs = {};
    const fields = wanted.map(({name, label, secret}) => {
      inputs[name] = h('input', {type: secret ? 'password' : 'text', autocomplete: 'new-password', required: true,
        value: !secret && stored ? stored[name] || '' : ''});
      return field(fieldLabel(name, label, wanted.map((one) => one.name)), inputs[name], secret && stored
        ? t('Stored ({hint}); secrets are write-only: type the value again to change it.', {hint: stored[name] || t('hidden')}) : null);
    });
    const form = h('form', {}, fields, h('button', {type: 'submit'}, t('Save {channel}', {channel: channelLabel(channel)})));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.value.trim()]));
      try { await put(`admin/channels/${channel}`, values); announce(t('{channel} saved', {channel: channelLabel(channel)})); channelsCard(slot); } catch (error) { fail(error); }
    });
    return h('details', {}, h('summary', {}, channelLabel(channel), ' ',
      stored ? h('span', {class: 'badge ok'}, t('Connected')) : h('span', {class: 'badge'}, t('Not connected'))), form);
  });
  clear(slot, card('channels-title', t('Channels'), h('div', {class: 'stack'}, blocks)));
}

async function bindingTemplatesCard(slot) {
  const blocks = await Promise.all(channels().map(async ({channel, link_buttons: linkButtons}) => {
    const template = await get(`admin/templates/binding-invitation/${channel}`).catch(() => ({}));
    const text = h('textarea', {rows: 3, value: template.text || ''});
    const button = !linkButtons ? null : h('input', {type: 'text', maxlength: 20, value: template.button_text || ''});
    const form = h('form', {}, field(t('Message ({placeholder} is replaced)', {placeholder: '{customer_name}'}), text),
      button ? field(t('Button text (20 characters at most)'), button) : null,
      h('button', {type: 'submit', class: 'secondary'}, t('Save template')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = {text: text.value};
      if (button) body.button_text = button.value;
      try { await put(`admin/templates/binding-invitation/${channel}`, body); announce(t('Template saved')); } catch (error) { fail(error); }
    });
    return h('details', {}, h('summary', {}, channelLabel(channel)), form);
  }));
  clear(slot, card('bt-title', t('Binding invitation templates'), h('div', {class: 'stack'}, blocks)));
}

async function smsCard(slot) {
  const templates = await get('admin/templates/sms').catch(fail);
  if (!templates) return;
  const blocks = templates.items.map((template) => {
    const text = h('textarea', {rows: 3, value: template.text});
    const form = h('form', {}, field(template.type === 'verification' ? t('Verification code SMS') : t('Registration invitation SMS'), text,
      t('Placeholders: {list}', {list: '{link}, {code}, {store_name}'})), h('button', {type: 'submit', class: 'secondary'}, t('Save SMS template')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try { await put(`admin/templates/sms/${template.type}`, {text: text.value}); announce(t('SMS template saved')); } catch (error) { fail(error); }
    });
    return form;
  });
  const secret = h('input', {type: 'password', autocomplete: 'new-password'});
  const captcha = h('form', {class: 'row'}, field(t('reCAPTCHA secret'), secret, t('Write-only. Guards every storefront route that sends an SMS.')),
    h('button', {type: 'submit', class: 'secondary'}, t('Turn on')),
    h('button', {type: 'button', class: 'secondary', onclick: async () => {
      try { await put('admin/sms/recaptcha', {secret: null}); announce(t('reCAPTCHA turned off')); } catch (error) { fail(error); }
    }}, t('Turn off')));
  captcha.addEventListener('submit', async (event) => {
    event.preventDefault();
    try { await put('admin/sms/recaptcha', {secret: secret.value.trim()}); secret.value = ''; announce(t('reCAPTCHA turned on')); } catch (error) { fail(error); }
  });
  clear(slot, card('sms-title', t('SMS templates and reCAPTCHA'), h('div', {class: 'stack'}, blocks, captcha)));
}

async function autoReplyCard(slot) {
  const rules = await get('admin/auto-reply-rules').catch(fail);
  if (!rules) return;
  // Rules answer comments: the channels that have them, as the registry says.
  const commented = channels().filter((entry) => entry.comment_reply_limit !== null);
  const channel = h('select', {}, commented.map((entry) => h('option', {value: entry.channel}, entry.label)));
  const scope = h('select', {}, h('option', {value: 'comments'}, t('Comments')), h('option', {value: 'messages'}, t('Messages')));
  const keywords = h('input', {type: 'text', required: true, placeholder: t('shipping, delivery fee')});
  const reply = h('textarea', {rows: 2, required: true});
  const privateReply = h('input', {type: 'checkbox'});
  privateReply.id = 'private-reply';
  const form = h('form', {}, h('div', {class: 'row'}, field(t('Channel'), channel), field(t('Scope'), scope)),
    field(t('Keywords (comma separated)'), keywords), field(t('Reply'), reply),
    h('p', {}, privateReply, ' ', h('label', {for: 'private-reply'}, t('Reply privately (by DM) to comments'))),
    h('button', {type: 'submit', class: 'secondary'}, t('Add rule')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await post('admin/auto-reply-rules', {channel: channel.value, scope: scope.value, reply_text: reply.value,
        keywords: keywords.value.split(',').map((k) => k.trim()).filter(Boolean), private_reply: privateReply.checked});
      announce(t('Rule added'));
      autoReplyCard(slot);
    } catch (error) { fail(error); }
  });
  const items = rules.items.map((rule) => h('li', {class: 'social-account'},
    h('div', {}, h('p', {class: 'strong'}, rule.keywords.join(', ')), h('p', {class: 'muted small'}, `${channelLabel(rule.channel)} · ${rule.scope === 'comments' ? t('Comments') : t('Messages')}: `, rule.reply_text)),
    h('button', {type: 'button', class: 'danger small', 'aria-label': t('Delete rule {keywords}', {keywords: rule.keywords.join(', ')}), onclick: async () => {
      try { await del(`admin/auto-reply-rules/${rule.rule_id}`); autoReplyCard(slot); } catch (error) { fail(error); }
    }}, t('Delete'))));
  clear(slot, card('ar-title', t('Auto-reply rules'), items.length ? h('ul', {class: 'plain'}, items) : h('p', {class: 'muted'}, t('No rules yet.')), form));
}

async function blacklistCard(slot) {
  const list = await get('admin/blacklist').catch(fail);
  if (!list) return;
  // Both kinds, by name: a social account (removed here) and a member (lifted from their profile).
  const items = list.items.map((entry) => {
    const member = entry.kind === 'member';
    const account = entry.key || entry.social_user_key;
    const who = entry.name || (member ? t('A member') : account);
    const what = member ? t('Member') : t('{channel} account {key}', {channel: entry.channel ? channelLabel(entry.channel) : '', key: account});
    const action = member
      ? h('a', {class: 'button secondary small', href: `#/customers/${encodeURIComponent(entry.member_id)}`}, t('Open {who}\'s profile', {who}))
      : h('button', {type: 'button', class: 'secondary small', 'aria-label': t('Remove {who} from the blacklist', {who}), onclick: async () => {
        try { await del(`admin/blacklist/${encodeURIComponent(account)}`); blacklistCard(slot); } catch (error) { fail(error); }
      }}, t('Remove'));
    return h('li', {class: 'social-account'},
      h('div', {}, h('p', {class: 'strong'}, who),
        h('p', {class: 'muted small'}, tNodes('{what} · added {time}', {what, time: timeEl(entry.at || entry.added_at, 'date')}))),
      action);
  });
  clear(slot, card('bl-title', t('Blacklist'), items.length ? h('ul', {class: 'plain'}, items) : h('p', {class: 'muted'}, t('Nobody is blacklisted.')),
    h('p', {class: 'hint'}, t('Add a social account from its conversation in the Message Center, a member from their profile.'))));
}

async function staffCard(slot) {
  const [branches, staff] = await Promise.all([get('admin/branches').catch(fail), get('admin/staff').catch(fail)]);
  if (!branches || !staff) return;
  const branchName = Object.fromEntries(branches.items.map((b) => [b.branch_id, b.name]));
  const newBranch = h('input', {type: 'text', required: true, maxlength: 120});
  const branchForm = h('form', {class: 'row'}, field(t('New branch'), newBranch), h('button', {type: 'submit', class: 'secondary'}, t('Add branch')));
  branchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    try { await post('admin/branches', {name: newBranch.value.trim()}); staffCard(slot); } catch (error) { fail(error); }
  });
  const name = h('input', {type: 'text', required: true, maxlength: 120});
  const branch = h('select', {required: true}, branches.items.map((b) => h('option', {value: b.branch_id}, b.name)));
  const created = h('div', {'aria-live': 'polite'});
  const staffForm = h('form', {class: 'row'}, field(t('Staff name'), name), field(t('Branch'), branch), h('button', {type: 'submit'}, t('Add staff member')));
  staffForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const made = await post('admin/staff', {name: name.value.trim(), branch_id: branch.value});
      const qr = made.staff_key_qr_svg ? svgNode(made.staff_key_qr_svg, t('QR code: sign {name} in to the staff app', {name: made.name})) : null;
      clear(created, h('div', {class: 'notice info stack'},
        h('p', {class: 'strong'}, t('{name} added. Show this QR code to their phone now: it signs the staff app in. It is shown only once.', {name: made.name})),
        qr, h('details', {}, h('summary', {}, t('Show the key as text')), h('p', {}, h('code', {}, made.staff_key)))));
    } catch (error) { fail(error); }
  });
  const people = staff.items.map((s) => h('li', {}, s.name, h('span', {class: 'muted'}, ` · ${branchName[s.branch_id] || s.branch_id}`)));
  clear(slot, card('staff-title', t('Branches and staff'),
    h('p', {}, t('Branches: {names}', {names: branches.items.map((b) => b.name).join(t(', ')) || t('none yet')})), branchForm,
    h('ul', {}, people), branches.items.length ? staffForm : h('p', {class: 'muted'}, t('Add a branch first.')), created));
}
