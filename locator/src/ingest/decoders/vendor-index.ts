/**
 * Gateway `format` (from the registry) → vendor decoder (issue #4 item 1): one module per format, behind this tiny
 * dispatcher. The native format has its own contract (decoder.ts) and is dispatched in index.ts.
 */
import type { GatewayFormat } from '@rtls/protocol';
import type { VendorDecoder } from './vendor.ts';
import { decodeZebraIotc } from './zebra-iotc.ts';
import { decodeImpinjIot } from './impinj-iot.ts';
import { decodeMinewJsonLong } from './minew-jsonlong.ts';
import { decodeMokoMkgw } from './moko-mkgw.ts';
import { decodeEspresense } from './espresense.ts';
import { decodeOpenMqttGateway } from './openmqttgateway.ts';
import { decodeRuuvi } from './ruuvi.ts';

const VENDOR_DECODERS: Readonly<Record<Exclude<GatewayFormat, 'native'>, VendorDecoder>> = Object.freeze({
  'zebra-iotc': decodeZebraIotc,
  'impinj-iot': decodeImpinjIot,
  'minew-jsonlong': decodeMinewJsonLong,
  'moko-mkgw': decodeMokoMkgw,
  espresense: decodeEspresense,
  openmqttgateway: decodeOpenMqttGateway,
  ruuvi: decodeRuuvi,
});

/** The vendor decoder for a format; undefined for 'native' (see decoderFor). */
export function vendorDecoderFor(format: GatewayFormat): VendorDecoder | undefined {
  return format === 'native' ? undefined : VENDOR_DECODERS[format];
}

export type { VendorDecoder, VendorDecodeContext, VendorDecodeResult, VendorRejection } from './vendor.ts';
