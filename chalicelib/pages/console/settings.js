// Settings: store, channels (write-only secrets), templates, SMS limits, reCAPTCHA, auto-replies, blacklist,
// branches and staff (a new staff member's key is shown once, with a QR code the staff app scans).
import {del, get, post, put, svgNode} from './api.js';
import {announce, clear, field, h, timeEl} from './dom.js';
import {channelLabel} from './channels.js';

const SOCIAL = ['facebook', 'instagram', 'whatsapp', 'line'];
const CHANNEL_FIELDS = {
  facebook: [['page_id', 'Page id'], ['app_secret', 'App secret', true], ['verify_token', 'Verify token', true], ['access_token', 'Page access token', true]],
  instagram: [['ig_user_id', 'Instagram user id'], ['app_secret', 'App secret', true], ['verify_token', 'Verify token', true], ['access_token', 'Access token', true]],
  whatsapp: [['phone_number_id', 'Phone number id'], ['app_secret', 'App secret', true], ['verify_token', 'Verify token', true], ['access_token', 'Access token', true]],
  line: [['channel_secret', 'Channel secret', true], ['channel_access_token', 'Channel access token', true]],
};
const STORE_FIELDS = [['storefront_url', 'Storefront URL', 'url'], ['shop_email', 'Shop e-mail', 'email'],
  ['postal_address', 'Postal address', 'text'], ['country', 'Country (ISO code)', 'text'], ['timezone', 'Time zone', 'text'],
  ['sms_daily_cap', 'SMS per day (store cap)', 'number'], ['sms_ip_hourly_limit', 'SMS per IP address per hour', 'number']];

const card = (id, title, ...children) => h('section', {class: 'card', 'aria-labelledby': id}, h('h2', {id}, title), children);
const fail = (error) => announce(error.message, 'bad');

export function show(main) {
  const page = h('div', {class: 'page'}, h('h1', {}, 'Settings'));
  main.append(page);
  const slots = ['store', 'channels', 'templates', 'sms', 'autoreply', 'blacklist', 'staff'].map(() => h('div'));
  page.append(h('div', {class: 'grid-2'}, slots));
  storeCard(slots[0]); channelsCard(slots[1]); bindingTemplatesCard(slots[2]); smsCard(slots[3]);
  autoReplyCard(slots[4]); blacklistCard(slots[5]); staffCard(slots[6]);
}

async function storeCard(slot) {
  const settings = await get('admin/settings').catch(fail);
  if (!settings) return;
  const inputs = {};
  const fields = STORE_FIELDS.filter(([name]) => name in settings).map(([name, label, type]) => {
    inputs[name] = h('input', {type, value: settings[name] ?? '', autocomplete: 'off'});
    return field(label, inputs[name]);
  });
  const form = h('form', {}, h('p', {class: 'muted'}, `Store: ${settings.name} (${settings.store_id})`), fields,
    h('button', {type: 'submit'}, 'Save store settings'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const changes = {};
    for (const [name, input] of Object.entries(inputs)) {
      const value = input.type === 'number' ? Number(input.value) : input.value.trim();
      if (String(value) !== String(settings[name] ?? '')) changes[name] = value === '' ? null : value;
    }
    if (!Object.keys(changes).length) { announce('Nothing changed'); return; }
    try { Object.assign(settings, await put('admin/settings', changes)); announce('Settings saved'); } catch (error) { fail(error); }
  });
  clear(slot, card('store-title', 'Store and SMS limits', form));
}

async function channelsCard(slot) {
  const list = await get('admin/channels').catch(fail);
  if (!list) return;
  const byChannel = Object.fromEntries(list.items.map((item) => [item.channel, item]));
  const blocks = SOCIAL.map((channel) => {
    const stored = byChannel[channel];
    const inputs = {};
    const fields = CHANNEL_FIELDS[channel].map(([name, label, secret]) => {
      inputs[name] = h('input', {type: secret ? 'password' : 'text', autocomplete: 'new-password', required: true,
        value: !secret && stored ? stored[name] || '' : ''});
      return field(label, inputs[name], secret && stored ? `Stored (${stored[name] || 'hidden'}); secrets are write-only: type the value again to change it.` : null);
    });
    const form = h('form', {}, fields, h('button', {type: 'submit'}, `Save ${channelLabel(channel)}`));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.value.trim()]));
      try { await put(`admin/channels/${channel}`, values); announce(`${channelLabel(channel)} saved`); channelsCard(slot); } catch (error) { fail(error); }
    });
    return h('details', {}, h('summary', {}, channelLabel(channel), ' ',
      stored ? h('span', {class: 'badge ok'}, 'Connected') : h('span', {class: 'badge'}, 'Not connected')), form);
  });
  clear(slot, card('channels-title', 'Channels', h('div', {class: 'stack'}, blocks)));
}

