// Building DOM nodes without HTML strings: every piece of text, the customer's above all, is set as text.

/** h('p', {class: 'x', onclick: f, 'aria-label': 'y'}, 'text', child, [more]) */
export function h(tag, props = {}, ...children) {
  const el = tag === 'svg' || tag === 'path' || tag === 'use'
    ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.setAttribute('class', value);
    else if (name === 'text') el.textContent = String(value);
    else if (name === 'value') el.value = String(value); // a textarea's text, an input's current value
    else if (name in el && typeof value !== 'string') el[name] = value; // disabled, checked, value...
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let ids = 0;
export const uid = (prefix = 'id') => `${prefix}-${++ids}`;

/** A labelled control: the label's `for` names the input, so screen readers and clicks both find it. */
export function field(label, input, hint) {
  input.id = input.id || uid('f');
  const hintEl = hint ? h('p', {class: 'hint', id: uid('h')}, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', {class: 'field'}, h('label', {for: input.id}, label), input, hintEl);
}

const TIME = new Intl.RelativeTimeFormat(undefined, {numeric: 'auto', style: 'short'});

/** "5 min ago", "yesterday": the list's relative time (the exact time is in the <time> element's title). */
export function relativeTime(iso, now = Date.now()) {
  if (!iso) return '';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return TIME.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return TIME.format(Math.round(seconds / 3600), 'hour');
  return TIME.format(Math.round(seconds / 86400), 'day');
}

const SHORT = new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'short'});
const CLOCK = new Intl.DateTimeFormat(undefined, {timeStyle: 'short'});

/** A date as people read it: "just now" (relative), or "Nov 25, 2026, 10:38 AM" / "10:38 AM" today. */
export function shortDate(iso) {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? CLOCK.format(date) : SHORT.format(date);
}

const DAY = new Intl.DateTimeFormat(undefined, {weekday: 'short', year: 'numeric', month: 'short', day: 'numeric'});

/** A calendar date with its day, whenever it was ("Mon, Dec 7, 2026"): member since, orders, lists. */
export const dayDate = (iso) => DAY.format(new Date(iso));

/** <time>: relative ("5 min ago"), 'date' (dayDate) or false (shortDate); the exact time is its title. */
export function timeEl(iso, relative = true) {
  if (!iso) return null;
  const date = new Date(iso);
  const text = relative === 'date' ? dayDate(iso) : relative ? relativeTime(iso) : shortDate(iso);
  return h('time', {datetime: iso, title: date.toLocaleString()}, text);
}

/** A short-lived announcement in the page's live region ("Sent", "Saved"). */
export function announce(text, kind = 'ok') {
  const region = document.getElementById('toast');
  if (!region) return;
  clear(region, h('p', {class: `toast ${kind}`}, text));
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => region.replaceChildren(), 6000);
}
