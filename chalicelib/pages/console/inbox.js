// The Message Center: conversation list | conversation | customer profile, kept fresh by conditional polls.
import {ApiError, poll, post, put} from './api.js';
import {canReply, channelIcon, channelLabel, channels, isSocial, whoOf} from './channels.js';
import {announce, clear, field, h, timeEl, uid} from './dom.js';
import {MAX_BYTES, MAX_IMAGES, TYPES, forgetImages, imageUrl, refusal, sizeText, upload} from './images.js';
import {t, tNodes} from './i18n.js';
import {isPerson} from './me.js';
import {profilePanel} from './profile.js';

// The channel chips come from the registry (brand names, the same in every language).
const filters = () => [['all', t('All')], ['unread', t('Unread')], ['mine', t('Mine')], ['unassigned', t('Unassigned')],
  ...channels().map((entry) => [entry.channel, entry.label]), ['shop', t('Shop')], ['order', t('Order')]];
const EMOJI = ['😀', '😊', '🙏', '👍', '🎉', '❤️', '😉', '🙌', '✨', '📦', '🚚', '🛍️', '💳', '🎁', '☕', '🍵'];

let state = null;

export function show(main, [conversationId]) {
  const list = h('ul', {class: 'conv-list', 'aria-label': t('Conversations')});
  const listStatus = h('p', {class: 'muted list-status', role: 'status'});
  const filterBar = h('div', {class: 'filters', role: 'group', 'aria-label': t('Show')});
  const search = h('input', {type: 'search', placeholder: t('E-mail or order id'), autocomplete: 'off'});
  const searchForm = h('form', {class: 'conv-search', role: 'search'},
    h('label', {for: 'conv-search', class: 'sr-only'}, t('Search by e-mail or order id')), search);
  search.id = 'conv-search';
  const thread = h('section', {class: 'pane thread', 'aria-label': t('Conversation')});
  const profile = h('aside', {class: 'pane profile', 'aria-label': t('Customer profile')});
  const layout = h('div', {class: 'inbox'},
    h('section', {class: 'pane conversations', 'aria-labelledby': 'inbox-title'},
      h('div', {class: 'pane-head'}, h('h1', {id: 'inbox-title'}, t('Message Center')), searchForm, filterBar),
      listStatus, list),
    thread, profile);
  main.append(layout);
  state = {list, listStatus, filterBar, search, thread, profile, filter: 'all', query: '', items: [], total: 0,
    selected: null, stopList: () => {}, stopThread: () => {}};

  for (const [value, label] of filters()) {
    if (value === 'mine' && !isPerson()) continue; // the admin key is nobody's: nothing is assigned to it
    filterBar.append(h('button', {type: 'button', class: 'chip', 'aria-pressed': String(value === 'all'),
      'data-filter': value, onclick: () => setFilter(value)}, label));
  }
  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    state.query = search.value.trim();
    startListPoll();
  });
  startListPoll();
  update([conversationId]);
  return () => { state.stopList(); state.stopThread(); state = null; };
}

export function update([conversationId]) {
  if (!state) return;
  if (conversationId) openConversation(conversationId);
  else {
    state.stopThread();
    state.selected = null;
    clear(state.thread, h('div', {class: 'empty'}, h('p', {}, t('Choose a conversation to read and reply.'))));
    clear(state.profile, h('div', {class: 'empty'}, h('p', {class: 'muted'}, t('The customer\'s profile appears here.'))));
    renderList();
  }
}

function setFilter(value) {
  state.filter = value;
  for (const button of state.filterBar.children) button.setAttribute('aria-pressed', String(button.dataset.filter === value));
  startListPoll();
}

function listPath() {
  const params = new URLSearchParams({limit: '100'});
  if (state.filter === 'unread') params.set('unread_only', 'true');
  else if (state.filter === 'mine' || state.filter === 'unassigned') params.set('assigned', state.filter);
  else if (state.filter !== 'all') params.set('channel', state.filter);
  if (state.query) params.set(state.query.includes('@') ? 'email' : 'order_id', state.query);
  return `admin/conversations?${params}`;
}

function startListPoll() {
  state.stopList();
  state.listStatus.textContent = t('Loading…');
  state.stopList = poll(listPath(), (page) => {
    state.items = page.items;
    state.listStatus.textContent = page.items.length ? '' : t('No conversations here yet.');
    // The open conversation is being read: its messages no longer count, whatever this answer says.
    const open = page.items.find((c) => c.conversation_id === state.selected);
    setTotalUnread(Math.max(0, page.total_unread - (open ? open.unread_count : 0)));
    renderList();
  }, 3, (error) => {
    state.listStatus.textContent = error instanceof ApiError && error.status === 400
      ? t('This filter is not available on this server: {reason}', {reason: error.message})
      : t('Could not load conversations: {reason}', {reason: error.message});
  });
}

