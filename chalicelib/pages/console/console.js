// The merchant console: sign-in, the section router (#/inbox, #/customers, #/lifecycle, #/marketing, #/settings,
// #/reports).
import {key} from './api.js';
import {clear} from './dom.js';
import {signIn} from './signin.js';

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
};

async function route() {
  if (!key.get()) return;
  const [section = 'inbox', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const load = SECTIONS[section] || SECTIONS.inbox;
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
  if (!key.get()) {
    signingIn = true;
    topbar.hidden = true;
    leave();
    leave = () => {};
    current = {section: null, module: null};
    await signIn(main, {title: 'Sign in to the console', label: 'Admin key',
      hint: 'The admin key of your store (mlk.…). It stays in this tab only and is forgotten when you sign out or close the tab.',
      checkPath: 'admin/settings', roleName: 'an admin'});
    signingIn = false;
  }
  topbar.hidden = false;
  await route();
}

document.getElementById('sign-out').addEventListener('click', () => { key.forget(); start(); });
window.addEventListener('memberlink:signed-out', () => { key.forget(); start(); });
window.addEventListener('hashchange', route);
start();
