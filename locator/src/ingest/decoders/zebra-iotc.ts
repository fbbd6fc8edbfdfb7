/**
 * Zebra IoT Connector (FX7500 / FX9600 / ATR7000 / FXR90 fixed readers, RFD40 / RFD90 handheld sleds), issue #4.
 *
 * A message is one tag-data event, an array of them (data batching), or — over WebSocket — several events written
 * back to back with no separator. Fixed readers report one tag per event in `data` (`idHex`, `peakRssi` dBm,
 * 1-based `antenna`, `format`); the handheld sleds report `data.tagData[]` with `EPCid`. Heartbeats and other
 * management events can share the topic: they have a `type` and no tag id, and are skipped.
 *
 * Tag identity: in `fastID` mode `idHex` is the EPC followed by the TID, so the EPC is cut out (its length from the
 * PC word's L field when `PC` is sent, else 96 bits) and one physical tag keeps the id it has in `epc` mode. Some
 * firmware omits `format`; then a PC word that says the EPC is shorter than `idHex` still identifies the TID tail.
 * In `tid` mode the reader reports only the TID, which becomes the tag id (`epc:<TID>`): such readers identify tags
 * by TID and the registry must list them that way.
 */
import { LIMITS } from '@rtls/protocol';
import { parseConcatenatedJson } from '../concatenated-json.ts';
import { parseJsonPayload } from '../json-payload.ts';
import { createVendorBatch } from './vendor-batch.ts';
import type { VendorBatch } from './vendor-batch.ts';
import { antennaField, describeValue, epcTagField, fieldPath, isObject, isoTimeField, rssiField } from './vendor-fields.ts';
import type { JsonObject } from './vendor-fields.ts';
import type { VendorDecodeContext, VendorDecodeResult } from './vendor.ts';

// Reader operating modes, which Zebra reports as the `type` of a tag-data event; any other `type` on an event
// without a tag id is a management event.
const TAG_EVENT_TYPES = new Set(['simple', 'inventory', 'portal', 'conveyor', 'custom', 'directionality']);
const EPC96_HEX = 24;
const utf8 = new TextDecoder('utf-8', { fatal: true });

type Events = { ok: true; events: unknown[]; array: boolean } | { ok: false; result: VendorDecodeResult };

function parseEvents(payload: Uint8Array): Events {
  const json = parseJsonPayload(payload);
  if (json.ok) {
    if (Array.isArray(json.value)) return { ok: true, events: json.value, array: true };
    if (isObject(json.value)) return { ok: true, events: [json.value], array: false };
    return {
      ok: false,
      result: { kind: 'rejected', reason: 'schema', errors: ['(root): expected a Zebra IoT Connector event object or an array of them'] },
    };
  }
  if (json.reason === 'not-json') {
    let text: string | undefined;
    try {
      text = utf8.decode(payload);
    } catch {
      text = undefined;
    }
    const values = text === undefined ? null : parseConcatenatedJson(text, LIMITS.maxReadsPerBatch);
    // Each concatenated value may itself be a batch array.
    if (values && values.length > 1) return { ok: true, events: values.flat(), array: true };
  }
  return { ok: false, result: { kind: 'rejected', reason: json.reason, errors: json.errors } };
}

/** EPC length in hex digits from the PC word's L field (bits 15..11, in 16-bit words), or undefined. */
function epcHexLengthFromPc(pc: unknown): number | undefined {
  if (typeof pc !== 'string' || !/^[0-9A-Fa-f]{4}$/.test(pc)) return undefined;
  const words = (parseInt(pc, 16) >> 11) & 0x1f;
  return words > 0 ? words * 4 : undefined;
}

/** The hex that identifies the tag, or an error naming the field. */
function tagHex(data: JsonObject, p: string, errs: string[]): string | undefined {
  const idHex = data.idHex;
  if (typeof idHex !== 'string') {
    errs.push(`${fieldPath(p, 'idHex')}: expected EPC hex, got ${describeValue(idHex)}`);
    return undefined;
  }
  const format = data.format;
  const pcLen = epcHexLengthFromPc(data.PC);
  if (format === undefined) return pcLen !== undefined && pcLen < idHex.length ? idHex.slice(0, pcLen) : idHex;
  if (typeof format !== 'string') {
    errs.push(`${fieldPath(p, 'format')}: expected "epc", "tid" or "fastID"`);
    return undefined;
  }
  switch (format.toLowerCase()) {
    case 'epc':
    case 'tid':
      return idHex;
    case 'fastid':
      return idHex.slice(0, pcLen !== undefined && pcLen <= idHex.length ? pcLen : EPC96_HEX);
    default:
      errs.push(`${fieldPath(p, 'format')}: unknown format ${describeValue(format)} (expected epc, tid or fastID)`);
      return undefined;
  }
}

