/**
 * The reader configuration the bridge installs (llrpjs JSON form of LLRP ADD_ROSPEC and SET_READER_CONFIG). Pure.
 *
 * Report every N ms: one AISpec whose stop trigger is a Duration of N ms, inside a ROSpec with a Null stop trigger.
 * A running ROSpec loops over its spec list until its stop trigger fires (LLRP reader operation), so the AISpec restarts at once, and
 * ROReportTrigger Upon_N_Tags_Or_End_Of_AISpec with N = 0 ("no tag limit") sends one RO_ACCESS_REPORT at the end of
 * each AISpec: every tag seen in the last N ms, once per (tag, antenna), with its peak RSSI. The Null start trigger
 * means the reader runs it only when told (START_ROSPEC), after the bridge has checked every earlier step.
 */

export interface RospecOptions {
  rospecId: number;
  /** Antenna ports to inventory; empty = all (LLRP AntennaID 0). */
  antennas: readonly number[];
  /** AISpec duration, ms: one report per period. */
  reportIntervalMs: number;
}

export function addRospecData(o: RospecOptions): Record<string, unknown> {
  return {
    ROSpec: {
      ROSpecID: o.rospecId,
      Priority: 0,
      CurrentState: 'Disabled',
      ROBoundarySpec: {
        ROSpecStartTrigger: { ROSpecStartTriggerType: 'Null' },
        ROSpecStopTrigger: { ROSpecStopTriggerType: 'Null', DurationTriggerValue: 0 },
      },
      AISpec: {
        AntennaIDs: o.antennas.length === 0 ? [0] : [...o.antennas],
        AISpecStopTrigger: { AISpecStopTriggerType: 'Duration', DurationTrigger: o.reportIntervalMs },
        InventoryParameterSpec: { InventoryParameterSpecID: 1, ProtocolID: 'EPCGlobalClass1Gen2' },
      },
      ROReportSpec: {
        ROReportTrigger: 'Upon_N_Tags_Or_End_Of_AISpec',
        N: 0,
        TagReportContentSelector: {
          EnableROSpecID: false,
          EnableSpecIndex: false,
          EnableInventoryParameterSpecID: false,
          EnableAntennaID: true,
          EnableChannelIndex: false,
          EnablePeakRSSI: true,
          EnableFirstSeenTimestamp: true,
          EnableLastSeenTimestamp: true,
          EnableTagSeenCount: true,
          EnableAccessSpecID: false,
        },
      },
    },
  };
}

/**
 * SET_READER_CONFIG: the reader sends KEEPALIVE every `keepaliveMs` (KeepaliveSpec, Periodic), which is how a dead reader
 * or a half-open TCP connection is noticed when no tag is in the field and hence no report comes.
 */
export function readerConfigData(o: { keepaliveMs: number; resetToFactoryDefault: boolean }): Record<string, unknown> {
  return {
    ResetToFactoryDefault: o.resetToFactoryDefault,
    KeepaliveSpec: { KeepaliveTriggerType: 'Periodic', PeriodicTriggerValue: o.keepaliveMs },
  };
}

/** `{ ROSpecID }` for DELETE/ENABLE/START/STOP_ROSPEC; 0 means every ROSpec (DELETE only). */
export const rospecIdData = (rospecId: number): Record<string, unknown> => ({ ROSpecID: rospecId });
