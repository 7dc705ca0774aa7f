// The profile panel: a member (contact, bound social accounts, tags, notes, orders, consent, lifecycle) or a
// visitor (register as member), and the conversation's actions, each disabled with the reason when refused.
import {ApiError, del, poll, post, put} from './api.js';
import {channelLabel, isSocial, reasonText, sentence, whoOf} from './channels.js';
import {announce, clear, field, h, timeEl, uid} from './dom.js';
import {formatClock, formatMoney, t, tNodes} from './i18n.js';
import {me} from './me.js';
import {moreSections} from './profile-more.js';

const STAGES = {need_introduce: () => t('Need Introduce'), silent: () => t('Silent Customers'), loyalists: () => t('Loyalists'),
  high_potential: () => t('High-Potential'), need_nurturing: () => t('Need Nurturing'), cant_lose: () => t('Can\'t Lose'),
  lost: () => t('Lost')};
const CONSENT_PURPOSES = {email_marketing: () => t('E-mail marketing'), sms_marketing: () => t('SMS marketing')};
const ORDER_STATUSES = {paid: () => t('paid'), pending: () => t('pending'), cancelled: () => t('cancelled'),
  refunded: () => t('refunded')};
const orderStatus = (status) => (ORDER_STATUSES[status] ? ORDER_STATUSES[status]() : status);
const CONSENT_STATES = {subscribed: () => t('subscribed'), unsubscribed: () => t('unsubscribed'), never: () => t('not asked')};

/**
 * Fill `container` with the profile of `memberId` (polled) or the visitor of `conversation`.
 * Returns {stop(), conversationChanged(conversation)}.
 */
export function profilePanel(container, {conversation = null, memberId = null, standalone = false}) {
  const actions = h('div', {class: 'card actions-card', hidden: !conversation || !isSocial(conversation)});
  const body = h('div', {class: 'profile-body'});
  let current = conversation;
  clear(container, body, actions);
  let stop = () => {};

  const drawActions = () => { if (current && isSocial(current)) renderActions(actions, current); };
  drawActions();
  if (memberId) {
    clear(body, h('p', {class: 'muted'}, t('Loading profile…')));
    stop = poll(`admin/members/${encodeURIComponent(memberId)}`, (profile) => renderMember(body, profile, standalone), 4,
      (error) => clear(body, h('p', {class: 'notice bad'}, t('Could not load the member: {reason}', {reason: error.message}))));
  } else if (conversation) {
    renderVisitor(body, conversation);
  }
  return {
    stop: () => stop(),
    conversationChanged(next) { current = next; drawActions(); },
  };
}

// --- member ----------------------------------------------------------------------------------------

function verified(flag) {
  return flag ? h('span', {class: 'badge ok'}, t('Verified')) : h('span', {class: 'badge warn'}, t('Not verified'));
}

function section(title, ...children) {
  const id = uid('s');
  return h('section', {class: 'card profile-section', 'aria-labelledby': id}, h('h3', {id}, title), children);
}