function setTotalUnread(total) {
  state.total = total;
  const badge = document.getElementById('total-unread');
  if (!badge) return;
  badge.hidden = !total;
  badge.textContent = total ? String(total) : '';
  badge.setAttribute('aria-label', t('{count} unread', {count: total}));
}

function preview(conversation) {
  const last = conversation.last_message;
  if (!last) return '';
  const text = last.text || t('[attachment]');
  return last.direction === 'outbound' ? t('You: {text}', {text}) : last.direction === 'note' ? t('Note: {text}', {text}) : text;
}

function renderList() {
  if (!state) return;
  const items = state.items.map((conversation) => {
    const selected = conversation.conversation_id === state.selected;
    const unread = selected ? 0 : conversation.unread_count;
    const link = h('a', {href: `#/inbox/${conversation.conversation_id}`, class: `conv${unread ? ' has-unread' : ''}`,
      'aria-current': selected ? 'true' : null, 'data-conversation': conversation.conversation_id},
    channelIcon(conversation.channel),
    h('span', {class: 'conv-main'},
      h('span', {class: 'conv-top'}, h('span', {class: 'conv-name'}, whoOf(conversation)),
        timeEl(conversation.last_message ? conversation.last_message.at : conversation.last_message_at)),
      h('span', {class: 'conv-preview'}, preview(conversation)),
      conversation.order ? h('span', {class: 'conv-order'}, t('Order {id}', {id: conversation.order.order_id})) : null),
    unread ? h('span', {class: 'badge unread', 'aria-label': t('{count} unread', {count: unread})}, String(unread)) : null);
    return h('li', {}, link);
  });
  clear(state.list, items);
}

// --- one conversation ----------------------------------------------------------------------------

async function openConversation(id) {
  state.stopThread();
  state.selected = id;
  renderList();
  const view = {id, conversation: null, messagesEl: h('div', {class: 'messages', role: 'log', 'aria-label': t('Messages')}),
    headEl: h('div', {class: 'thread-head'}), composerEl: h('div', {class: 'composer'}), memberId: undefined,
    lastMessages: null, profileApi: null};
  clear(state.thread, view.headEl, view.messagesEl, view.composerEl);
  clear(state.profile, h('p', {class: 'muted'}, t('Loading…')));
  const stops = [];
  state.stopThread = () => {
    stops.forEach((stop) => stop());
    if (view.profileApi) view.profileApi.stop();
    forgetImages();
  };
  stops.push(poll(`admin/conversations/${id}`, (conversation) => onConversation(view, conversation), 3,
    (error) => { if (error.status === 404) clear(state.thread, h('p', {class: 'notice bad'}, t('This conversation does not exist.'))); }));
  stops.push(poll(`admin/conversations/${id}/messages?limit=200`, (page) => renderMessages(view, page.items), 3));
}

async function onConversation(view, conversation) {
  if (!state || state.selected !== view.id) return;
  const first = view.conversation === null;
  view.conversation = conversation;
  if (conversation.unread_count > 0) {
    // Opening (or watching) the conversation reads it: the badge goes at once, the server count too.
    const item = state.items.find((c) => c.conversation_id === view.id);
    if (item) item.unread_count = 0;
    setTotalUnread(Math.max(0, state.total - conversation.unread_count));
    renderList();
    post(`admin/conversations/${view.id}/read`).catch(() => {});
  }
  renderHead(view);
  if (first) renderComposer(view);
  else updateComposer(view);
  const memberId = conversation.member_id || (conversation.customer && conversation.customer.member_id) || null;
  if (memberId !== view.memberId) {
    const wasVisitor = view.memberId === null;
    view.memberId = memberId;
    if (view.profileApi) view.profileApi.stop();
    view.profileApi = profilePanel(state.profile, {conversation, memberId});
    if (wasVisitor && memberId) announce(t('Member profile bound successfully'));
  } else if (view.profileApi) {
    view.profileApi.conversationChanged(conversation);
  }
}

