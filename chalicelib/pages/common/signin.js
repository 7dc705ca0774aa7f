// The sign-in screen both apps share: the key is typed (or arrives in the URL's fragment) and kept per tab.
import {ApiError, get, key} from './api.js';
import {clear, field, h} from './dom.js';

/**
 * Show the sign-in form in `main`; resolves once a key works for `checkPath` (401 unknown key, 403 wrong role).
 */
export function signIn(main, {title, label, hint, checkPath, roleName}) {
  return new Promise((resolve) => {
    const input = h('input', {type: 'password', autocomplete: 'off', spellcheck: 'false', required: true});
    const error = h('p', {class: 'error-text', role: 'alert'});
    const form = h('form', {class: 'card stack', 'aria-labelledby': 'signin-title'},
      h('p', {class: 'brand'}, h('span', {class: 'brand-mark', 'aria-hidden': 'true'}, 'm'), 'memberlink'),
      h('h1', {id: 'signin-title'}, title),
      field(label, input, hint),
      error,
      h('button', {type: 'submit'}, 'Sign in'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      key.set(input.value);
      try {
        await get(checkPath);
        resolve();
      } catch (failure) {
        key.forget();
        error.textContent = failure instanceof ApiError && failure.status === 403
          ? `This key works, but it is not ${roleName} key.`
          : failure instanceof ApiError && failure.status === 401 ? 'This key is not valid (or was revoked).'
            : `Could not sign in: ${failure.message}`;
        input.focus();
      }
    });
    clear(main, h('div', {class: 'signin'}, form));
    input.focus();
  });
}