function renderMember(body, profile, standalone) {
  const badges = [h('span', {class: 'badge info'}, profile.is_member === false ? t('Imported customer') : t('Member'))];
  if (profile.lifecycle && profile.lifecycle.stage) {
    badges.push(h('span', {class: `badge stage stage-${profile.lifecycle.stage}`, title: profile.lifecycle.reason || ''},
      STAGES[profile.lifecycle.stage] ? STAGES[profile.lifecycle.stage]() : profile.lifecycle.stage));
  }
  if (profile.consents) {
    for (const [purpose, labelOf] of Object.entries(CONSENT_PURPOSES)) {
      const consent = profile.consents[purpose];
      if (!consent) continue;
      const suppressed = consent.suppressed;
      const kind = suppressed ? 'bad' : consent.state === 'subscribed' ? 'ok' : '';
      const state = CONSENT_STATES[consent.state] ? CONSENT_STATES[consent.state]() : consent.state;
      const text = suppressed ? t('{purpose}: suppressed ({reason})', {purpose: labelOf(), reason: suppressed})
        : t('{purpose}: {state}', {purpose: labelOf(), state});
      badges.push(h('span', {class: `badge consent ${kind}`}, text));
    }
  }
  if (profile.blacklisted) badges.push(h('span', {class: 'badge bad'}, t('Blacklisted')));
  const Heading = standalone ? 'h1' : 'h2';
  const head = h('div', {class: 'card profile-head'},
    h('div', {class: 'avatar', 'aria-hidden': 'true'}, (profile.name || '?').trim().charAt(0).toUpperCase()),
    h('div', {}, h(Heading, {class: 'profile-name'}, profile.name || t('Unnamed member')),
      h('p', {class: 'badges'}, badges)));
  const contact = section(t('Contact'), h('dl', {class: 'facts'},
    h('dt', {}, t('Phone')), h('dd', {}, profile.phone || '—', ' ', profile.phone ? verified(profile.phone_verified) : null),
    h('dt', {}, t('E-mail')), h('dd', {}, profile.email || '—', ' ', profile.email ? verified(profile.email_verified) : null),
    h('dt', {}, t('Member since')), h('dd', {}, timeEl(profile.created_at, 'date')),
    profile.referral ? [h('dt', {}, t('Referred by')), h('dd', {},
      `${profile.referral.staff_name || profile.referral.staff_id} · ${profile.referral.branch_name || profile.referral.branch_id}`)] : null));

  const accounts = (profile.social_accounts || []).map((account) => {
    // The API names the chat's conversation: the console derives no id itself.
    const chat = h('a', {class: 'button small secondary', href: `#/inbox/${encodeURIComponent(account.conversation_id)}`}, t('Chat'));
    const channel = account.key.split(':', 1)[0];
    const unbind = h('button', {type: 'button', class: 'danger small', onclick: async () => {
      if (!confirm(t('Unbind {channel} account {name} from this member?', {channel: channelLabel(channel), name: account.name || account.key}))) return;
      try {
        await del(`admin/members/${encodeURIComponent(profile.member_id)}/social-accounts/${encodeURIComponent(account.key)}`);
        announce(t('Social account unbound'));
      } catch (error) { announce(error.message, 'bad'); }
    }}, t('Unbind'));
    chat.setAttribute('aria-label', t('Chat with {name} on {channel}', {name: account.name || account.key, channel: channelLabel(channel)}));
    unbind.setAttribute('aria-label', t('Unbind {name}', {name: account.name || account.key}));
    return h('li', {class: 'social-account'},
      h('div', {}, h('p', {class: 'strong'}, account.name || account.key),
        h('p', {class: 'muted small'}, `${channelLabel(channel)} · ${account.key} · `, tNodes('bound {time}', {time: timeEl(account.bound_at)}))),
      h('div', {class: 'row'}, chat, me.role === 'owner' ? unbind : null));
  });
  const social = section(t('Bound social accounts'), accounts.length ? h('ul', {class: 'plain'}, accounts)
    : h('p', {class: 'muted'}, t('No social account bound yet.')));

  const tagInput = h('input', {type: 'text', maxlength: 50, autocomplete: 'off'});
  const tagForm = h('form', {class: 'row inline-form'}, field(t('New tag'), tagInput), h('button', {type: 'submit', class: 'secondary'}, t('Add tag')));
  tagForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!tagInput.value.trim()) return;
    try {
      await post(`admin/members/${encodeURIComponent(profile.member_id)}/tags`, {tags: [tagInput.value.trim()]});
      tagInput.value = '';
      announce(t('Tag added'));
    } catch (error) { announce(error.message, 'bad'); }
  });
  const tags = section(t('Tags'), h('ul', {class: 'tags'}, (profile.tags || []).map((tag) => h('li', {class: 'tag'}, tag,
    h('button', {type: 'button', class: 'link', 'aria-label': t('Remove tag {tag}', {tag}), onclick: async () => {
      try { await del(`admin/members/${encodeURIComponent(profile.member_id)}/tags/${encodeURIComponent(tag)}`); announce(t('Tag removed')); } catch (error) { announce(error.message, 'bad'); }
    }}, '×')))), tagForm);

  const noteInput = h('textarea', {rows: 2, maxlength: 2000});
  const noteForm = h('form', {class: 'inline-form'}, field(t('New note'), noteInput), h('button', {type: 'submit', class: 'secondary'}, t('Add note')));
  noteForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!noteInput.value.trim()) return;
    try {
      await post(`admin/members/${encodeURIComponent(profile.member_id)}/notes`, {text: noteInput.value});
      noteInput.value = '';
      announce(t('Note added'));
    } catch (error) { announce(error.message, 'bad'); }
  });
  const notes = section(t('Notes'), h('ul', {class: 'plain notes'}, (profile.notes || []).map((note) => h('li', {},
    h('p', {class: 'note-text'}, note.text),
    h('p', {class: 'muted small'}, (note.author && note.author.label) || t('admin'), ' · ', timeEl(note.created_at))))), noteForm);

  const orders = section(t('Orders'), (profile.orders || []).length
    ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, t('Order')), h('th', {scope: 'col'}, t('Total')), h('th', {scope: 'col'}, t('Date')))),
      h('tbody', {}, profile.orders.map((order) => h('tr', {}, h('td', {}, order.order_id, order.status ? ` (${orderStatus(order.status)})` : ''),
        h('td', {}, h('data', {value: `${order.total} ${order.currency}`}, formatMoney(order.total, order.currency))), h('td', {}, timeEl(order.ordered_at, 'date'))))))
    : h('p', {class: 'muted'}, t('No orders yet.')));
  // Keep what the merchant is typing when a poll redraws the panel.
  const typing = body.querySelector('input:focus, textarea:focus');
  if (typing && typing.value) return;
  body.classList.toggle('standalone', standalone);
  clear(body, head, contact, social, tags, notes, orders, moreSections(profile));
}

