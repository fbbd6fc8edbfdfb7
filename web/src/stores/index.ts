import type { Clock } from '@rtls/protocol';
import { createAlarmsSlice, type AlarmsDeps, type AlarmsSlice } from './alarms.ts';
import { createBypassesSlice, type BypassesSlice } from './bypasses.ts';
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
  /** The alarm console (issue #7 item 5). */
  alarms: AlarmsSlice;
  bypasses: BypassesSlice;
}

const offline = () => Promise.reject(new Error('no API'));
/** For stores made without an API (tests of the other slices): every alarm request fails. */
const NO_ALARMS_API: Omit<AlarmsDeps, 'clock'> = { api: { alarms: offline, alarm: offline, trail: offline }, canViewHistory: () => false };

export function createStores(clock: Clock, alarms: Omit<AlarmsDeps, 'clock'> = NO_ALARMS_API): Stores {
  return {
    floors: createFloorsSlice(),
    tags: createTagsSlice(),
    gateways: createGatewaysSlice(),
    connection: createConnectionSlice(clock()),
    ui: createUiSlice(),
    securityAlarms: createSecurityAlarmsSlice(),
    alarms: createAlarmsSlice({ clock, ...alarms }),
    bypasses: createBypassesSlice(),
  };
}
