/**
 * The contract every payload decoder fulfils (one per gateway `format`, DESIGN.md §3). Decoders are pure: bytes in,
 * a native batch (units normalised) or a counted reason out. They never throw.
 */
import type { DropReason, Read, ReadBatch } from '@rtls/protocol';

export interface DecodeContext {
  /** Gateway id taken from the topic (the broker's ACL guarantees the publisher owns it). */
  topicGatewayId: string;
  receivedAt: number;
}

/** A single read rejected while the rest of its batch was kept (one bad read must not cost 999 good ones). */
export interface RejectedRead {
  index: number;
  reason: DropReason;
  errors: string[];
}

export type DecodeResult =
  | { ok: true; batch: ReadBatch; rejected: RejectedRead[] }
  | { ok: false; reason: DropReason; errors: string[] };

export type Decoder = (payload: Uint8Array, ctx: DecodeContext) => DecodeResult;

export type { Read, ReadBatch };
