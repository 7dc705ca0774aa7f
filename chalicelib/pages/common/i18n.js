// The pages' words and formats: one small same-origin catalog per language (strings-<lang>.json in each app's
// folder), chosen from the browser's languages or the switch on the page (remembered in localStorage).
// Dates and times are shown in the store's time zone, numbers and money in the reader's locale (Intl).

// Each language's name is written in that language: a reader finds their own whatever the page shows.
export const LANGUAGES = {'zh-Hant': '繁體中文', en: 'English'};
const STORAGE = 'memberlink.language';
const PLURALS = {};

let language = 'en';
let catalog = {};
let timeZone; // undefined: the browser's own, until the app learns the store's

/** zh-TW, zh-HK, zh-MO, zh-Hant-* -> zh-Hant; en-* -> en; Simplified Chinese and others: the next preference. */
export function pickLanguage(preferences) {
  for (const tag of preferences || []) {
    const lower = String(tag).toLowerCase();
    if (lower === 'zh' || lower.startsWith('zh-hant') || ['zh-tw', 'zh-hk', 'zh-mo'].includes(lower)) return 'zh-Hant';
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
  }
  return 'en';
}

function storedLanguage() {
  try {
    const stored = localStorage.getItem(STORAGE);
    return stored in LANGUAGES ? stored : null;
  } catch { return null; } // storage refused (privacy mode): the browser's preference then
}

/** Load the catalog of the chosen language and translate the page's static markup; the apps await it first. */
export async function loadLanguage() {
  language = storedLanguage() || pickLanguage(navigator.languages && navigator.languages.length
    ? navigator.languages : [navigator.language]);
  try {
    const response = await fetch(new URL(`strings-${language.toLowerCase()}.json`, location.href),
      {credentials: 'omit', redirect: 'error'});
    catalog = response.ok ? await response.json() : {};
  } catch { catalog = {}; }
  document.documentElement.lang = language;
  translateMarkup(document);
  return language;
}

export const currentLanguage = () => language;

/** Remember the reader's choice and show the page again in it (the key in sessionStorage survives a reload). */
export function setLanguage(next) {
  if (!(next in LANGUAGES) || next === language) return;
  try { localStorage.setItem(STORAGE, next); } catch { /* not remembered, still switched below */ }
  location.reload();
}

/** The static markup's words: data-i18n (text) and data-i18n-aria-label / -title / -placeholder (attributes). */
export function translateMarkup(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const name of ['aria-label', 'title', 'placeholder']) {
    for (const el of root.querySelectorAll(`[data-i18n-${name}]`)) el.setAttribute(name, t(el.getAttribute(`data-i18n-${name}`)));
  }
}

function fill(text, values) {
  return values ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole)) : text;
}

function entry(key, values) {
  const found = catalog[key];
  if (found && typeof found === 'object') { // plural forms: {"one": "...", "other": "..."}
    PLURALS[language] = PLURALS[language] || new Intl.PluralRules(language);
    const count = Number(values && values.count);
    return found[PLURALS[language].select(count)] || found.other || key;
  }
  return typeof found === 'string' && found ? found : key; // the English source when a word is missing
}

/** t('Sent to {phone}.', {phone}) -> the catalog's words with the values filled in (as text, never markup). */
export function t(key, values) {
  return fill(entry(key, values), values);
}

/** Like t(), but a value may be a DOM node (a <time>, a link): an array of text and nodes for h()'s children. */
export function tNodes(key, values) {
  const parts = entry(key, values).split(/\{(\w+)\}/);
  return parts.map((part, index) => {
    if (index % 2 === 0) return part || null;
    const value = values[part];
    return value instanceof Node ? value : String(value ?? `{${part}}`);
  });
}

// --- formats ------------------------------------------------------------------------------------------

/** The store's IANA zone (from its settings): every date and time on the page is said in it. */
export function setTimeZone(zone) {
  try { new Intl.DateTimeFormat('en', {timeZone: zone}); timeZone = zone; } catch { timeZone = undefined; }
  formats.clear();
}

const formats = new Map();
function format(kind, options) {
  const id = `${kind}|${language}|${timeZone}|${JSON.stringify(options)}`;
  if (!formats.has(id)) {
    const zoned = kind === 'date' ? {timeZone, ...options} : options;
    formats.set(id, kind === 'date' ? new Intl.DateTimeFormat(language, zoned)
      : kind === 'relative' ? new Intl.RelativeTimeFormat(language, options) : new Intl.NumberFormat(language, options));
  }
  return formats.get(id);
}

/** A moment in the store's zone: "2026年12月7日 上午10:38" / "Dec 7, 2026, 10:38 AM". */
export const formatDateTime = (date, options = {dateStyle: 'medium', timeStyle: 'short'}) => format('date', options).format(date);
export const formatDay = (date) => format('date', {dateStyle: 'medium'}).format(date);
export const formatClock = (date) => format('date', {timeStyle: 'short'}).format(date);
/** The store's calendar day (YYYY-MM-DD) of a moment: "today" for reports is the store's today. */
export function storeDay(date = new Date()) {
  const parts = Object.fromEntries(format('date', {year: 'numeric', month: '2-digit', day: '2-digit'})
    .formatToParts(date).map((part) => [part.type, part.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}
export const formatRelative = (value, unit) => format('relative', {numeric: 'auto', style: 'short'}).format(value, unit);
export const formatNumber = (value, options = {}) => format('number', options).format(value);
/** 1234.5 TWD -> "$1,234.50" (zh-Hant) / "NT$1,234.50" (en); an unknown currency code is shown as it came. */
export function formatMoney(amount, currency) {
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${amount} ${currency || ''}`.trim();
  try { return format('number', {style: 'currency', currency}).format(value); } catch { return `${formatNumber(value)} ${currency || ''}`.trim(); }
}

// --- the switch ---------------------------------------------------------------------------------------

let switches = 0;
/** A labelled <select> of the languages; choosing one reloads the page in it. */
export function languageSwitch(className = 'language-switch') {
  const id = `language-${++switches}`;
  const select = document.createElement('select');
  select.id = id;
  for (const [value, name] of Object.entries(LANGUAGES)) {
    const option = document.createElement('option');
    option.value = value;
    option.lang = value;
    option.textContent = name;
    option.selected = value === language;
    select.append(option);
  }
  select.addEventListener('change', () => setLanguage(select.value));
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = t('Language');
  const wrapper = document.createElement('div');
  wrapper.className = className;
  wrapper.append(label, select);
  return wrapper;
}
