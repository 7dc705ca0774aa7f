// Smart OMO at the counter: find a member by phone, e-mail or name; sign a customer up by SMS; bind LINE by QR.
import {ApiError, get, key, post, svgNode} from './api.js';
import {announce, clear, field, h, timeEl} from './dom.js';
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
    const attempt = signIn(main, {title: 'Sign in to the staff app', label: 'Staff key',
      hint: 'Scan the QR code your admin shows you, or type the staff key. It is kept in this tab only.',
      checkPath: 'staff/members?name=__', roleName: 'a staff'});
    signingIn = attempt;
    await attempt;
    if (signingIn !== attempt) return; // a #key= link signed in meanwhile
  }
  appbar.hidden = false;
  showSearch();
}

const searchCard = h('section', {class: 'card', 'aria-labelledby': 'find-title'});
const resultArea = h('div', {class: 'stack', 'aria-live': 'polite'});

function showSearch() {
  const input = h('input', {autocomplete: 'off', required: true});
  const tabs = h('div', {class: 'tabs', role: 'group', 'aria-label': 'Search by'});
  const setMode = (next) => {
    mode = next;
    for (const button of tabs.children) button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
    input.type = mode === 'phone' ? 'tel' : 'text';
    input.inputMode = mode === 'phone' ? 'tel' : 'text';
    input.placeholder = mode === 'phone' ? '0912 345 678 or +886912345678' : 'amy@example.com or Amy';
    label.textContent = mode === 'phone' ? 'Mobile number' : 'E-mail or name';
  };
  tabs.append(h('button', {type: 'button', 'data-mode': 'phone', onclick: () => setMode('phone')}, 'Phone'),
    h('button', {type: 'button', 'data-mode': 'text', onclick: () => setMode('text')}, 'E-mail or name'));
  const wrapper = field('Mobile number', input);
  const label = wrapper.querySelector('label');
  const form = h('form', {role: 'search'}, tabs, h('div', {class: 'search-row'}, wrapper, h('button', {type: 'submit'}, 'Search')));
  form.addEventListener('submit', (event) => { event.preventDefault(); search(input.value.trim()); });
  clear(searchCard, h('h1', {id: 'find-title'}, 'Find a member'), form);
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
  clear(resultArea, h('p', {class: 'muted'}, 'Searching…'));
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
  clear(resultArea, h('h2', {}, `${items.length} members`), h('ul', {class: 'results'}, items.map((member) => h('li', {},
    h('button', {type: 'button', onclick: () => showMember(member)}, member.name,
      h('span', {class: 'muted'}, member.phone || member.email || ''))))));
}

function notFound(text) {
  const phone = mode === 'phone' ? text : null;
  clear(resultArea, h('section', {class: 'card stack'},
    h('h2', {}, 'No member found'),
    h('p', {}, phone ? `Nobody has signed up with ${phone} yet.` : 'Nobody matches. Try the mobile number.'),
    phone ? h('button', {type: 'button', onclick: () => signUp(phone)}, `Text a sign-up link to ${phone}`) : null));
}

function showMember(member) {
  const initial = (member.name || '?').charAt(0).toUpperCase();
  const bindArea = h('div', {class: 'stack'});
  // Only what fits this member; what does not is shown disabled with the reason, as the console does.
  const lineReason = member.line_bound ? 'This member\'s LINE account is already bound.' : null;
  const reasonEl = lineReason ? h('p', {class: 'hint', id: 'line-reason'}, lineReason) : null;
  const actions = h('div', {class: 'actions'},
    h('button', {type: 'button', disabled: Boolean(lineReason), 'aria-describedby': lineReason ? 'line-reason' : null,
      onclick: () => bindLine(member, bindArea)}, 'Show a QR code to bind LINE'),
    member.is_member === false && member.phone ? h('button', {type: 'button', class: 'secondary', onclick: () => signUp(member.phone)},
      'Text a sign-up link') : null, reasonEl);
  clear(resultArea, h('section', {class: 'card member', 'aria-labelledby': 'member-name'},
    h('div', {class: 'member-head'}, h('div', {class: 'avatar', 'aria-hidden': 'true'}, initial),
      h('div', {}, h('h2', {id: 'member-name'}, member.name || 'Unnamed'),
        h('p', {class: 'badges'}, h('span', {class: 'badge info'}, member.is_member === false ? 'Not signed up' : 'Member')))),
    h('dl', {class: 'facts'},
      h('dt', {}, 'Mobile'), h('dd', {}, member.phone || '—', member.phone_verified ? h('span', {class: 'badge ok'}, ' Verified') : null),
      h('dt', {}, 'E-mail'), h('dd', {}, member.email || '—'),
      h('dt', {}, 'Member since'), h('dd', {}, timeEl(member.created_at, 'date')),
      h('dt', {}, 'Store referral'), h('dd', {}, member.referral ? ['Bound ', timeEl(member.referral.bound_at, 'date'),
        member.referral.branch_name ? ` at ${member.referral.branch_name}` : ''] : 'None yet')),
    actions, bindArea));
}

