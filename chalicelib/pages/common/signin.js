// The sign-in screen both apps share: the key is typed (or arrives in the URL's fragment) and kept per tab.
import {ApiError, get, key} from './api.js';
import {clear, field, h} from './dom.js';
import {languageSwitch, t} from './i18n.js';

/**
 * Show the sign-in form in `main`; resolves once a key works for `checkPath` (401 unknown key, 403 wrong role).
 * The texts come translated from the app (title, label, hint, wrongRole).
 */
export function signIn(main, {title, label, hint, checkPath, wrongRole}) {
  return new Promise((resolve) => {
    const input = h('input', {type: 'password', autocomplete: 'off', spellcheck: 'false', required: true});
    const error = h('p', {class: 'error-text', role: 'alert'});
    const form = h('form', {class: 'card stack', 'aria-labelledby': 'signin-title'},
      h('div', {class: 'signin-head'},
        h('p', {class: 'brand'}, h('span', {class: 'brand-mark', 'aria-hidden': 'true'}, 'm'), 'memberlink'),
        languageSwitch()),
      h('h1', {id: 'signin-title'}, title),
      field(label, input, hint),
      error,
      h('button', {type: 'submit'}, t('Sign in')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      error.textContent = '';
      key.set(input.value);
      try {
        await get(checkPath);
        resolve();
      } catch (failure) {
        key.forget();
        error.textContent = failure instanceof ApiError && failure.status === 403 ? wrongRole
          : failure instanceof ApiError && failure.status === 401 ? t('This key is not valid (or was revoked).')
            : t('Could not sign in: {reason}', {reason: failure.message});
        input.focus();
      }
    });
    clear(main, h('div', {class: 'signin'}, form));
    input.focus();
  });
}
