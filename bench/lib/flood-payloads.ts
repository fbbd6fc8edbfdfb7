/**
 * Payloads for the broker flood: valid native read batches (DESIGN.md §3), so the figures are for what gateways
 * really send. `batch`: 100 reads (a busy BLE gateway's 1 s batch, ~9 kB); `small`: one read (~0.1 kB), which
 * shows the per-message cost.
 */
import type { Read, ReadBatch } from '@rtls/protocol';

export type FloodPayloadKind = 'batch' | 'small';

export const READS_PER_PAYLOAD: Record<FloodPayloadKind, number> = { batch: 100, small: 1 };

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/** Half the reads from plain BLE tags, half from iBeacons (longer ids), with the fields real gateways fill in. */
function read(i: number, t: number): Read {
  const tag = i % 2 === 0
    ? `ble:AC233F${hex(i, 6)}`
    : `ibeacon:FDA50693A4E24FB1AFCFC6EB0764${hex(i % 65536, 4)}-1-${i}`;
  return { tag, rssi: -55 - (i % 40) - 0.5, t: t - (i % 1000), tx: -59, bat: 80 + (i % 20) };
}

export function floodPayload(kind: FloodPayloadKind, gatewayId: string, t: number): Buffer {
  const reads = Array.from({ length: READS_PER_PAYLOAD[kind] }, (_, i) => read(i, t));
  const batch: ReadBatch = { gw: gatewayId, seq: 1, t, reads };
  return Buffer.from(JSON.stringify(batch));
}