// --- visitor ---------------------------------------------------------------------------------------

function renderVisitor(body, conversation) {
  const name = h('input', {type: 'text', maxlength: 120, required: true, value: whoOf(conversation)});
  const phone = h('input', {type: 'tel', autocomplete: 'off', placeholder: '+886912345678'});
  const email = h('input', {type: 'email', autocomplete: 'off', value: (conversation.customer && conversation.customer.email) || ''});
  const error = h('p', {class: 'error-text', role: 'alert'});
  const form = h('form', {class: 'card stack', 'aria-labelledby': 'register-title'},
    h('h3', {id: 'register-title'}, t('Register as member')),
    field(t('Name'), name), field(t('Mobile number'), phone, t('E.164, e.g. +886912345678')), field(t('E-mail'), email), error,
    h('button', {type: 'submit'}, t('Register as member')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const payload = {name: name.value.trim()};
    if (phone.value.trim()) payload.phone = phone.value.trim();
    if (email.value.trim()) payload.email = email.value.trim();
    if (!isSocial(conversation)) payload.conversation_id = conversation.conversation_id;
    try {
      const member = await post('admin/members', payload);
      announce(t('Registered {name} as a member', {name: member.name}));
      location.hash = `#/customers/${member.member_id}`;
    } catch (failure) { error.textContent = failure.message; }
  });
  const who = conversation.social_user
    ? h('p', {class: 'muted small'}, `${channelLabel(conversation.channel)} · ${conversation.social_user.key}`)
    : h('p', {class: 'muted small'}, (conversation.customer && conversation.customer.email) || '');
  clear(body, h('div', {class: 'card profile-head'},
    h('div', {class: 'avatar visitor', 'aria-hidden': 'true'}, whoOf(conversation).charAt(0).toUpperCase()),
    h('div', {}, h('h2', {class: 'profile-name'}, whoOf(conversation)), h('p', {class: 'badges'}, h('span', {class: 'badge'}, t('Visitor'))), who)),
  conversation.order ? h('section', {class: 'card'}, h('h3', {}, t('Order')), h('p', {}, `${conversation.order.order_id} · ${formatMoney(conversation.order.total, conversation.order.currency)} · ${conversation.order.status ? orderStatus(conversation.order.status) : ''}`)) : null,
  me.role === 'owner' ? form : null); // registering members (and unbinding) is an owner's: agents get 403 there
}