async function bindingTemplatesCard(slot) {
  const blocks = await Promise.all(SOCIAL.map(async (channel) => {
    const template = await get(`admin/templates/binding-invitation/${channel}`).catch(() => ({}));
    const text = h('textarea', {rows: 3, value: template.text || ''});
    const button = channel === 'whatsapp' ? null : h('input', {type: 'text', maxlength: 20, value: template.button_text || ''});
    const form = h('form', {}, field('Message ({customer_name} is replaced)', text), button ? field('Button text (20 characters at most)', button) : null,
      h('button', {type: 'submit', class: 'secondary'}, 'Save template'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = {text: text.value};
      if (button) body.button_text = button.value;
      try { await put(`admin/templates/binding-invitation/${channel}`, body); announce('Template saved'); } catch (error) { fail(error); }
    });
    return h('details', {}, h('summary', {}, channelLabel(channel)), form);
  }));
  clear(slot, card('bt-title', 'Binding invitation templates', h('div', {class: 'stack'}, blocks)));
}

async function smsCard(slot) {
  const templates = await get('admin/templates/sms').catch(fail);
  if (!templates) return;
  const blocks = templates.items.map((template) => {
    const text = h('textarea', {rows: 3, value: template.text});
    const form = h('form', {}, field(template.type === 'verification' ? 'Verification code SMS' : 'Registration invitation SMS', text,
      'Placeholders: {link}, {code}, {store_name}'), h('button', {type: 'submit', class: 'secondary'}, 'Save SMS template'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try { await put(`admin/templates/sms/${template.type}`, {text: text.value}); announce('SMS template saved'); } catch (error) { fail(error); }
    });
    return form;
  });
  const secret = h('input', {type: 'password', autocomplete: 'new-password'});
  const captcha = h('form', {class: 'row'}, field('reCAPTCHA secret', secret, 'Write-only. Guards every storefront route that sends an SMS.'),
    h('button', {type: 'submit', class: 'secondary'}, 'Turn on'),
    h('button', {type: 'button', class: 'secondary', onclick: async () => {
      try { await put('admin/sms/recaptcha', {secret: null}); announce('reCAPTCHA turned off'); } catch (error) { fail(error); }
    }}, 'Turn off'));
  captcha.addEventListener('submit', async (event) => {
    event.preventDefault();
    try { await put('admin/sms/recaptcha', {secret: secret.value.trim()}); secret.value = ''; announce('reCAPTCHA turned on'); } catch (error) { fail(error); }
  });
  clear(slot, card('sms-title', 'SMS templates and reCAPTCHA', h('div', {class: 'stack'}, blocks, captcha)));
}

async function autoReplyCard(slot) {
  const rules = await get('admin/auto-reply-rules').catch(fail);
  if (!rules) return;
  const channel = h('select', {}, h('option', {value: 'instagram'}, 'Instagram'), h('option', {value: 'facebook'}, 'Facebook'));
  const scope = h('select', {}, h('option', {value: 'comments'}, 'Comments'), h('option', {value: 'messages'}, 'Messages'));
  const keywords = h('input', {type: 'text', required: true, placeholder: 'shipping, 運費'});
  const reply = h('textarea', {rows: 2, required: true});
  const privateReply = h('input', {type: 'checkbox'});
  privateReply.id = 'private-reply';
  const form = h('form', {}, h('div', {class: 'row'}, field('Channel', channel), field('Scope', scope)),
    field('Keywords (comma separated)', keywords), field('Reply', reply),
    h('p', {}, privateReply, ' ', h('label', {for: 'private-reply'}, 'Reply privately (by DM) to comments')),
    h('button', {type: 'submit', class: 'secondary'}, 'Add rule'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await post('admin/auto-reply-rules', {channel: channel.value, scope: scope.value, reply_text: reply.value,
        keywords: keywords.value.split(',').map((k) => k.trim()).filter(Boolean), private_reply: privateReply.checked});
      announce('Rule added');
      autoReplyCard(slot);
    } catch (error) { fail(error); }
  });
  const items = rules.items.map((rule) => h('li', {class: 'social-account'},
    h('div', {}, h('p', {class: 'strong'}, rule.keywords.join(', ')), h('p', {class: 'muted small'}, `${channelLabel(rule.channel)} ${rule.scope}: `, rule.reply_text)),
    h('button', {type: 'button', class: 'danger small', 'aria-label': `Delete rule ${rule.keywords.join(', ')}`, onclick: async () => {
      try { await del(`admin/auto-reply-rules/${rule.rule_id}`); autoReplyCard(slot); } catch (error) { fail(error); }
    }}, 'Delete')));
  clear(slot, card('ar-title', 'Auto-reply rules', items.length ? h('ul', {class: 'plain'}, items) : h('p', {class: 'muted'}, 'No rules yet.'), form));
}

