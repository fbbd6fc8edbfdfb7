/**
 * Bytes → JSON, shared by every JSON-speaking decoder. Size is checked before any decoding so an oversized
 * message costs nothing (LIMITS.maxPacketBytes mirrors the broker's own limit; a message from an external broker
 * may not have been checked).
 */
import { LIMITS } from '@rtls/protocol';
import type { DropReason } from '@rtls/protocol';

export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: DropReason; errors: string[] };

// fatal: invalid UTF-8 is an error rather than silently becoming U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseJsonPayload(payload: Uint8Array, maxBytes: number = LIMITS.maxPacketBytes): JsonResult {
  if (payload.byteLength > maxBytes) {
    return { ok: false, reason: 'payload-too-large', errors: [`payload is ${payload.byteLength} bytes, limit ${maxBytes}`] };
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { ok: false, reason: 'not-json', errors: ['payload is not valid UTF-8'] };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: 'not-json', errors: [`payload is not JSON: ${(err as Error).message}`] };
  }
}
