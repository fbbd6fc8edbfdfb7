import type { Clock } from '@rtls/protocol';
import { createConnectionSlice, type ConnectionSlice } from './connection.ts';
import { createFloorsSlice, type FloorsSlice } from './floors.ts';
import { createGatewaysSlice, type GatewaysSlice } from './gateways.ts';
import { createSecurityAlarmsSlice, type SecurityAlarmsSlice } from './security-alarms.ts';
import { createTagsSlice, type TagsSlice } from './tags.ts';
import { createUiSlice, type UiSlice } from './ui.ts';

/**
 * One slice per domain; components receive them through the AppContext. Made anew for every session (main.tsx), so
 * nothing one user saw — patient names above all — is left in memory for the next one.
 */
export interface Stores {
  floors: FloorsSlice;
  tags: TagsSlice;
  gateways: GatewaysSlice;
  connection: ConnectionSlice;
  ui: UiSlice;
  securityAlarms: SecurityAlarmsSlice;
}

export function createStores(clock: Clock): Stores {
  return {
    floors: createFloorsSlice(),
    tags: createTagsSlice(),
    gateways: createGatewaysSlice(),
    connection: createConnectionSlice(clock()),
    ui: createUiSlice(),
    securityAlarms: createSecurityAlarmsSlice(),
  };
}
