// The audit trail (owners): who did what to which thing, newest first, one page at a time.
import {get} from './api.js';
import {clear, h, timeEl} from './dom.js';

export function show(main) {
  const rows = h('tbody');
  const status = h('p', {class: 'muted', role: 'status'});
  const more = h('button', {type: 'button', class: 'secondary', hidden: true}, 'Older events');
  let cursor = null;

  async function load(append) {
    try {
      const page = await get(`admin/audit-events?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      const items = page.items.map((event) => h('tr', {'data-action': event.action},
        h('td', {}, timeEl(event.at, false)),
        h('td', {class: 'actor'}, event.actor.name || event.actor.id || event.actor.kind,
          event.actor.kind === 'key' ? h('span', {class: 'muted small'}, ' (key)') : null),
        h('td', {}, event.action),
        h('td', {class: 'muted small'}, event.target ? `${event.target.kind} ${event.target.id || ''}` : '')));
      if (append) rows.append(...items); else clear(rows, items);
      cursor = page.next_cursor;
      more.hidden = !cursor;
      status.textContent = rows.children.length ? '' : 'Nothing has happened yet.';
    } catch (failure) { status.textContent = `Could not load the audit trail: ${failure.message}`; }
  }
  more.addEventListener('click', () => load(true));
  main.append(h('div', {class: 'page'}, h('h1', {}, 'Audit'),
    h('section', {class: 'card', 'aria-labelledby': 'audit-title'}, h('h2', {id: 'audit-title'}, 'Who did what'),
      status, h('table', {class: 'table audit'}, h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Who'),
        h('th', {}, 'What'), h('th', {}, 'On'))), rows), more)));
  load(false);
}