function renderHead(view) {
  const c = view.conversation;
  let windowState;
  if (!isSocial(c)) {
    windowState = h('p', {class: 'window-state info'}, t('Replies are e-mailed to the customer from the shop e-mail.'));
  } else if (canReply(c)) {
    windowState = h('p', {class: 'window-state ok'}, tNodes('Reply window open until {time}', {time: timeEl(c.reply_window_ends_at, false)}));
  } else {
    windowState = h('p', {class: 'window-state closed', id: 'window-closed'},
      t('Reply window closed: the customer\'s last message is more than 24 hours old, so the channel accepts no free-form reply until they write again.'));
  }
  const title = h('div', {class: 'thread-title'}, channelIcon(c.channel),
    h('div', {}, h('h2', {}, whoOf(c)), h('p', {class: 'muted small'}, channelLabel(c.channel),
      c.social_user ? ` · ${c.social_user.key}` : '', c.order ? ` · ${t('Order {id}', {id: c.order.order_id})}` : '')),
    c.blacklisted ? h('span', {class: 'badge bad'}, t('Blacklisted')) : null);
  clear(view.headEl, title, assigneeEl(view), windowState);
}

// Who answers this conversation; a person may take it ("Assign to me") or hand it back.
function assigneeEl(view) {
  const assignee = view.conversation.assignee;
  const set = async (userId) => {
    try {
      view.conversation = await put(`admin/conversations/${view.id}/assignee`, {user_id: userId});
      renderHead(view);
      announce(userId ? t('Assigned to you') : t('Unassigned'));
    } catch (error) { announce(error.message, 'bad'); }
  };
  return h('p', {class: 'assignee small'}, assignee ? t('Assigned to {name}', {name: assignee.name || assignee.user_id}) : t('Unassigned'),
    ' ', isPerson() && !assignee ? h('button', {type: 'button', class: 'link', onclick: () => set('me')}, t('Assign to me')) : null,
    assignee ? h('button', {type: 'button', class: 'link', onclick: () => set(null)}, t('Unassign')) : null);
}

// What a platform calls an attachment, in the reader's words.
const ATTACHMENT_TYPES = {image: () => t('image'), video: () => t('video'), audio: () => t('audio'), file: () => t('file'),
  sticker: () => t('sticker'), location: () => t('location'), attachment: () => t('attachment')};

// A link the console will put on the page: https: (or this console's own origin) only. Attachment URLs come
// from channels and customers; a javascript:, data: or http: URL is shown as text, never as a link.
function safeUrl(url) {
  if (typeof url !== 'string' || !url) return null;
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === 'https:' || parsed.origin === location.origin ? parsed.href : null;
  } catch { return null; }
}

// SES's verdicts on an e-mailed message's sender: what the merchant should weigh before acting on it.
function verdictEl(message) {
  const verdict = message.sender_verdict;
  if (!verdict) return null;
  const doubtful = verdict.spf === 'fail' || verdict.dkim === 'fail' || verdict.dmarc === 'fail';
  const parts = ['spf', 'dkim', 'dmarc'].map((m) => `${m.toUpperCase()} ${verdict[m] || 'none'}`);
  return h('p', {class: `msg-verdict${doubtful ? ' error-text' : ''}`, 'data-verdict': doubtful ? 'doubtful' : 'ok'},
    t('Sender check: {parts}', {parts: parts.join(' · ')}));
}

function attachmentEl(attachment, message) {
  const url = safeUrl(attachment.url);
  const type = attachment.type || 'attachment';
  if (type === 'image' && attachment.image_id) return storedImageEl(attachment, message);
  if (url && type === 'image') {
    try {
      // Same-origin images only: the pages never load anything from another origin (CSP default-src 'self').
      if (new URL(url, location.href).origin === location.origin) return h('img', {src: url, alt: t('Image from the customer'), class: 'msg-image'});
    } catch { /* not a URL */ }
  }
  const what = ATTACHMENT_TYPES[type] ? ATTACHMENT_TYPES[type]() : type;
  if (url) return h('a', {href: url, target: '_blank', rel: 'noopener noreferrer', class: 'attachment'}, t('Open {what}', {what}));
  return h('span', {class: 'attachment'}, `[${what}]`);
}

// An uploaded image (shop and order messages): fetched through the API with the key, shown from a blob: URL.
function storedImageEl(attachment, message) {
  const alt = message.direction === 'inbound' ? t('Image from the customer') : t('Image you sent');
  const size = Number(attachment.size) || 0;
  if (size > MAX_BYTES && safeUrl(attachment.url)) {
    // Too large to pass through the API: a link the merchant may open in a new tab (a navigation, not a load).
    return h('a', {href: safeUrl(attachment.url), target: '_blank', rel: 'noopener noreferrer', class: 'attachment'},
      t('Open image ({size}) in a new tab', {size: sizeText(size)}));
  }
  const img = h('img', {alt, class: 'msg-image', 'data-image-id': attachment.image_id});
  const holder = h('span', {class: 'msg-image-holder'}, img);
  imageUrl(attachment.image_id, attachment.content_type).then((src) => { img.src = src; }, (error) => {
    clear(holder, h('span', {class: 'attachment error-text'}, t('{what} could not be shown: {reason}', {what: alt, reason: error.message})));
  });
  return holder;
}

