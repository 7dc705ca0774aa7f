// More of a member's profile, read once per change of the profile: the consent log, the lifecycle history and
// the member blacklist (every bound account, shop and order messages, marketing).
import {del, get, put} from './api.js';
import {announce, clear, h, timeEl, uid} from './dom.js';

const STAGES = {need_introduce: 'Need Introduce', silent: 'Silent Customers', loyalists: 'Loyalists',
  high_potential: 'High-Potential', need_nurturing: 'Need Nurturing', cant_lose: 'Can\'t Lose', lost: 'Lost'};
const PURPOSES = {email_marketing: 'E-mail marketing', sms_marketing: 'SMS marketing'};
const cache = new Map(); // member id -> {stamp, nodes}

function section(title, ...children) {
  const id = uid('s');
  return h('section', {class: 'card profile-section', 'aria-labelledby': id}, h('h3', {id}, title), children);
}

/** The sections, rebuilt only when the profile changed (its updated_at): polls redraw without refetching. */
export function moreSections(profile) {
  const stamp = `${profile.updated_at}|${profile.blacklisted}|${profile.lifecycle && profile.lifecycle.stage}`;
  const known = cache.get(profile.member_id);
  if (known && known.stamp === stamp) return known.nodes;
  const consentBody = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
  const historyBody = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
  const nodes = [blacklistSection(profile), section('Consent log', consentBody), section('Lifecycle history', historyBody)];
  cache.set(profile.member_id, {stamp, nodes});
  const base = `admin/members/${encodeURIComponent(profile.member_id)}`;
  get(`${base}/consent-events`).then((page) => clear(consentBody, page.items.length
    ? h('table', {}, h('thead', {}, h('tr', {}, ['When', 'Purpose', 'Change', 'Source'].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, page.items.map((event) => h('tr', {}, h('td', {}, timeEl(event.at, 'date'), ' ', timeEl(event.at, false)),
        h('td', {}, PURPOSES[event.purpose] || event.purpose), h('td', {}, event.action), h('td', {}, event.source)))))
    : h('p', {class: 'muted'}, 'No consent given or withdrawn yet.'))).catch((error) => clear(consentBody, error.message));
  get(`${base}/lifecycle-history`).then((page) => clear(historyBody, page.items.length
    ? h('ol', {class: 'plain'}, page.items.map((item) => h('li', {}, timeEl(item.at, 'date'), ': ',
      item.from ? `${STAGES[item.from] || item.from} → ` : 'first stage: ', STAGES[item.to] || item.to)))
    : h('p', {class: 'muted'}, 'No stage change recorded yet.'))).catch((error) => clear(historyBody, error.message));
  return nodes;
}

function blacklistSection(profile) {
  const path = `admin/members/${encodeURIComponent(profile.member_id)}/blacklist`;
  const button = profile.blacklisted
    ? h('button', {type: 'button', class: 'secondary', onclick: async () => {
      try { await del(path); announce('Blacklisting lifted'); } catch (error) { announce(error.message, 'bad'); }
    }}, 'Lift the blacklisting')
    : h('button', {type: 'button', class: 'danger', onclick: async () => {
      if (!confirm(`Blacklist ${profile.name}? Messages from every bound account and the shop are held back, and marketing skips them.`)) return;
      try { await put(path); announce('Member blacklisted'); } catch (error) { announce(error.message, 'bad'); }
    }}, 'Blacklist this member');
  return section('Blacklist', profile.blacklisted
    ? h('p', {class: 'notice bad'}, 'Blacklisted since ', timeEl(profile.blacklisted_at, 'date'),
      ': messages from their social accounts and the shop are held back; marketing skips them.')
    : h('p', {class: 'muted'}, 'Not blacklisted.'), button);
}
