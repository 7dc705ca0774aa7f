// Signing in to the console: a person by e-mail and password (and their authenticator code, for owners who
// turned it on), or the admin key. An invitation link (#invitation=<token>) first asks for a new password.
import {ApiError, key, post} from './api.js';
import {clear, field, h} from './dom.js';
import {signIn as signInWithKey} from './signin.js';

const INVITATION = /^#invitation=([A-Za-z0-9_.-]+)$/;

function card(title, ...children) {
  return h('div', {class: 'signin'}, h('div', {class: 'card stack'},
    h('p', {class: 'brand'}, h('span', {class: 'brand-mark', 'aria-hidden': 'true'}, 'm'), 'memberlink'),
    h('h1', {id: 'signin-title'}, title), ...children));
}

/** Resolves once a session token or an admin key is kept for this tab. */
export async function signIn(main) {
  const invitation = location.hash.match(INVITATION);
  let email = '';
  if (invitation) {
    history.replaceState(null, '', location.pathname); // the token leaves the address bar at once
    email = await acceptInvitation(main, invitation[1]);
  }
  const useKey = await byEmail(main, email);
  if (useKey) {
    await signInWithKey(main, {title: 'Sign in with a key', label: 'Admin key',
      hint: 'The admin key of your store (mlk.…). It stays in this tab only and is forgotten when you sign out or close the tab.',
      checkPath: 'admin/settings', roleName: 'an admin'});
  }
}

function acceptInvitation(main, token) {
  return new Promise((resolve) => {
    const password = h('input', {type: 'password', autocomplete: 'new-password', minlength: 8, maxlength: 128, required: true});
    const error = h('p', {class: 'error-text', role: 'alert'});
    const form = h('form', {class: 'stack'}, field('Choose a password', password, 'At least 8 characters.'), error,
      h('button', {type: 'submit'}, 'Join the console'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      try {
        const joined = await post('auth/invitations/accept', {token, password: password.value});
        resolve(joined.email || '');
      } catch (failure) {
        error.textContent = failure.code === 'token_used' ? 'This invitation was already used: sign in with your password.'
          : failure.code === 'token_expired' ? 'This invitation has expired: ask an owner to invite you again.'
            : failure.message;
        if (failure.code === 'token_used') setTimeout(() => resolve(''), 1500);
      }
    });
    clear(main, card('Welcome to the team', h('p', {class: 'muted'}, 'Choose the password you will sign in with.'), form));
    password.focus();
  });
}

/** The e-mail form; resolves false once signed in, true when the person chose the admin key instead. */
function byEmail(main, email) {
  return new Promise((resolve) => {
    const emailInput = h('input', {type: 'email', autocomplete: 'username', required: true, value: email});
    const password = h('input', {type: 'password', autocomplete: 'current-password', required: true});
    const code = h('input', {type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 8});
    const codeField = field('Code from your authenticator app', code);
    codeField.hidden = true;
    const error = h('p', {class: 'error-text', role: 'alert'});
    const form = h('form', {class: 'stack', 'aria-labelledby': 'signin-title'},
      field('E-mail', emailInput), field('Password', password), codeField, error,
      h('button', {type: 'submit'}, 'Sign in'));
    const keyLink = h('button', {type: 'button', class: 'link', onclick: () => resolve(true)}, 'Use the admin key instead');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      const body = {email: emailInput.value, password: password.value};
      if (!codeField.hidden && code.value) body.totp_code = code.value;
      try {
        const session = await post('auth/sessions', body);
        key.set(session.session_token);
        resolve(false);
      } catch (failure) {
        if (failure instanceof ApiError && failure.code === 'two_factor_required') {
          codeField.hidden = false;
          error.textContent = 'Enter the code your authenticator app shows.';
          code.focus();
          return;
        }
        error.textContent = failure.status === 401 ? 'The e-mail or the password is wrong.'
          : failure.status === 429 ? 'Too many failed sign-ins for this e-mail. Try again in 15 minutes.'
            : `Could not sign in: ${failure.message}`;
        password.focus();
      }
    });
    clear(main, card('Sign in to the console', form, h('p', {class: 'muted small'}, keyLink)));
    (email ? password : emailInput).focus();
  });
}
