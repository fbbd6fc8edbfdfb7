/**
 * Impinj R700 / R720 IoT device interface (issue #4), plus the `tag_reads[]` batches that on-reader apps built on
 * the R700 publish.
 *
 * IoT interface: one event per message. `eventType: "tagInventory"` carries `tagInventoryEvent` with the EPC as
 * `epcHex` or as base64 `epc` (which fields appear depends on the reader's preset), `peakRssiCdbm` in centi-dBm
 * (−5234 = −52.34 dBm), 1-based `antennaPort` and ISO `Z` times. The read time is `lastSeenTime` when the preset
 * includes it (when the tag was seen), else the event `timestamp`. `frequency` (kHz), `phaseAngle` and
 * `transmitPowerCdbm` (the reader's power, not the tag's, so not `tx`) are not needed for locating. Every other
 * event type (antenna, inventory status, diagnostics, GPI, …) is skipped as 'other-event'.
 *
 * On-reader app batches: `tag_reads[]` records with hex `epc`, `peakRssi` in float dBm, `antennaPort` and
 * `firstSeenTimestamp` in microseconds since the epoch.
 */
import { Buffer } from 'node:buffer';
import { LIMITS } from '@rtls/protocol';
import { parseJsonPayload } from '../json-payload.ts';
import { createVendorBatch } from './vendor-batch.ts';
import { antennaField, describeValue, epcTagField, fieldPath, isObject, isoTimeField, rssiField } from './vendor-fields.ts';
import type { JsonObject } from './vendor-fields.ts';
import type { VendorDecodeContext, VendorDecodeResult } from './vendor.ts';

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The EPC as hex: `epcHex` when present, else base64 `epc` decoded. */
function epcHex(ev: JsonObject, p: string, errs: string[]): string | undefined {
  if (ev.epcHex !== undefined) {
    if (typeof ev.epcHex === 'string') return ev.epcHex;
    errs.push(`${fieldPath(p, 'epcHex')}: expected EPC hex, got ${describeValue(ev.epcHex)}`);
    return undefined;
  }
  if (typeof ev.epc === 'string' && ev.epc.length > 0 && BASE64_RE.test(ev.epc)) {
    return Buffer.from(ev.epc, 'base64').toString('hex');
  }
  errs.push(
    ev.epc === undefined
      ? `${fieldPath(p, 'epcHex')}: missing (and no base64 epc)`
      : `${fieldPath(p, 'epc')}: expected base64 EPC bytes`,
  );
  return undefined;
}

function decodeTagInventory(msg: JsonObject, ctx: VendorDecodeContext, hint: string | undefined): VendorDecodeResult {
  const ev = msg.tagInventoryEvent;
  if (!isObject(ev)) {
    return { kind: 'rejected', reason: 'schema', errors: ['tagInventoryEvent: expected an object in a tagInventory event'] };
  }
  const p = 'tagInventoryEvent';
  const batch = createVendorBatch(ctx);
  const errs: string[] = [];
  const hex = epcHex(ev, p, errs);
  const tag = hex === undefined ? undefined : epcTagField(hex, fieldPath(p, ev.epcHex !== undefined ? 'epcHex' : 'epc'), errs);
  const rssi = rssiField(ev.peakRssiCdbm, fieldPath(p, 'peakRssiCdbm'), errs, 0.01);
  const ant = antennaField(ev.antennaPort, fieldPath(p, 'antennaPort'), errs);
  const seen = isoTimeField(ev.lastSeenTime, fieldPath(p, 'lastSeenTime'), errs);
  const stamped = isoTimeField(msg.timestamp, 'timestamp', errs);
  if (errs.length > 0 || tag === undefined || rssi === undefined) batch.reject(0, errs);
  else batch.add(0, p, { tag, rssi, ant }, { ms: seen ?? stamped });
  return batch.result(hint);
}

function decodeTagReads(msg: JsonObject, reads: unknown[], ctx: VendorDecodeContext): VendorDecodeResult {
  if (reads.length > LIMITS.maxReadsPerBatch) {
    return { kind: 'rejected', reason: 'too-many-reads', errors: [`tag_reads: ${reads.length} reads, limit ${LIMITS.maxReadsPerBatch}`] };
  }
  const batch = createVendorBatch(ctx);
  let hint = stringHint(msg.readerName) ?? stringHint(msg.hostname);
  reads.forEach((rec, i) => {
    const p = `tag_reads[${i}]`;
    if (!isObject(rec)) return batch.reject(i, [`${p}: expected a tag read object`]);
    hint ??= stringHint(rec.readerName);
    const errs: string[] = [];
    const tag = epcTagField(rec.epc, `${p}.epc`, errs);
    const rssi = rssiField(rec.peakRssi, `${p}.peakRssi`, errs);
    const ant = antennaField(rec.antennaPort, `${p}.antennaPort`, errs);
    let us: number | undefined;
    if (rec.firstSeenTimestamp !== undefined) {
      if (typeof rec.firstSeenTimestamp === 'number' && Number.isFinite(rec.firstSeenTimestamp) && rec.firstSeenTimestamp >= 0) {
        us = rec.firstSeenTimestamp;
      } else errs.push(`${p}.firstSeenTimestamp: expected epoch microseconds, got ${describeValue(rec.firstSeenTimestamp)}`);
    }
    if (errs.length > 0 || tag === undefined || rssi === undefined) return batch.reject(i, errs);
    batch.add(i, p, { tag, rssi, ant }, { ms: us === undefined ? undefined : us / 1000 });
  });
  return batch.result(hint);
}

function stringHint(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 64 ? v : undefined;
}

export function decodeImpinjIot(payload: Uint8Array, ctx: VendorDecodeContext): VendorDecodeResult {
  const json = parseJsonPayload(payload);
  if (!json.ok) return { kind: 'rejected', reason: json.reason, errors: json.errors };
  const msg = json.value;
  if (isObject(msg) && Array.isArray(msg.tag_reads)) return decodeTagReads(msg, msg.tag_reads, ctx);
  if (!isObject(msg) || typeof msg.eventType !== 'string') {
    return {
      kind: 'rejected',
      reason: 'schema',
      errors: ['(root): expected an Impinj IoT interface event (eventType) or an on-reader app batch (tag_reads[])'],
    };
  }
  const hint = stringHint(msg.hostname);
  if (msg.eventType !== 'tagInventory') return { kind: 'skip', what: 'other-event', ...(hint !== undefined ? { gatewayHint: hint } : {}) };
  return decodeTagInventory(msg, ctx, hint);
}
