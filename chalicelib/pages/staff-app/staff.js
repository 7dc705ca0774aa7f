// The staff app at the counter: find a member by phone, e-mail or name; text a customer a sign-up link; connect
// a member's LINE by QR code. Its words are written for the clerk (what a sign-up link is, what to tap when).
import {ApiError, get, key, post, svgNode} from './api.js';
import {announce, clear, field, h, timeEl} from './dom.js';
import {languageSwitch, loadLanguage, setTimeZone, t, tNodes} from './i18n.js';
import {signIn} from './signin.js';

const main = document.getElementById('main');
const appbar = document.querySelector('.appbar');
let mode = 'phone';

// A key scanned from the admin's QR code arrives in the fragment (#key=...), which no server ever sees: on
// opening the page, and in a tab already open (only the fragment changes, so the page does not reload).
function keyFromFragment() {
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get('key');
  if (!fromFragment) return false;
  key.set(fromFragment);
  history.replaceState(null, '', location.pathname + location.search);
  return true;
}
keyFromFragment();
window.addEventListener('hashchange', () => { if (keyFromFragment()) { signingIn = null; start(); } });
let signingIn = null;

async function start() {
  if (!key.get()) {
    appbar.hidden = true;
    const attempt = signIn(main, {title: t('Sign in to the staff app'), label: t('Staff key'),
      hint: t('Scan the QR code your manager shows you, or type the staff key. It is kept in this tab only.'),
      checkPath: 'staff/store', wrongRole: t('This key works, but it is not a staff key.')});
    signingIn = attempt;
    await attempt;
    if (signingIn !== attempt) return; // a #key= link signed in meanwhile
  }
  // The store's name in the bar, and its time zone for every date (the phone may be set to another).
  const store = await get('staff/store').catch(() => null);
  if (store) {
    setTimeZone(store.timezone);
    document.getElementById('store-name').textContent = store.name;
  }
  appbar.hidden = false;
  showSearch();
}

const searchCard = h('section', {class: 'card', 'aria-labelledby': 'find-title'});
const resultArea = h('div', {class: 'stack', 'aria-live': 'polite'});

function showSearch() {
  const input = h('input', {autocomplete: 'off', required: true});
  const tabs = h('div', {class: 'tabs', role: 'group', 'aria-label': t('Search by')});
  const setMode = (next) => {
    mode = next;
    for (const button of tabs.children) button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
    input.type = mode === 'phone' ? 'tel' : 'text';
    input.inputMode = mode === 'phone' ? 'tel' : 'text';
    input.placeholder = mode === 'phone' ? t('0912 345 678 or +886912345678') : t('amy@example.com or Amy');
    label.textContent = mode === 'phone' ? t('Mobile number') : t('E-mail or name');
  };
  tabs.append(h('button', {type: 'button', 'data-mode': 'phone', onclick: () => setMode('phone')}, t('Phone')),
    h('button', {type: 'button', 'data-mode': 'text', onclick: () => setMode('text')}, t('E-mail or name')));
  const wrapper = field(t('Mobile number'), input);
  const label = wrapper.querySelector('label');
  const form = h('form', {role: 'search'}, tabs, h('div', {class: 'search-row'}, wrapper, h('button', {type: 'submit'}, t('Search'))));
  form.addEventListener('submit', (event) => { event.preventDefault(); search(input.value.trim()); });
  clear(searchCard, h('h1', {id: 'find-title'}, t('Find a member')), form);
  clear(main, searchCard, resultArea);
  setMode(mode);
  input.focus();
}

function query(text) {
  if (mode === 'phone') return {phone: text};
  return text.includes('@') ? {email: text} : {name: text};
}

async function search(text) {
  if (!text) return;
  document.getElementById('toast').replaceChildren(); // a new customer: yesterday's notices go
  clear(resultArea, h('p', {class: 'muted'}, t('Searching…')));
  try {
    const found = await get(`staff/members?${new URLSearchParams(query(text))}`);
    if (found.items.length === 1) showMember(found.items[0]);
    else if (found.items.length > 1) showResults(found.items);
    else notFound(text);
  } catch (error) {
    clear(resultArea, h('p', {class: 'notice bad', role: 'alert'}, error.message));
  }
}

function showResults(items) {
  clear(resultArea, h('h2', {}, t('{count} members found', {count: items.length})), h('ul', {class: 'results'}, items.map((member) => h('li', {},
    h('button', {type: 'button', onclick: () => showMember(member)}, member.name,
      h('span', {class: 'muted'}, member.phone || member.email || ''))))));
}

function notFound(text) {
  const phone = mode === 'phone' ? text : null;
  clear(resultArea, h('section', {class: 'card stack'},
    h('h2', {}, t('No member found')),
    h('p', {}, phone ? t('Nobody has signed up with {phone} yet.', {phone}) : t('Nobody matches. Try the mobile number.')),
    phone ? signUpOffer(phone) : null));
}

/** The sign-up button with what it does, said before the clerk taps it. */
function signUpOffer(phone, secondary = false) {
  const id = `signup-what-${Math.random().toString(36).slice(2)}`;
  return h('div', {class: 'stack'},
    h('button', {type: 'button', class: secondary ? 'secondary' : null, 'aria-describedby': id, onclick: () => signUp(phone)},
      t('Text a sign-up link')),
    h('p', {class: 'hint', id},
      t('A sign-up link is a web address sent by text message. The customer opens it on their phone, fills in their name and a password, and becomes a member, counted for you and this branch.')));
}

