/**
 * SHA-256 of some bytes as 64 lowercase hex digits. It uses Web Crypto, so it
 * runs unchanged in workerd, browsers and Node 20.
 *
 * @example
 * ```ts
 * await sha256Hex(new TextEncoder().encode('abc'));
 * // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 * ```
 */
export async function sha256Hex(data: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', toDigestInput(data));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

// Web Crypto's typings refuse views that may sit on a SharedArrayBuffer; copy only in that case.
function toDigestInput(data: ArrayBuffer | Uint8Array): ArrayBuffer | Uint8Array<ArrayBuffer> {
  if (data instanceof ArrayBuffer) return data;
  return data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
}