// --- conversation actions ---------------------------------------------------------------------------

function actionRow(button, reason) {
  const id = uid('why');
  if (reason) button.setAttribute('aria-describedby', id);
  return h('div', {class: 'action'}, button, reason ? h('p', {class: 'hint reason', id}, reason) : null);
}

function renderActions(container, conversation) {
  if (container.contains(document.activeElement) && document.activeElement.tagName === 'INPUT') return;
  const sentNotice = container.querySelector('.sent-notice');
  const blocked = conversation.invite_blocked_reason
    ? reasonText(conversation.invite_blocked_reason, conversation.invite_blocked_message) : null;
  const invite = h('button', {type: 'button', disabled: !conversation.can_invite_binding, class: 'invite'},
    t('Send invitation to bind membership'));
  invite.addEventListener('click', async () => {
    invite.disabled = true;
    try {
      const sent = await post(`admin/conversations/${conversation.conversation_id}/binding-invitation`);
      const notice = h('p', {class: 'notice ok sent-notice', role: 'status'},
        t('Sent. The link is valid until {time}.', {time: formatClock(new Date(sent.expires_at))}));
      container.querySelector('.sent-notice')?.remove();
      container.prepend(notice);
      announce(t('Sent'));
    } catch (error) {
      announce(error instanceof ApiError ? sentence(error.message) : error.message, 'bad');
      invite.disabled = false;
    }
  });

  const cartCode = conversation.can_send_cart_link === false ? conversation.cart_link_blocked_reason : null;
  const cartReason = !cartCode ? null : cartCode === 'outside_24h_window'
    ? t('The 24-hour window is closed: a cart link cannot be sent in the chat.')
    : reasonText(cartCode, conversation.cart_link_blocked_message);
  const cartId = h('input', {type: 'text', maxlength: 128, autocomplete: 'off', disabled: Boolean(cartReason)});
  const cartButton = h('button', {type: 'submit', class: 'secondary', disabled: Boolean(cartReason)}, t('Send cart link'));
  const cartForm = h('form', {class: 'row inline-form'}, field(t('Cart id'), cartId), cartButton);
  cartForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!cartId.value.trim()) { announce(t('Enter the cart id first'), 'bad'); return; }
    try {
      await post(`admin/conversations/${conversation.conversation_id}/cart-link`, {cart_id: cartId.value.trim()});
      cartId.value = '';
      announce(t('Cart link sent'));
    } catch (error) { announce(error.message, 'bad'); }
  });

  const key = conversation.social_user.key;
  const blacklist = conversation.blacklisted
    ? h('button', {type: 'button', class: 'secondary', onclick: async () => {
      try { await del(`admin/blacklist/${encodeURIComponent(key)}`); announce(t('Removed from the blacklist')); } catch (error) { announce(error.message, 'bad'); }
    }}, t('Remove from blacklist'))
    : h('button', {type: 'button', class: 'danger', onclick: async () => {
      if (!confirm(t('Add this customer to the blacklist? Their messages will be dropped.'))) return;
      try { await put(`admin/blacklist/${encodeURIComponent(key)}`); announce(t('Added to the blacklist')); } catch (error) { announce(error.message, 'bad'); }
    }}, t('Add to blacklist'));

  clear(container, sentNotice, h('h3', {}, t('Actions')),
    actionRow(invite, blocked),
    actionRow(cartForm, cartReason),
    actionRow(blacklist, conversation.blacklisted ? `${reasonText('blacklisted')} ${t('Their messages are dropped.')}` : null));
  const why = cartForm.getAttribute('aria-describedby');
  if (why) cartButton.setAttribute('aria-describedby', why); // the reason belongs to the button, too
}
