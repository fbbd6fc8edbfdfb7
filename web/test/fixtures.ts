import type { Fix, GatewayInfo, TagInfo, TagKind } from '@rtls/protocol';

/** Protocol-valid building blocks for the web tests (every message built here passes LiveServerMessageSchema). */
export const T0 = 1_760_000_000_000;

export function tagId(n: number): string {
  return `ble:AC23${n.toString(16).toUpperCase().padStart(8, '0')}`;
}

export function fix(n: number, over: Partial<Fix> = {}): Fix {
  return {
    tag: tagId(n), t: T0, floor: 'L0', x: 10, y: 20, accuracyM: 1.5, confidence: 0.8,
    room: 'r-101', zones: [], method: 'ble-wls', evidence: [{ gw: 'gw-1', rssi: -70, n: 4 }], ...over,
  };
}

export function tagInfo(n: number, kind: TagKind, over: Partial<TagInfo> = {}): TagInfo {
  return {
    id: tagId(n), kind, label: `${kind} ${n}`, registered: kind !== 'unknown', category: null,
    lastFix: fix(n), lastSeen: T0, battery: 80, ...over,
  };
}

export function gateway(id: string, floor: string, state: GatewayInfo['state']): GatewayInfo {
  return { id, tech: 'ble', format: 'native', floor, x: 1, y: 2, room: null, topic: `rtls/v1/gw/${id}/reads`, state, lastSeen: T0 };
}