// An e-mailed reply shows the customer's words; the whole e-mail (quoted history included) is one click
// away. Which ones are open survives the thread's polling re-render.
function quotedTextEl(view, m) {
  if (!m.full_text) return null;
  view.expanded = view.expanded || new Set();
  const open = view.expanded.has(m.message_id);
  const full = h('pre', {class: 'msg-full', id: `full-${m.message_id}`, hidden: !open,
    'aria-label': t('The whole e-mail as received')}, m.full_text);
  const toggle = h('button', {type: 'button', class: 'msg-toggle', 'aria-expanded': String(open),
    'aria-controls': full.id}, open ? t('Hide quoted text') : t('Show quoted text'));
  toggle.addEventListener('click', () => {
    const nowOpen = !view.expanded.has(m.message_id);
    if (nowOpen) view.expanded.add(m.message_id); else view.expanded.delete(m.message_id);
    full.hidden = !nowOpen;
    toggle.setAttribute('aria-expanded', String(nowOpen));
    toggle.textContent = nowOpen ? t('Hide quoted text') : t('Show quoted text');
  });
  return [toggle, full];
}

function renderMessages(view, messages) {
  if (!state || state.selected !== view.id) return;
  const atBottom = view.messagesEl.scrollHeight - view.messagesEl.scrollTop - view.messagesEl.clientHeight < 40;
  const nodes = messages.map((m) => {
    const images = (m.images || []).map((url) => attachmentEl({type: 'image', url}));
    const label = m.direction === 'note' ? t('Note · only you see this') : m.kind === 'auto_reply' ? t('Auto-reply') : null;
    return h('article', {class: `msg ${m.direction}`},
      label ? h('p', {class: 'msg-label'}, label) : null,
      m.claimed_name ? h('p', {class: 'msg-label'}, t('Signed as “{name}” (a guest\'s own words)', {name: m.claimed_name})) : null,
      m.text ? h('p', {class: 'msg-text'}, m.text) : null,
      quotedTextEl(view, m),
      (m.attachments || []).map((attachment) => attachmentEl(attachment, m)), images,
      verdictEl(m), h('p', {class: 'msg-meta'}, senderOf(m), timeEl(m.at, false)));
  });
  clear(view.messagesEl, nodes.length ? nodes : h('p', {class: 'muted'}, t('No messages yet.')));
  if (atBottom || view.lastMessages === null) view.messagesEl.scrollTop = view.messagesEl.scrollHeight;
  view.lastMessages = messages;
}

// "Mei · " before the time of a reply or note: who sent it (a person, the admin key, an auto-reply).
function senderOf(message) {
  const by = message.sent_by;
  if (!by || message.direction === 'inbound') return null;
  const name = by.kind === 'user' ? by.name : by.kind === 'key' ? t('Admin key') : by.kind === 'auto_reply' ? t('Auto-reply')
    : by.kind === 'channel' ? t('Sent from the channel') : null;
  return name ? h('span', {class: 'msg-sender'}, t('{name} · ', {name})) : null;
}

