// People (owners): invite by e-mail with a role, see who joined, remove someone (their session ends at once).
import {del, get, post} from './api.js';
import {announce, clear, field, h, timeEl} from './dom.js';
import {t, tNodes} from './i18n.js';

const ROLES = {owner: () => t('owner'), agent: () => t('agent')};

export function show(main) {
  const list = h('tbody');
  const status = h('p', {class: 'muted', role: 'status'});
  const email = h('input', {type: 'email', required: true, autocomplete: 'off'});
  const name = h('input', {type: 'text', required: true, maxlength: 120});
  const role = h('select', {}, h('option', {value: 'agent'}, t('Agent: inbox and customers')),
    h('option', {value: 'owner'}, t('Owner: everything')));
  const error = h('p', {class: 'error-text', role: 'alert'});
  const form = h('form', {class: 'row'}, field(t('E-mail'), email), field(t('Name'), name), field(t('Role'), role),
    h('button', {type: 'submit'}, t('Send invitation')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      await post('admin/users', {email: email.value, name: name.value, role: role.value});
      announce(t('Invitation sent to {email}', {email: email.value}));
      form.reset();
      load();
    } catch (failure) { error.textContent = failure.message; }
  });

  async function load() {
    try {
      const page = await get('admin/users?limit=200');
      clear(list, page.items.map((user) => h('tr', {},
        h('td', {}, user.name), h('td', {}, user.email), h('td', {}, ROLES[user.role] ? ROLES[user.role]() : user.role),
        h('td', {}, user.status === 'active' ? t('Active')
          : h('span', {}, tNodes('Invited, until {time}', {time: timeEl(user.invitation_expires_at, false)}))),
        h('td', {}, h('button', {type: 'button', class: 'secondary small', onclick: () => remove(user)}, t('Remove'))))));
      status.textContent = page.items.length ? '' : t('Nobody has been invited yet.');
    } catch (failure) { status.textContent = t('Could not load people: {reason}', {reason: failure.message}); }
  }

  async function remove(user) {
    if (!confirm(t('Remove {name}? Their sessions end at once.', {name: user.name}))) return;
    try { await del(`admin/users/${encodeURIComponent(user.user_id)}`); announce(t('{name} was removed', {name: user.name})); load(); }
    catch (failure) { announce(failure.message, 'bad'); }
  }

  main.append(h('div', {class: 'page'}, h('h1', {}, t('People')),
    h('section', {class: 'card', 'aria-labelledby': 'invite-title'}, h('h2', {id: 'invite-title'}, t('Invite someone')),
      h('p', {class: 'muted'}, t('They get an e-mail with a link to choose their password (valid 72 hours).')), form, error),
    h('section', {class: 'card', 'aria-labelledby': 'people-title'}, h('h2', {id: 'people-title'}, t('People of this store')),
      status, h('table', {class: 'table'}, h('thead', {}, h('tr', {}, h('th', {}, t('Name')), h('th', {}, t('E-mail')),
        h('th', {}, t('Role')), h('th', {}, t('Status')), h('th', {}, h('span', {class: 'sr-only'}, t('Actions'))))), list))));
  load();
}