async function blacklistCard(slot) {
  const list = await get('admin/blacklist').catch(fail);
  if (!list) return;
  // Both kinds, by name: a social account (removed here) and a member (lifted from their profile).
  const items = list.items.map((entry) => {
    const member = entry.kind === 'member';
    const who = entry.name || (member ? 'A member' : entry.key || entry.social_user_key);
    const what = member ? 'Member' : `${entry.channel || ''} account ${entry.key || entry.social_user_key}`;
    const action = member
      ? h('a', {class: 'button secondary small', href: `#/customers/${encodeURIComponent(entry.member_id)}`}, `Open ${who}'s profile`)
      : h('button', {type: 'button', class: 'secondary small', 'aria-label': `Remove ${who} from the blacklist`, onclick: async () => {
        try { await del(`admin/blacklist/${encodeURIComponent(entry.key || entry.social_user_key)}`); blacklistCard(slot); } catch (error) { fail(error); }
      }}, 'Remove');
    return h('li', {class: 'social-account'},
      h('div', {}, h('p', {class: 'strong'}, who), h('p', {class: 'muted small'}, `${what} · added `, timeEl(entry.at || entry.added_at, 'date'))),
      action);
  });
  clear(slot, card('bl-title', 'Blacklist', items.length ? h('ul', {class: 'plain'}, items) : h('p', {class: 'muted'}, 'Nobody is blacklisted.'),
    h('p', {class: 'hint'}, 'Add a social account from its conversation in the Message Center, a member from their profile.')));
}

async function staffCard(slot) {
  const [branches, staff] = await Promise.all([get('admin/branches').catch(fail), get('admin/staff').catch(fail)]);
  if (!branches || !staff) return;
  const branchName = Object.fromEntries(branches.items.map((b) => [b.branch_id, b.name]));
  const newBranch = h('input', {type: 'text', required: true, maxlength: 120});
  const branchForm = h('form', {class: 'row'}, field('New branch', newBranch), h('button', {type: 'submit', class: 'secondary'}, 'Add branch'));
  branchForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    try { await post('admin/branches', {name: newBranch.value.trim()}); staffCard(slot); } catch (error) { fail(error); }
  });
  const name = h('input', {type: 'text', required: true, maxlength: 120});
  const branch = h('select', {required: true}, branches.items.map((b) => h('option', {value: b.branch_id}, b.name)));
  const created = h('div', {'aria-live': 'polite'});
  const staffForm = h('form', {class: 'row'}, field('Staff name', name), field('Branch', branch), h('button', {type: 'submit'}, 'Add staff member'));
  staffForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const made = await post('admin/staff', {name: name.value.trim(), branch_id: branch.value});
      const qr = made.staff_key_qr_svg ? svgNode(made.staff_key_qr_svg, `QR code: sign ${made.name} in to the staff app`) : null;
      clear(created, h('div', {class: 'notice info stack'},
        h('p', {class: 'strong'}, `${made.name} added. Show this QR code to their phone now: it signs the staff app in. It is shown only once.`),
        qr, h('details', {}, h('summary', {}, 'Show the key as text'), h('p', {}, h('code', {}, made.staff_key)))));
    } catch (error) { fail(error); }
  });
  const people = staff.items.map((s) => h('li', {}, s.name, h('span', {class: 'muted'}, ` · ${branchName[s.branch_id] || s.branch_id}`)));
  clear(slot, card('staff-title', 'Branches and staff',
    h('p', {}, `Branches: ${branches.items.map((b) => b.name).join(', ') || 'none yet'}`), branchForm,
    h('ul', {}, people), branches.items.length ? staffForm : h('p', {class: 'muted'}, 'Add a branch first.'), created));
}
