import { createSignal, type Accessor } from 'solid-js';
import type { GatewayInfo } from '@rtls/protocol';

export interface GatewaysSlice {
  version: Accessor<number>;
  get(id: string): GatewayInfo | undefined;
  replaceAll(gateways: readonly GatewayInfo[]): void;
  upsert(gateway: GatewayInfo): void;
  onFloor(floor: string | null): GatewayInfo[];
  /** Gateways on the floor that said they are online (null state = never heard from: not online). */
  onlineCount(floor: string | null): { online: number; total: number };
}

export function createGatewaysSlice(): GatewaysSlice {
  const byId = new Map<string, GatewayInfo>();
  const [version, setVersion] = createSignal(0);
  const bump = () => setVersion((v) => v + 1);
  const onFloor = (floor: string | null) => (floor === null ? [] : [...byId.values()].filter((g) => g.floor === floor));
  return {
    version,
    get: (id) => byId.get(id),
    replaceAll(gateways) {
      byId.clear();
      for (const g of gateways) byId.set(g.id, g);
      bump();
    },
    upsert(gateway) {
      byId.set(gateway.id, gateway);
      bump();
    },
    onFloor,
    onlineCount(floor) {
      const list = onFloor(floor);
      return { online: list.filter((g) => g.state === 'online').length, total: list.length };
    },
  };
}
