/**
 * Which payload format each simulated gateway speaks (issue #4 item 4). A spec is a mode plus explicit assignments:
 *
 *   site     every gateway speaks the format its site record declares (the sample hospital: all native) — default
 *   native   every gateway speaks native
 *   mixed    formats assigned per technology, round-robin over the gateways sorted by id: RFID readers cycle
 *            native → zebra-iotc → impinj-iot, BLE gateways native → minew-jsonlong → moko-mkgw → espresense →
 *            openmqttgateway → ruuvi. Sorting by id makes the assignment independent of site file order.
 *
 * Written `mode,format:gatewayId,…` (RTLS_SIM_FORMATS), e.g. `mixed,zebra-iotc:L0-portal-main`; an entry without a
 * colon is the mode; explicit entries override the mode.
 */
import { GatewayFormatSchema, type GatewayFormat, type GatewayTech } from '@rtls/protocol';

export type FormatMode = 'site' | 'native' | 'mixed';

export interface FormatSpec {
  mode: FormatMode;
  assign: Readonly<Record<string, GatewayFormat>>;
}

export const MIXED_RFID_FORMATS: readonly GatewayFormat[] = ['native', 'zebra-iotc', 'impinj-iot'];
export const MIXED_BLE_FORMATS: readonly GatewayFormat[] = [
  'native', 'minew-jsonlong', 'moko-mkgw', 'espresense', 'openmqttgateway', 'ruuvi',
];
const RFID_ONLY = new Set<GatewayFormat>(['zebra-iotc', 'impinj-iot']);
const MODES = new Set<string>(['site', 'native', 'mixed']);

/** Parses `mode,format:gatewayId,…`; throws an Error naming the bad entry. Empty → site mode. */
export function parseFormatSpec(text: string): FormatSpec {
  let mode: FormatMode = 'site';
  const assign: Record<string, GatewayFormat> = {};
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const i = entry.indexOf(':');
    if (i < 0) {
      if (!MODES.has(entry)) throw new Error(`"${entry}": expected a mode (site, native, mixed) or format:gatewayId`);
      mode = entry as FormatMode;
      continue;
    }
    const format = GatewayFormatSchema.safeParse(entry.slice(0, i));
    const id = entry.slice(i + 1);
    if (!format.success) throw new Error(`"${entry}": unknown format (one of ${GatewayFormatSchema.options.join(', ')})`);
    if (id === '') throw new Error(`"${entry}": missing gateway id`);
    assign[id] = format.data;
  }
  return { mode, assign };
}

/**
 * Each gateway's format under `spec`. Throws a RangeError when an assignment names an unknown gateway or gives a
 * gateway a format of the other technology (an RFID reader cannot speak a BLE gateway's format, nor the reverse).
 */
export function assignFormats(
  gateways: ReadonlyArray<{ id: string; tech: GatewayTech; format: GatewayFormat }>,
  spec: FormatSpec,
): Record<string, GatewayFormat> {
  const out: Record<string, GatewayFormat> = {};
  const byTech = { rfid: 0, ble: 0 };
  for (const g of [...gateways].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const rfid = g.tech !== 'ble';
    if (spec.mode === 'site') out[g.id] = g.format;
    else if (spec.mode === 'native') out[g.id] = 'native';
    else {
      const list = rfid ? MIXED_RFID_FORMATS : MIXED_BLE_FORMATS;
      out[g.id] = list[(rfid ? byTech.rfid++ : byTech.ble++) % list.length]!;
    }
  }
  const known = new Map(gateways.map((g) => [g.id, g]));
  for (const [id, format] of Object.entries(spec.assign)) {
    const g = known.get(id);
    if (!g) throw new RangeError(`format assignment for unknown gateway ${id}`);
    const rfid = g.tech !== 'ble';
    if (format !== 'native' && RFID_ONLY.has(format) !== rfid) {
      throw new RangeError(`gateway ${id} is ${g.tech}; ${format} is a${rfid ? ' BLE' : 'n RFID'} gateway format`);
    }
    out[id] = format;
  }
  return out;
}
