/**
 * MOKO MKGW3 / MKGW-mini03 BLE gateways (issue #4).
 *
 * Messages are `{ msg_id, device_info: { mac }, data }`. `msg_id` 3070 is scan data: `data[]` records with `mac`
 * (lowercase), `rssi` dBm and `timestamp`; iBeacon records add `uuid` / `major` / `minor` / `rssi_1m` (calibrated
 * RSSI at 1 m → `tx`). `msg_id` 3004 is the heartbeat in the current protocol (`data` an object) but scan data in
 * the older one (`data` an array), so the shape of `data` decides. Other msg_ids (configuration replies, status)
 * are skipped as 'other-event'.
 *
 * `timestamp` is epoch ms when the gateway clock is synced, otherwise uptime in seconds. Uptime can never reach
 * the year-2000 epoch-ms floor (946 684 800 000 s is ~30 000 years), so any smaller value is taken as an unsynced
 * clock: receive time is used and the read counted in `clockSkewed`. `timezone` only describes how the gateway
 * displays time; the timestamp itself is UTC.
 */
import { EpochMsSchema, LIMITS } from '@rtls/protocol';
import { parseJsonPayload } from '../json-payload.ts';
import { createVendorBatch } from './vendor-batch.ts';
import type { GatewayTime } from './vendor-batch.ts';
import { bleTagField, describeValue, ibeaconTagField, isObject, macFromTopic, normaliseMac, rssiField, txAt1m } from './vendor-fields.ts';
import type { VendorDecodeContext, VendorDecodeResult } from './vendor.ts';

const MSG_SCAN = 3070;
const MSG_HEARTBEAT_OR_LEGACY_SCAN = 3004;
const EPOCH_MS_FLOOR = EpochMsSchema.minValue ?? 946_684_800_000;

function scanTime(v: unknown, path: string, errs: string[]): GatewayTime | undefined {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    errs.push(`${path}: expected epoch ms or uptime seconds, got ${describeValue(v)}`);
    return undefined;
  }
  return v < EPOCH_MS_FLOOR ? { untrusted: true } : { ms: v };
}

function decodeScan(records: unknown[], ctx: VendorDecodeContext, gatewayHint: string | undefined): VendorDecodeResult {
  if (records.length > LIMITS.maxReadsPerBatch) {
    return { kind: 'rejected', reason: 'too-many-reads', errors: [`data: ${records.length} scan records, limit ${LIMITS.maxReadsPerBatch}`] };
  }
  const batch = createVendorBatch(ctx);
  records.forEach((rec, i) => {
    const p = `data[${i}]`;
    if (!isObject(rec)) return batch.reject(i, [`${p}: expected a scan record object`]);
    const errs: string[] = [];
    const beacon = ibeaconTagField(rec.uuid, rec.major, rec.minor, { uuid: `${p}.uuid`, major: `${p}.major`, minor: `${p}.minor` }, errs);
    const tag = beacon ?? (errs.length === 0 ? bleTagField(rec.mac, `${p}.mac`, errs) : undefined);
    const rssi = rssiField(rec.rssi, `${p}.rssi`, errs);
    const time = scanTime(rec.timestamp, `${p}.timestamp`, errs);
    if (errs.length > 0 || tag === undefined || rssi === undefined || time === undefined) return batch.reject(i, errs);
    batch.add(i, p, { tag, rssi, tx: txAt1m(rec.rssi_1m) }, time);
  });
  return batch.result(gatewayHint);
}

export function decodeMokoMkgw(payload: Uint8Array, ctx: VendorDecodeContext): VendorDecodeResult {
  const json = parseJsonPayload(payload);
  if (!json.ok) return { kind: 'rejected', reason: json.reason, errors: json.errors };
  const msg = json.value;
  if (!isObject(msg) || typeof msg.msg_id !== 'number') {
    return { kind: 'rejected', reason: 'schema', errors: ['msg_id: expected a MOKO MKGW message with a numeric msg_id'] };
  }
  const gatewayHint = (isObject(msg.device_info) ? normaliseMac(msg.device_info.mac) : undefined) ?? macFromTopic(ctx.topic);
  const hint = gatewayHint !== undefined ? { gatewayHint } : {};
  const { msg_id: id, data } = msg;

  if (id === MSG_SCAN || id === MSG_HEARTBEAT_OR_LEGACY_SCAN) {
    if (Array.isArray(data)) return decodeScan(data, ctx, gatewayHint);
    if (id === MSG_HEARTBEAT_OR_LEGACY_SCAN && isObject(data)) return { kind: 'skip', what: 'heartbeat', ...hint };
    return {
      kind: 'rejected',
      reason: 'schema',
      errors: [`data: expected ${id === MSG_SCAN ? 'an array of scan records' : 'a heartbeat object or an array of scan records'}`],
    };
  }
  return { kind: 'skip', what: 'other-event', ...hint };
}
