/**
 * LLRP messages ⇄ bytes through llrpjs's core definitions (the LTK llrp-1x0-def, every core message and parameter).
 * Messages are handled as llrpjs's JSON form ({ id, type, data }), so everything past this file is plain data.
 */
import llrpjs from 'llrpjs/dist/src/index.js';

const { LLRPCore, LLRPMessage } = llrpjs;

export interface LlrpMessage {
  /** LLRP message name: RO_ACCESS_REPORT, KEEPALIVE, ADD_ROSPEC_RESPONSE… */
  type: string;
  id: number;
  /** Parameters by LTK name; a repeated parameter is one object when it occurs once, an array otherwise. */
  data: Record<string, unknown>;
}

/** A message llrpjs could not encode or decode (unknown type, malformed parameter, missing required field). */
export class LlrpCodecError extends Error {
  override readonly name = 'LlrpCodecError';
}

function messageClass(type: string) {
  const cls = LLRPCore[type];
  if (!cls) throw new LlrpCodecError(`unknown LLRP message type ${type}`);
  return cls;
}

/** Encodes a message; `responseType` is the message the reader answers with (null when none is expected). */
export function encodeLlrp(type: string, data: Record<string, unknown>, id: number): { bytes: Buffer; responseType: string | null } {
  try {
    const m = new (messageClass(type))({ id, data });
    return { bytes: Buffer.from(m.encode().getBuffer()), responseType: m.getResponseName() };
  } catch (err) {
    if (err instanceof LlrpCodecError) throw err;
    throw new LlrpCodecError(`cannot encode ${type}: ${describe(err)}`);
  }
}

/** Decodes one whole message (a frame from LlrpFrameReader). Throws LlrpCodecError. */
export function decodeLlrp(frame: Buffer): LlrpMessage {
  try {
    const j = new LLRPMessage(frame).decode().toLLRPData();
    return { type: j.type, id: j.id, data: j.data ?? {} };
  } catch (err) {
    throw new LlrpCodecError(`cannot decode LLRP message: ${describe(err)}`);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message ? `${err.name}: ${err.message}` : err.name;
  return String(err);
}
