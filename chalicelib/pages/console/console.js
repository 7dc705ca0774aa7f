// The merchant console: sign-in, the section router (#/inbox, #/customers, #/lifecycle, #/marketing, #/settings,
// #/reports, #/team, #/audit).
import {call, get, key} from './api.js';
import {loadChannels} from './channels.js';
import {clear} from './dom.js';
import {languageSwitch, loadLanguage, setTimeZone, t} from './i18n.js';
import {signIn} from './account.js';
import {me} from './me.js';

const ROLES = {owner: () => t('owner'), agent: () => t('agent')};
const roleName = (role) => (ROLES[role] ? ROLES[role]() : role);

const main = document.getElementById('main');
const topbar = document.querySelector('.topbar');
let leave = () => {};
let current = {section: null, module: null};

const SECTIONS = {
  inbox: () => import('./inbox.js'),
  customers: () => import('./customers.js'),
  lifecycle: () => import('./lifecycle.js'),
  marketing: () => import('./marketing.js'),
  settings: () => import('./settings.js'),
  reports: () => import('./reports.js'),
  team: () => import('./team.js'),
  audit: () => import('./audit.js'),
};
// What an agent may open (the API answers them 403 anywhere else); owners and the admin key see every section.
const AGENT_SECTIONS = ['inbox', 'customers'];

async function route() {
  if (!key.get()) return;
  let [section = 'inbox', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  if (!SECTIONS[section] || (me.role !== 'owner' && !AGENT_SECTIONS.includes(section))) section = 'inbox';
  const load = SECTIONS[section];
  for (const link of topbar.querySelectorAll('[data-section]')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const args = rest.map(decodeURIComponent);
  if (current.section === section && current.module && current.module.update) {
    current.module.update(args); // same section: keep its panes and polls, show another item
    return;
  }
  leave();
  leave = () => {};
  const module = await load();
  current = {section, module};
  clear(main);
  leave = module.show(main, args) || (() => {});
}

let signingIn = false;
async function start() {
  if (signingIn) return;
  if (/^#invitation=/.test(location.hash)) key.forget(); // an invitation link opens the invitee's own sign-in
  if (!key.get()) {
    signingIn = true;
    topbar.hidden = true;
    leave();
    leave = () => {};
    current = {section: null, module: null};
    await signIn(main);
    signingIn = false;
  }
  try {
    Object.assign(me, await get('auth/sessions/current'));
  } catch { return; } // a 401 has already asked for sign-in again
  // Dates and times in the store's zone, whatever the merchant's computer is set to.
  if (me.store && me.store.timezone) setTimeZone(me.store.timezone);
  for (const item of topbar.querySelectorAll('[data-owner]')) item.hidden = me.role !== 'owner';
  document.getElementById('signed-in-as').textContent = me.actor.kind === 'user'
    ? t('{name} ({role})', {name: me.actor.name, role: roleName(me.role)}) : t('Admin key');
  topbar.hidden = false;
  await loadChannels().catch(() => {}); // a 401 signs out (api.js); the sections show what they can without it
  await route();
}

document.getElementById('sign-out').addEventListener('click', async () => {
  if (me.actor && me.actor.kind === 'user') await call('DELETE', 'auth/sessions/current').catch(() => {});
  key.forget();
  Object.assign(me, {actor: null, role: 'owner', store: null});
  start();
});
window.addEventListener('memberlink:signed-out', () => { key.forget(); start(); });
window.addEventListener('hashchange', route);
loadLanguage().then(() => {
  document.getElementById('topbar-end').append(languageSwitch());
  start();
});
