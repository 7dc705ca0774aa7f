// How each channel is named and drawn in the console (the icon is a coloured tile with a letter).
import {h} from './dom.js';
import {t} from './i18n.js';

// Platform names are brands, the same in every language; the two of our own are translated.
export const CHANNELS = {
  facebook: {label: () => 'Messenger', mark: 'f'},
  instagram: {label: () => 'Instagram', mark: 'IG'},
  line: {label: () => 'LINE', mark: 'L'},
  whatsapp: {label: () => 'WhatsApp', mark: 'W'},
  shop: {label: () => t('Shop message'), mark: '✉'},
  order: {label: () => t('Order message'), mark: '#'},
};

export const channelLabel = (channel) => (CHANNELS[channel] ? CHANNELS[channel].label() : channel);

export function channelIcon(channel) {
  const label = channelLabel(channel);
  const mark = CHANNELS[channel] ? CHANNELS[channel].mark : '?';
  return h('span', {class: `ch ch-${channel}`, title: label},
    h('span', {'aria-hidden': 'true'}, mark), h('span', {class: 'sr-only'}, label));
}

/** Who the conversation is with: the social profile name, or the shop/order customer. */
export function whoOf(conversation) {
  const user = conversation.social_user;
  if (user) return user.name || user.key;
  const customer = conversation.customer || {};
  return customer.name || customer.email || t('Customer');
}

export const isSocial = (conversation) => Boolean(conversation.social_user);

const REASONS = {
  outside_24h_window: () => t('The customer\'s last message is more than 24 hours old: an invitation can only be sent within 24 hours of it.'),
  already_bound: () => t('This customer is already bound to a member.'),
  blacklisted: () => t('This customer is blacklisted.'),
};
export const reasonText = (code) => (REASONS[code] ? REASONS[code]() : code);

const WINDOW_MS = 24 * 3600 * 1000;
/** Whether the channel still takes a free-form reply: the server says (its clock decides), else the 24 hours. */
export function windowOpen(conversation) {
  if (typeof conversation.reply_window_open === 'boolean') return conversation.reply_window_open;
  return Boolean(conversation.last_inbound_at) && Date.now() - new Date(conversation.last_inbound_at).getTime() < WINDOW_MS;
}
export function windowEndsAt(conversation) {
  return conversation.reply_window_ends_at
    || (conversation.last_inbound_at ? new Date(new Date(conversation.last_inbound_at).getTime() + WINDOW_MS).toISOString() : null);
}
