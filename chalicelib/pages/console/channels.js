// How each channel is named and drawn in the console (the icon is a coloured tile with a letter).
// The messaging channels, their fields and limits come from the API's registry (GET admin/channel-registry),
// read once after sign-in: the console types no channel list of its own.
import {get} from './api.js';
import {h} from './dom.js';

// The storefront's own conversations (not channels a store connects): how the inbox draws them.
const KINDS = {
  shop: {label: 'Shop message', mark: '✉'},
  order: {label: 'Order message', mark: '#'},
};
let registry = [];

/** Reads the channel registry once per sign-in; the sections render from it. */
export async function loadChannels() {
  if (!registry.length) registry = (await get('admin/channel-registry')).items;
  return registry;
}

/** The messaging channels a store can connect, in the registry's order, each with its fields and limits. */
export const channels = () => registry;
const entryOf = (channel) => registry.find((entry) => entry.channel === channel) || KINDS[channel];

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
  return customer.name || customer.email || 'Customer';
}

export const isSocial = (conversation) => Boolean(conversation.social_user);

const REASONS = {
  outside_24h_window: 'The customer\'s last message is more than 24 hours old: an invitation can only be sent within 24 hours of it.',
  already_bound: 'This customer is already bound to a member.',
  blacklisted: 'This customer is blacklisted.',
};
export const reasonText = (code) => REASONS[code] || code;

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
