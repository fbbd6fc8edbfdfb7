/**
 * Minew G1 / MG3 / MG4 gateways, "JSON-LONG" format (issue #4).
 *
 * Topic `/gw/<gateway mac>/status` (leading slash). The message is a JSON array of scan records; element 0 is
 * normally the gateway itself (`type: "Gateway"`), which older firmware omits, so a Gateway record is recognised
 * by its type wherever it is and never becomes a read. Records carry `mac` (12 upper hex), `rssi` dBm and an ISO
 * `Z` `timestamp` (second or millisecond precision). iBeacon records (`ibeaconUuid` / `ibeaconMajor` /
 * `ibeaconMinor`) are identified as `ibeacon:`; `ibeaconTxPower` is the beacon's calibrated RSSI at 1 m → `tx`.
 *
 * Duplicates: the same tag often appears twice in one batch (e.g. an S1 sensor's info frame and its raw frame);
 * those are two packets and both are kept. A record identical to an earlier one in every field, timestamp
 * included, is the same packet reported twice and is dropped (counted in `duplicates`). Records are not in time
 * order; reads leave sorted by time.
 */
import { LIMITS } from '@rtls/protocol';
import { parseJsonPayload } from '../json-payload.ts';
import { createVendorBatch } from './vendor-batch.ts';
import { bleTagField, ibeaconTagField, isObject, isoTimeField, macFromTopic, normaliseMac, rssiField, txAt1m } from './vendor-fields.ts';
import type { VendorDecodeContext, VendorDecodeResult } from './vendor.ts';

const isGatewayRecord = (r: unknown): boolean => isObject(r) && r.type === 'Gateway';

function gatewayFromTopic(topic: string): string | undefined {
  const m = /^\/?gw\/([0-9A-Fa-f]{12})\//.exec(topic);
  return m ? m[1]!.toUpperCase() : macFromTopic(topic);
}

/** The record's full content as a key; undefined for a record too deeply nested to serialise (it fails anyway). */
function recordKey(rec: object): string | undefined {
  try {
    return JSON.stringify(rec);
  } catch {
    return undefined;
  }
}

export function decodeMinewJsonLong(payload: Uint8Array, ctx: VendorDecodeContext): VendorDecodeResult {
  const json = parseJsonPayload(payload);
  if (!json.ok) return { kind: 'rejected', reason: json.reason, errors: json.errors };
  const records = json.value;
  if (!Array.isArray(records)) {
    return { kind: 'rejected', reason: 'schema', errors: ['(root): expected a JSON array of scan records (Minew JSON-LONG)'] };
  }
  const scans = records.filter((r) => !isGatewayRecord(r)).length;
  if (scans > LIMITS.maxReadsPerBatch) {
    return { kind: 'rejected', reason: 'too-many-reads', errors: [`(root): ${scans} scan records, limit ${LIMITS.maxReadsPerBatch}`] };
  }

  const header = records.find(isGatewayRecord) as { mac?: unknown } | undefined;
  const gatewayHint = gatewayFromTopic(ctx.topic) ?? normaliseMac(header?.mac);
  const batch = createVendorBatch(ctx);
  const seen = new Set<string>();

  records.forEach((rec, i) => {
    const p = `[${i}]`;
    if (!isObject(rec)) return batch.reject(i, [`${p}: expected a scan record object`]);
    if (isGatewayRecord(rec)) return;
    const key = recordKey(rec);
    if (key !== undefined) {
      if (seen.has(key)) return batch.duplicate();
      seen.add(key);
    }

    const errs: string[] = [];
    const beacon = ibeaconTagField(
      rec.ibeaconUuid,
      rec.ibeaconMajor,
      rec.ibeaconMinor,
      { uuid: `${p}.ibeaconUuid`, major: `${p}.ibeaconMajor`, minor: `${p}.ibeaconMinor` },
      errs,
    );
    const tag = beacon ?? (errs.length === 0 ? bleTagField(rec.mac, `${p}.mac`, errs) : undefined);
    const rssi = rssiField(rec.rssi, `${p}.rssi`, errs);
    const time = isoTimeField(rec.timestamp, `${p}.timestamp`, errs);
    if (errs.length > 0 || tag === undefined || rssi === undefined) return batch.reject(i, errs);
    batch.add(i, p, { tag, rssi, tx: beacon !== undefined ? txAt1m(rec.ibeaconTxPower) : undefined }, { ms: time });
  });
  return batch.result(gatewayHint);
}