async function signUp(phone) {
  const area = h('section', {class: 'card stack', 'aria-labelledby': 'signup-title'}, h('h2', {id: 'signup-title'}, 'Sign up'));
  clear(resultArea, area);
  try {
    const sent = await post('staff/registration-invitations', {phone});
    announce('Registration SMS sent');
    const status = h('p', {class: 'notice ok'}, `Registration SMS sent to ${phone}. The link works until `,
      timeEl(sent.expires_at, false), '.');
    const watch = h('p', {class: 'muted', role: 'status'});
    area.append(status, h('p', {}, 'Ask the customer to open the link and finish signing up.'), watch,
      h('div', {class: 'actions'},
        h('button', {type: 'button', onclick: () => { watch.textContent = 'Waiting for the customer to finish signing up…'; watchSignUp(phone, watch); }},
          'Customer got the SMS: wait for the sign-up'),
        h('button', {type: 'button', class: 'secondary', onclick: () => checkAgain(phone, watch)}, 'Check now whether they signed up')));
  } catch (error) {
    const wait = error instanceof ApiError && error.code === 'rate_limited'
      ? ' Too many texts to this number: wait a little and try again.' : '';
    area.append(h('p', {class: 'notice bad', role: 'alert'}, error.message + wait));
  }
}

async function checkAgain(phone, watch) {
  try {
    const found = await get(`staff/members?${new URLSearchParams({phone})}`);
    if (found.items.length && found.items[0].referral) { showMember(found.items[0]); announce('Signed up'); return true; }
    watch.textContent = 'Not signed up yet.';
  } catch (error) { watch.textContent = error.message; }
  return false;
}

async function watchSignUp(phone, watch) {
  for (let i = 0; i < 60 && watch.isConnected; i += 1) {
    if (await checkAgain(phone, watch)) return;
    watch.textContent = 'Waiting for the customer to finish signing up…';
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

async function bindLine(member, area) {
  clear(area, h('p', {class: 'muted'}, 'Making a LINE binding code…'));
  try {
    const made = await post('staff/line-binding-invitations', {member_id: member.member_id});
    const qr = svgNode(made.qr_svg, `QR code: link ${member.name}'s LINE account`);
    clear(area, h('div', {class: 'qr-box'},
      h('h3', {}, 'Scan with LINE'), h('p', {class: 'muted'}, 'The customer scans this with their phone and adds the shop on LINE.'),
      qr, h('p', {class: 'small muted'}, 'Valid until ', timeEl(made.expires_at, false))),
    h('button', {type: 'button', class: 'secondary', onclick: () => bindBySms(member, area)}, 'Can\'t scan? Try SMS invitation'));
  } catch (error) {
    clear(area, h('p', {class: 'notice bad', role: 'alert'}, error.message));
  }
}

async function bindBySms(member, area) {
  try {
    await post('staff/line-binding-invitations', {member_id: member.member_id, via: 'sms'});
    clear(area, h('p', {class: 'notice ok'}, `LINE binding link texted to ${member.phone}.`));
    announce('SMS invitation sent');
  } catch (error) { announce(error.message, 'bad'); }
}

document.getElementById('sign-out').addEventListener('click', () => { key.forget(); start(); });
window.addEventListener('memberlink:signed-out', () => { key.forget(); start(); });
start();