function fixedRead(batch: VendorBatch, index: number, p: string, data: JsonObject, time: number | undefined, errs: string[]) {
  const dp = fieldPath(p, 'data');
  const hex = tagHex(data, dp, errs);
  const tag = hex === undefined ? undefined : epcTagField(hex, fieldPath(dp, 'idHex'), errs);
  const rssi = rssiField(data.peakRssi, fieldPath(dp, 'peakRssi'), errs);
  const ant = antennaField(data.antenna, fieldPath(dp, 'antenna'), errs);
  if (errs.length > 0 || tag === undefined || rssi === undefined) return batch.reject(index, errs);
  batch.add(index, p, { tag, rssi, ant }, { ms: time });
}

// The RFD40/RFD90 sled's field names differ from the fixed readers' and between firmware releases.
const pick = (o: JsonObject, names: readonly string[]): [unknown, string] => {
  for (const n of names) if (o[n] !== undefined) return [o[n], n];
  return [undefined, names[0]!];
};

export function decodeZebraIotc(payload: Uint8Array, ctx: VendorDecodeContext): VendorDecodeResult {
  const parsed = parseEvents(payload);
  if (!parsed.ok) return parsed.result;
  const { events, array } = parsed;

  let records = 0;
  for (const ev of events) {
    const tagData = isObject(ev) && isObject(ev.data) ? ev.data.tagData : undefined;
    records += Array.isArray(tagData) ? tagData.length : 1;
  }
  if (records > LIMITS.maxReadsPerBatch) {
    return { kind: 'rejected', reason: 'too-many-reads', errors: [`(root): ${records} tag records, limit ${LIMITS.maxReadsPerBatch}`] };
  }

  const batch = createVendorBatch(ctx);
  let index = 0;
  let tagEvents = 0;
  let heartbeats = 0;
  let hostName: string | undefined;

  events.forEach((ev, i) => {
    const p = array ? `[${i}]` : '';
    if (!isObject(ev)) {
      tagEvents++;
      batch.reject(index++, [`${p || '(root)'}: expected an event object`]);
      return;
    }
    const errs: string[] = [];
    const data = ev.data;
    const type = typeof ev.type === 'string' ? ev.type.toLowerCase() : undefined;
    const time = isoTimeField(ev.timestamp, fieldPath(p, 'timestamp'), errs);

    if (isObject(data) && Array.isArray(data.tagData)) {
      tagEvents++;
      data.tagData.forEach((rec: unknown, j) => {
        const rp = `${fieldPath(p, 'data.tagData')}[${j}]`;
        const recErrs = [...errs];
        if (!isObject(rec)) return batch.reject(index++, [...recErrs, `${rp}: expected a tag record object`]);
        const tag = epcTagField(rec.EPCid, `${rp}.EPCid`, recErrs);
        const [rssiV, rssiName] = pick(rec, ['peakRSSI', 'PeakRSSI', 'peakRssi', 'RSSI', 'rssi']);
        const rssi = rssiField(rssiV, `${rp}.${rssiName}`, recErrs);
        const [antV, antName] = pick(rec, ['antennaId', 'antennaID', 'antenna']);
        const ant = antennaField(antV, `${rp}.${antName}`, recErrs);
        if (recErrs.length > 0 || tag === undefined || rssi === undefined) return batch.reject(index++, recErrs);
        batch.add(index++, rp, { tag, rssi, ant }, { ms: time });
      });
      return;
    }
    if (isObject(data) && data.idHex !== undefined) {
      tagEvents++;
      // Readers with the hostName metadata enabled name themselves; bounded so a hint stays an identifier.
      if (typeof data.hostName === 'string' && /^[\w.-]{1,64}$/.test(data.hostName)) hostName ??= data.hostName;
      fixedRead(batch, index++, p, data, time, errs);
      return;
    }
    // Management events have the same envelope (type, timestamp, data object) and no tag id.
    if (type === 'heartbeat' && isObject(data)) {
      heartbeats++;
      return;
    }
    if (type !== undefined && isObject(data) && !TAG_EVENT_TYPES.has(type)) return; // alerts, GPI, errors, …
    tagEvents++;
    batch.reject(index++, [`${fieldPath(p, 'data.idHex')}: missing; the event is neither tag data nor a management event`]);
  });

  const gatewayHint = hostName ?? readerFromTopic(ctx.topic);
  if (events.length > 0 && tagEvents === 0) {
    return {
      kind: 'skip',
      what: heartbeats === events.length ? 'heartbeat' : 'management',
      ...(gatewayHint !== undefined ? { gatewayHint } : {}),
    };
  }
  return batch.result(gatewayHint);
}

/** Zebra's documented topic layout `zebra/<reader>/…` names the reader; installer-chosen topics may not. */
function readerFromTopic(topic: string): string | undefined {
  const levels = topic.split('/');
  return levels.length >= 3 && levels[0] === 'zebra' && levels[1] ? levels[1] : undefined;
}
