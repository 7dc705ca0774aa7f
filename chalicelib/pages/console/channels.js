// How each channel is named and drawn in the console (the icon is a coloured tile with a letter).
// The messaging channels, their fields and limits come from the API's registry (GET admin/channel-registry),
// read once after sign-in: the console types no channel list of its own.
import {get} from './api.js';
import {h} from './dom.js';
import {t} from './i18n.js';

// The storefront's own conversations (not channels a store connects): how the inbox draws them.
// Platform names (from the registry) are brands, the same in every language; these two of our own are translated.
const KINDS = {
  shop: {label: () => t('Shop message'), mark: '✉'},
  order: {label: () => t('Order message'), mark: '#'},
};
let registry = [];

/** Reads the channel registry once per sign-in; the sections render from it. */
export async function loadChannels() {
  if (!registry.length) registry = (await get('admin/channel-registry')).items;
  return registry;
}

/** The messaging channels a store can connect, in the registry's order, each with its fields and limits. */
export const channels = () => registry;
const entryOf = (channel) => {
  const entry = registry.find((candidate) => candidate.channel === channel);
  if (entry) return entry;
  return KINDS[channel] ? {label: KINDS[channel].label(), mark: KINDS[channel].mark} : null;
};

export const channelLabel = (channel) => (entryOf(channel) || {label: channel}).label;

export function channelIcon(channel) {
  const spec = entryOf(channel) || {label: channel, mark: '?'};
  return h('span', {class: `ch ch-${channel}`, title: spec.label},
    h('span', {'aria-hidden': 'true'}, spec.mark), h('span', {class: 'sr-only'}, spec.label));
}

/** Who the conversation is with: the social profile name, or the shop/order customer. */
export function whoOf(conversation) {
  const user = conversation.social_user;
  if (user) return user.name || user.key;
  const customer = conversation.customer || {};
  return customer.name || customer.email || t('Customer');
}

export const isSocial = (conversation) => Boolean(conversation.social_user);

// The server decides (its clock, its rules) and names the reason by its code; these are the codes' words in
// the page's language. A code the page does not know shows the server's own sentence.
const REASONS = {
  outside_24h_window: () => t('The customer\'s last message is more than 24 hours old: an invitation can only be sent within 24 hours of it.'),
  already_bound: () => t('This customer is already bound to a member.'),
  blacklisted: () => t('This customer is blacklisted.'),
};

/** The server's explanation (why a reply, an invitation or a cart link is not possible) as a sentence. */
export const sentence = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1).replace(/\.?$/, '.') : null);
export const reasonText = (code, message) => (REASONS[code] ? REASONS[code]() : sentence(message || code));

/** Whether a reply may be sent now: the server decides (its clock, its window), the console only shows it. */
export const canReply = (conversation) => conversation.can_reply !== false;
