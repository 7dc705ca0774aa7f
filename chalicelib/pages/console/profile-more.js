// More of a member's profile, read once per change of the profile: the consent log, the lifecycle history and
// the member blacklist (every bound account, shop and order messages, marketing).
import {del, get, put} from './api.js';
import {announce, clear, h, timeEl, uid} from './dom.js';
import {t, tNodes} from './i18n.js';

const STAGES = {need_introduce: () => t('Need Introduce'), silent: () => t('Silent Customers'), loyalists: () => t('Loyalists'),
  high_potential: () => t('High-Potential'), need_nurturing: () => t('Need Nurturing'), cant_lose: () => t('Can\'t Lose'),
  lost: () => t('Lost')};
const PURPOSES = {email_marketing: () => t('E-mail marketing'), sms_marketing: () => t('SMS marketing')};
const ACTIONS = {subscribe: () => t('subscribe'), unsubscribe: () => t('unsubscribe'), suppress: () => t('suppress'),
  lift: () => t('lift the suppression')};
// A code the server sent, said in the page's language when it has words for it (else as it came).
const said = (words, code) => (words[code] ? words[code]() : code);
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
  const consentBody = h('div', {}, h('p', {class: 'muted'}, t('Loading…')));
  const historyBody = h('div', {}, h('p', {class: 'muted'}, t('Loading…')));
  const nodes = [blacklistSection(profile), section(t('Consent log'), consentBody), section(t('Lifecycle history'), historyBody)];
  cache.set(profile.member_id, {stamp, nodes});
  const base = `admin/members/${encodeURIComponent(profile.member_id)}`;
  get(`${base}/consent-events`).then((page) => clear(consentBody, page.items.length
    ? h('table', {}, h('thead', {}, h('tr', {}, [t('When'), t('Purpose'), t('Change'), t('Source')].map((name) => h('th', {scope: 'col'}, name)))),
      h('tbody', {}, page.items.map((event) => h('tr', {}, h('td', {}, timeEl(event.at, 'date'), ' ', timeEl(event.at, false)),
        h('td', {}, said(PURPOSES, event.purpose)), h('td', {}, said(ACTIONS, event.action)), h('td', {}, event.source)))))
    : h('p', {class: 'muted'}, t('No consent given or withdrawn yet.')))).catch((error) => clear(consentBody, error.message));
  get(`${base}/lifecycle-history`).then((page) => clear(historyBody, page.items.length
    ? h('ol', {class: 'plain'}, page.items.map((item) => h('li', {}, item.from
      ? tNodes('{time}: {from} → {to}', {time: timeEl(item.at, 'date'), from: said(STAGES, item.from), to: said(STAGES, item.to)})
      : tNodes('{time}: first stage: {to}', {time: timeEl(item.at, 'date'), to: said(STAGES, item.to)}))))
    : h('p', {class: 'muted'}, t('No stage change recorded yet.')))).catch((error) => clear(historyBody, error.message));
  return nodes;
}

function blacklistSection(profile) {
  const path = `admin/members/${encodeURIComponent(profile.member_id)}/blacklist`;
  const button = profile.blacklisted
    ? h('button', {type: 'button', class: 'secondary', onclick: async () => {
      try { await del(path); announce(t('Blacklisting lifted')); } catch (error) { announce(error.message, 'bad'); }
    }}, t('Lift the blacklisting'))
    : h('button', {type: 'button', class: 'danger', onclick: async () => {
      if (!confirm(t('Blacklist {name}? Messages from every bound account and the shop are held back, and marketing skips them.',
        {name: profile.name || t('Unnamed member')}))) return;
      try { await put(path); announce(t('Member blacklisted')); } catch (error) { announce(error.message, 'bad'); }
    }}, t('Blacklist this member'));
  return section(t('Blacklist'), profile.blacklisted
    ? h('p', {class: 'notice bad'}, tNodes('Blacklisted since {date}: messages from their social accounts and the shop are held back; marketing skips them.',
      {date: timeEl(profile.blacklisted_at, 'date')}))
    : h('p', {class: 'muted'}, t('Not blacklisted.')), button);
}
