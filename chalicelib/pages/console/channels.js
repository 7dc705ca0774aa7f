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

/** The server's explanation (why a reply, an invitation or a cart link is not possible) as a sentence. */
export const sentence = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1).replace(/\.?$/, '.') : null);

/** Whether a reply may be sent now: the server decides (its clock, its window), the console only shows it. */
export const canReply = (conversation) => conversation.can_reply !== false;
