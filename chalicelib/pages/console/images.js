// Images of shop and order messages, in and out through the API's own origin: the console's CSP lets it load
// nothing from elsewhere (S3's presigned URLs included), and images need the admin key, which <img> cannot send.
import {API_BASE, ApiError, call, key} from './api.js';
import {formatNumber, t} from './i18n.js';

export const TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
export const MAX_IMAGES = 10; // chalicelib/messages/uploads.py MAX_IMAGES_PER_MESSAGE
export const MAX_BYTES = 4 * 1024 * 1024; // uploads.DIRECT_MAX_BYTES: what fits through Lambda (6 MB, base64)

/** "1.2 MB", "850 KB": a file's size as people read it. */
export function sizeText(bytes) {
  return bytes >= 1e6 ? formatNumber(bytes / 1e6, {style: 'unit', unit: 'megabyte', maximumFractionDigits: 1})
    : formatNumber(Math.max(1, Math.round(bytes / 1e3)), {style: 'unit', unit: 'kilobyte'});
}

/** Why this file cannot be attached, or null when it can. */
export function refusal(file) {
  if (!TYPES.includes(file.type)) return t('{file} is not a JPEG, PNG, GIF or WebP image.', {file: file.name});
  if (file.size === 0) return t('{file} is empty.', {file: file.name});
  if (file.size > MAX_BYTES) return t('{file} is {size}; images up to 4 MiB can be sent from the console.', {file: file.name, size: sizeText(file.size)});
  return null;
}

/** One image stored for a reply: its image_id, for the reply's image_ids. */
export async function upload(file) {
  const {data} = await call('POST', 'admin/uploads/direct', {raw: file, contentType: file.type});
  return data.image_id;
}

const loaded = new Map(); // image_id -> Promise of a blob: URL, kept while a conversation is open

/** A blob: URL of a stored image, fetched once with the key (Accept names its type: API Gateway sends bytes then). */
export function imageUrl(imageId, contentType) {
  if (!loaded.has(imageId)) {
    loaded.set(imageId, (async () => {
      const response = await fetch(new URL(`admin/images/${encodeURIComponent(imageId)}`, API_BASE), {
        headers: {Authorization: `Bearer ${key.get()}`, Accept: contentType || '*/*'},
        credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer'});
      if (!response.ok) {
        let body = null;
        try { body = await response.json(); } catch { body = null; }
        throw new ApiError(response.status, body);
      }
      return URL.createObjectURL(await response.blob());
    })());
    loaded.get(imageId).catch(() => loaded.delete(imageId)); // a failure is tried again on the next render
  }
  return loaded.get(imageId);
}

/** Let the browser free every image fetched so far (when the conversation closes). */
export function forgetImages() {
  for (const pending of loaded.values()) pending.then((url) => URL.revokeObjectURL(url), () => {});
  loaded.clear();
}