function showMember(member) {
  const initial = (member.name || '?').charAt(0).toUpperCase();
  const bindArea = h('div', {class: 'stack'});
  // Only what fits this member; what does not is shown disabled with the reason, as the console does.
  const lineReason = member.line_bound ? t('This member\'s LINE account is already connected.') : null;
  const bindHint = h('p', {class: 'hint', id: 'bind-line-what'}, lineReason ||
    t('Connecting LINE lets the shop recognise this member when they write on LINE, and send them member news there.'));
  const actions = h('div', {class: 'actions stack'},
    h('div', {}, h('button', {type: 'button', disabled: Boolean(lineReason), 'aria-describedby': 'bind-line-what',
      onclick: () => bindLine(member, bindArea)}, t('Connect LINE')), bindHint),
    member.is_member === false && member.phone ? signUpOffer(member.phone, true) : null);
  clear(resultArea, h('section', {class: 'card member', 'aria-labelledby': 'member-name'},
    h('div', {class: 'member-head'}, h('div', {class: 'avatar', 'aria-hidden': 'true'}, initial),
      h('div', {}, h('h2', {id: 'member-name'}, member.name || t('Unnamed')),
        h('p', {class: 'badges'}, h('span', {class: 'badge info'}, member.is_member === false ? t('Not signed up') : t('Member'))))),
    h('dl', {class: 'facts'},
      h('dt', {}, t('Mobile')), h('dd', {}, member.phone || '—', member.phone_verified ? [' ', h('span', {class: 'badge ok'}, t('Verified'))] : null),
      h('dt', {}, t('E-mail')), h('dd', {}, member.email || '—'),
      h('dt', {}, t('Member since')), h('dd', {}, timeEl(member.created_at, 'date')),
      h('dt', {}, t('Counter sign-up')),
      h('dd', {}, !member.referral ? t('Not yet') : member.referral.branch_name
        ? tNodes('Yes, {time} at {branch}', {time: timeEl(member.referral.bound_at, 'date'), branch: member.referral.branch_name})
        : tNodes('Yes, {time}', {time: timeEl(member.referral.bound_at, 'date')}))),
    actions, bindArea));
}

async function signUp(phone) {
  const area = h('section', {class: 'card stack', 'aria-labelledby': 'signup-title'}, h('h2', {id: 'signup-title'}, t('Sign-up link')));
  clear(resultArea, area);
  try {
    const sent = await post('staff/registration-invitations', {phone});
    announce(t('Sign-up link texted'));
    const status = h('p', {class: 'notice ok'},
      tNodes('Sign-up link texted to {phone}. It works until {time}.', {phone, time: timeEl(sent.expires_at, false)}));
    const watch = h('p', {class: 'muted', role: 'status'});
    const waitHint = h('p', {class: 'hint', id: 'got-text-what'},
      t('Tap when the text has arrived on the customer\'s phone. This screen then waits while they sign up and shows their membership when they are done.'));
    area.append(status, h('p', {}, t('Ask the customer to open the text message and tap the link.')), watch,
      h('div', {class: 'actions'},
        h('button', {type: 'button', 'aria-describedby': 'got-text-what',
          onclick: () => { watch.textContent = t('Waiting for the customer to finish signing up…'); watchSignUp(phone, watch); }},
        t('The customer got the text')),
        h('button', {type: 'button', class: 'secondary', onclick: () => checkAgain(phone, watch)}, t('Check now'))),
      waitHint);
  } catch (error) {
    area.append(h('p', {class: 'notice bad', role: 'alert'}, error.message));
  }
}

async function checkAgain(phone, watch) {
  try {
    const found = await get(`staff/members?${new URLSearchParams({phone})}`);
    if (found.items.length && found.items[0].referral) { showMember(found.items[0]); announce(t('Signed up: welcome the new member!')); return true; }
    watch.textContent = t('Not signed up yet. If the text did not arrive, check the number and send the link again.');
  } catch (error) { watch.textContent = error.message; }
  return false;
}

async function watchSignUp(phone, watch) {
  for (let i = 0; i < 60 && watch.isConnected; i += 1) {
    if (await checkAgain(phone, watch)) return;
    watch.textContent = t('Waiting for the customer to finish signing up…');
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

async function bindLine(member, area) {
  clear(area, h('p', {class: 'muted'}, t('Making the QR code…')));
  try {
    const made = await post('staff/line-binding-invitations', {member_id: member.member_id});
    const qr = svgNode(made.qr_svg, t('QR code: connect {name}\'s LINE account', {name: member.name}));
    clear(area, h('div', {class: 'qr-box'},
      h('h3', {}, t('Scan with LINE')),
      h('p', {class: 'muted'}, t('Ask the customer to scan this with their phone. LINE opens, they add the shop as a friend, and their LINE is connected to this membership.')),
      qr, h('p', {class: 'small muted'}, tNodes('Works until {time}', {time: timeEl(made.expires_at, false)}))),
    h('button', {type: 'button', class: 'secondary', onclick: () => bindBySms(member, area)}, t('Can\'t scan? Text the LINE link instead')));
  } catch (error) {
    clear(area, h('p', {class: 'notice bad', role: 'alert'}, error.message));
  }
}

async function bindBySms(member, area) {
  try {
    await post('staff/line-binding-invitations', {member_id: member.member_id, via: 'sms'});
    clear(area, h('p', {class: 'notice ok'}, t('LINE link texted to {phone}. The customer opens it on their phone to connect.', {phone: member.phone})));
    announce(t('Text sent'));
  } catch (error) { announce(error.message, 'bad'); }
}

document.getElementById('sign-out').addEventListener('click', () => { key.forget(); start(); });
window.addEventListener('memberlink:signed-out', () => { key.forget(); start(); });
loadLanguage().then(() => {
  document.getElementById('appbar-end').append(languageSwitch());
  start();
});
