/**
 * Gateway `format` (from the registry) → decoder. Only the native format exists today; vendor decoders
 * (Zebra, Impinj, Minew, MOKO, ESPresense, OpenMQTTGateway, Ruuvi) arrive with issue #4 as one file each here.
 */
import type { GatewayFormat } from '@rtls/protocol';
import type { Decoder } from './decoder.ts';
import { decodeNative } from './native.ts';

const DECODERS: Partial<Record<GatewayFormat, Decoder>> = {
  native: decodeNative,
};

/** The decoder for a format, or undefined when none is implemented yet (the pipeline counts that as 'schema'). */
export function decoderFor(format: GatewayFormat): Decoder | undefined {
  return DECODERS[format];
}

export type { DecodeContext, DecodeResult, Decoder, RejectedRead } from './decoder.ts';
export { decodeNative } from './native.ts';
