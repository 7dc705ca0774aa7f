// The API, called with relative URLs from the page's own origin; the key lives in sessionStorage only.
import {t} from './i18n.js';

// The refusals a person meets at the counter or in the console, in their words; any other says the server's.
const ERRORS = {
  rate_limited: () => t('Too many attempts for now: wait a little and try again.'),
  sms_failed: () => t('The text message could not be sent: try again.'),
  invalid_phone: () => t('This is not a mobile number we can text: check the digits.'),
  forbidden: () => t('Your key may not do this.'),
  storefront_url_not_set: () => t('Set the storefront URL in Settings first: links point to it.'),
  storefront_url_missing: () => t('Set the storefront URL in Settings first: links point to it.'),
  line_not_connected: () => t('The store has not connected LINE yet (Settings, Channels).'),
  member_has_no_phone: () => t('This member has no mobile number to text.'),
  already_bound: () => t('This customer is already bound to a member.'),
};
export const errorText = (code, fallback) => (ERRORS[code] ? ERRORS[code]() : fallback);

// One key per app: the console's admin key and the staff app's key never stand in for each other.
const STORAGE = `memberlink.key.${location.pathname.split('/').filter(Boolean).pop() || 'app'}`;
// Pages are served at <api>/console/ and <api>/staff-app/: the API is one level up (keeps any /api stage).
export const API_BASE = new URL('../', location.href);

export const key = {
  get: () => sessionStorage.getItem(STORAGE),
  set: (value) => sessionStorage.setItem(STORAGE, value.trim()),
  forget: () => sessionStorage.removeItem(STORAGE),
};

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(errorText(error.code, error.message) || t('The server answered {status}.', {status}));
    this.status = status;
    this.code = error.code || 'http_' + status;
    this.field = error.field;
  }
}

/**
 * call('GET', 'admin/settings') -> parsed JSON. With {etag}, a 304 answers {notModified: true}.
 * A 401 fires 'memberlink:signed-out' so the app can ask for the key again.
 */
export async function call(method, path, {body, raw, contentType, etag} = {}) {
  const headers = {};
  const current = key.get();
  if (current) headers.Authorization = `Bearer ${current}`;
  if (etag) headers['If-None-Match'] = etag;
  let payload;
  if (raw !== undefined) { payload = raw; headers['Content-Type'] = contentType || 'text/plain'; }
  else if (body !== undefined) { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
  const response = await fetch(new URL(path, API_BASE), {method, headers, body: payload, cache: 'no-store',
    credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer'});
  if (response.status === 304) return {notModified: true, etag};
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new CustomEvent('memberlink:signed-out'));
    throw new ApiError(response.status, data);
  }
  return {data, etag: response.headers.get('ETag')};
}

export const get = async (path) => (await call('GET', path)).data;
export const post = async (path, body) => (await call('POST', path, {body})).data;
export const put = async (path, body) => (await call('PUT', path, {body})).data;
export const del = async (path) => (await call('DELETE', path)).data;

/**
 * Ask `path` every `seconds` with If-None-Match; `onChange(data)` runs only when the answer changed.
 * Pauses while the tab is hidden. Returns stop().
 */
export function poll(path, onChange, seconds = 3, onError = () => {}) {
  let etag = null;
  let timer = null;
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) {
      try {
        const answer = await call('GET', path, {etag});
        if (!stopped && !answer.notModified) { etag = answer.etag; onChange(answer.data); }
      } catch (error) { if (!stopped) onError(error); }
    }
    if (!stopped) timer = setTimeout(tick, seconds * 1000);
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}

/** An SVG document from our own server (segno's output) as a node: parsed as XML, never as HTML. */
export function svgNode(markup, label) {
  const doc = new DOMParser().parseFromString(markup, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.localName !== 'svg' || root.namespaceURI !== 'http://www.w3.org/2000/svg') return null;
  for (const el of root.querySelectorAll('*')) {
    if (!['title', 'path', 'rect', 'g'].includes(el.localName)) el.remove();
  }
  const node = document.importNode(root, true);
  node.setAttribute('role', 'img');
  node.setAttribute('aria-label', label);
  return node;
}
