// People (owners): invite by e-mail with a role, see who joined, remove someone (their session ends at once).
import {del, get, post} from './api.js';
import {announce, clear, field, h, timeEl} from './dom.js';

export function show(main) {
  const list = h('tbody');
  const status = h('p', {class: 'muted', role: 'status'});
  const email = h('input', {type: 'email', required: true, autocomplete: 'off'});
  const name = h('input', {type: 'text', required: true, maxlength: 120});
  const role = h('select', {}, h('option', {value: 'agent'}, 'Agent: inbox and customers'),
    h('option', {value: 'owner'}, 'Owner: everything'));
  const error = h('p', {class: 'error-text', role: 'alert'});
  const form = h('form', {class: 'row'}, field('E-mail', email), field('Name', name), field('Role', role),
    h('button', {type: 'submit'}, 'Send invitation'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      await post('admin/users', {email: email.value, name: name.value, role: role.value});
      announce(`Invitation sent to ${email.value}`);
      form.reset();
      load();
    } catch (failure) { error.textContent = failure.message; }
  });

  async function load() {
    try {
      const page = await get('admin/users?limit=200');
      clear(list, page.items.map((user) => h('tr', {},
        h('td', {}, user.name), h('td', {}, user.email), h('td', {}, user.role),
        h('td', {}, user.status === 'active' ? 'Active' : h('span', {}, 'Invited, until ', timeEl(user.invitation_expires_at, false))),
        h('td', {}, h('button', {type: 'button', class: 'secondary small', onclick: () => remove(user)}, 'Remove')))));
      status.textContent = page.items.length ? '' : 'Nobody has been invited yet.';
    } catch (failure) { status.textContent = `Could not load people: ${failure.message}`; }
  }

  async function remove(user) {
    if (!confirm(`Remove ${user.name}? Their sessions end at once.`)) return;
    try { await del(`admin/users/${encodeURIComponent(user.user_id)}`); announce(`${user.name} was removed`); load(); }
    catch (failure) { announce(failure.message, 'bad'); }
  }

  main.append(h('div', {class: 'page'}, h('h1', {}, 'People'),
    h('section', {class: 'card', 'aria-labelledby': 'invite-title'}, h('h2', {id: 'invite-title'}, 'Invite someone'),
      h('p', {class: 'muted'}, 'They get an e-mail with a link to choose their password (valid 72 hours).'), form, error),
    h('section', {class: 'card', 'aria-labelledby': 'people-title'}, h('h2', {id: 'people-title'}, 'People of this store'),
      status, h('table', {class: 'table'}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'E-mail'),
        h('th', {}, 'Role'), h('th', {}, 'Status'), h('th', {}, h('span', {class: 'sr-only'}, 'Actions')))), list))));
  load();
}
