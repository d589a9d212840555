// The Direct API (/v1) with the key from sessionStorage: the key travels only in the
// Authorization header, never in a URL.

const KEY_NAME = 'atlas.apiKey';

export const session = {
  get key() { return sessionStorage.getItem(KEY_NAME) || ''; },
  set key(value) {
    if (value) sessionStorage.setItem(KEY_NAME, value);
    else sessionStorage.removeItem(KEY_NAME);
  },
};

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function authHeaders(key = session.key) {
  return { Authorization: `Bearer ${key}` };
}

// A request to the API; the parsed JSON answer, or an ApiError with the server's code.
export async function api(path, { method = 'GET', body, headers = {}, key, signal } = {}) {
  const init = { method, headers: { ...authHeaders(key), ...headers }, signal };
  if (body !== undefined) {
    if (body instanceof Blob || body instanceof ArrayBuffer) init.body = body;
    else {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    const error = json && json.error ? json.error : { code: 'http_' + response.status, message: text };
    throw new ApiError(response.status, error.code, error.message);
  }
  return json;
}

// An artifact's bytes as a Blob (fetched with the key, since a plain link cannot send it).
export async function fetchBlob(path) {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) throw new ApiError(response.status, 'download', `download failed (${response.status})`);
  return response.blob();
}

// The curl command that does what the app did, with the key as a variable, not its value.
export function curlCommand(method, path, { json, file } = {}) {
  const url = new URL(path, location.origin).href;
  const parts = ['curl'];
  if (method !== 'GET' && !(method === 'POST' && (json || file))) parts.push('-X', method);
  parts.push('-H', '"Authorization: Bearer $ATLAS_KEY"');
  if (json) parts.push('-H', "'Content-Type: application/json'", '-d', `'${JSON.stringify(json).replace(/'/g, "'\\''")}'`);
  if (file) parts.push('--data-binary', `@${shellWord(file)}`);
  parts.push(`'${url}'`);
  return parts.join(' ');
}

function shellWord(text) {
  return /^[\w.\-/]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