function renderComposer(view) {
  const text = h('textarea', {rows: 3, maxlength: 2000, placeholder: t('Write a reply… (Ctrl+Enter sends)')});
  const send = h('button', {type: 'submit'}, t('Send'));
  const emojiPanel = h('div', {class: 'emoji-panel', role: 'group', 'aria-label': t('Emoji'), hidden: true},
    EMOJI.map((emoji) => h('button', {type: 'button', class: 'emoji', 'aria-label': t('Insert {emoji}', {emoji}),
      onclick: () => { insertAtCursor(text, emoji); text.focus(); }}, emoji)));
  const emojiToggle = h('button', {type: 'button', class: 'secondary', 'aria-expanded': 'false',
    onclick: () => {
      emojiPanel.hidden = !emojiPanel.hidden;
      emojiToggle.setAttribute('aria-expanded', String(!emojiPanel.hidden));
    }}, h('span', {'aria-hidden': 'true'}, '😊'), t('Emoji'));
  const error = h('p', {class: 'error-text', role: 'alert'});
  const note = h('input', {type: 'checkbox', id: 'note-mode', onchange: () => updateComposer(view)});
  const noteLabel = h('label', {for: 'note-mode', class: 'note-toggle'}, note, ' ', t('Note (only you see it)'));
  // Images go with e-mailed replies (shop and order conversations); social channels stay text-only here.
  const attach = isSocial(view.conversation) ? null : imagePicker(error);
  const form = h('form', {class: 'composer-form'}, field(t('Reply'), text), emojiPanel, attach ? attach.el : null, error,
    h('div', {class: 'row composer-actions'}, emojiToggle, noteLabel, h('span', {class: 'spacer'}), send));
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const withImages = attach && !note.checked && attach.items.length > 0;
    if (!text.value.trim() && !withImages) {
      error.textContent = attach && !note.checked ? t('Write something or attach an image first.') : t('Write something first.');
      return;
    }
    send.disabled = true;
    try {
      // A note stays with the merchant (never sent, any time); a reply goes to the customer.
      if (note.checked) await post(`admin/conversations/${view.id}/notes`, {text: text.value});
      else {
        const body = {text: text.value};
        if (withImages) body.image_ids = await attach.uploadAll();
        await post(`admin/conversations/${view.id}/messages`, body);
        if (attach) attach.reset();
      }
      text.value = '';
      announce(note.checked ? t('Note added') : t('Reply sent'));
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      updateComposer(view);
    }
  });
  view.composer = {text, send, emojiToggle, note, attach};
  clear(view.composerEl, form);
  updateComposer(view);
}

function updateComposer(view) {
  if (!view.composer) return;
  const {text, send, emojiToggle, note, attach} = view.composer;
  const closed = !canReply(view.conversation) && !note.checked;
  send.textContent = note.checked ? t('Add note') : t('Send');
  text.disabled = closed;
  send.disabled = closed;
  emojiToggle.disabled = closed;
  if (attach) attach.setDisabled(note.checked); // notes are text only
  if (closed) text.setAttribute('aria-describedby', 'window-closed');
  else text.removeAttribute('aria-describedby');
}

function insertAtCursor(textarea, value) {
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? start;
  textarea.setRangeText(value, start, end, 'end');
}


// "Attach images": a labelled file input (keyboard: Tab, then Enter or Space), the chosen files listed with a
// Remove button each. Each file is uploaded through the API (same origin) when the reply is sent, once.
function imagePicker(error) {
  const items = []; // {file, imageId}
  const input = h('input', {type: 'file', accept: TYPES.join(','), multiple: true, id: uid('attach')});
  const hint = h('p', {class: 'hint', id: uid('h')},
    t('JPEG, PNG, GIF or WebP, up to 4 MiB each, at most {max} per reply. They are e-mailed with the reply.', {max: MAX_IMAGES}));
  input.setAttribute('aria-describedby', hint.id);
  const list = h('ul', {class: 'chosen-images', 'aria-label': t('Images to send')});
  const status = h('p', {class: 'muted small', role: 'status'});
  const el = h('div', {class: 'field attach'}, h('label', {for: input.id}, t('Attach images')), input, hint, list, status);

  function render() {
    clear(list, items.map((item, index) => h('li', {},
      h('span', {class: 'chosen-name'}, item.file.name), ` (${sizeText(item.file.size)}) `,
      h('button', {type: 'button', class: 'secondary small', 'aria-label': t('Remove {file}', {file: item.file.name}),
        onclick: () => { items.splice(index, 1); render(); input.focus(); }}, t('Remove')))));
    list.hidden = items.length === 0;
  }

  input.addEventListener('change', () => {
    const problems = [];
    for (const file of input.files) {
      const why = refusal(file);
      if (why) problems.push(why);
      else if (items.length >= MAX_IMAGES) problems.push(t('{file} was not added: at most {max} images per reply.', {file: file.name, max: MAX_IMAGES}));
      else items.push({file, imageId: null});
    }
    input.value = ''; // choosing the same file again is a new choice
    error.textContent = problems.join(' ');
    render();
  });
  render();

  return {
    el,
    items,
    async uploadAll() {
      for (const [index, item] of items.entries()) {
        if (item.imageId) continue; // uploaded by an earlier attempt whose reply failed
        status.textContent = t('Uploading image {index} of {count}…', {index: index + 1, count: items.length});
        try {
          item.imageId = await upload(item.file);
        } catch (failure) {
          status.textContent = '';
          throw new Error(t('{file} could not be uploaded: {reason}', {file: item.file.name, reason: failure.message}));
        }
      }
      status.textContent = '';
      return items.map((item) => item.imageId);
    },
    reset() { items.splice(0); render(); },
    setDisabled(disabled) { input.disabled = disabled; },
  };
}
