/**
 * The llrpjs codec as the bridge uses it: messages round-trip, a report encoded by llrpjs (as a reader's bytes)
 * decodes into the shape tag-reports.ts expects, and the ROSpec the bridge installs encodes with every field intact.
 */
import { describe, expect, it } from 'vitest';
import { decodeLlrp, encodeLlrp, LlrpCodecError } from '../src/llrp-codec.ts';
import { convertTagReports } from '../src/tag-reports.ts';
import { addRospecData, readerConfigData } from '../src/rospec.ts';
import { rawLlrpMessage, reportWithoutEpc } from './llrp-emulator.ts';

/** The decoded ADD_ROSPEC fields this test reads. */
interface DecodedRospec {
  ROSpecID: number;
  CurrentState: string;
  ROBoundarySpec: unknown;
  AISpec: { AntennaIDs: number[]; AISpecStopTrigger: unknown };
  ROReportSpec: { ROReportTrigger: string; N: number; TagReportContentSelector: Record<string, unknown> };
}

describe('llrp codec', () => {
  it('round-trips a request with its id and names the response type', () => {
    const { bytes, responseType } = encodeLlrp('DELETE_ROSPEC', { ROSpecID: 0 }, 4242);
    expect(responseType).toBe('DELETE_ROSPEC_RESPONSE');
    expect(decodeLlrp(bytes)).toEqual({ type: 'DELETE_ROSPEC', id: 4242, data: { ROSpecID: 0 } });
    expect(encodeLlrp('KEEPALIVE_ACK', {}, 1).responseType).toBeNull();
  });

  it('decodes a reader report into reads (EPC-96 and EPCData, µs timestamps)', () => {
    const { bytes } = encodeLlrp('RO_ACCESS_REPORT', {
      TagReportData: [
        {
          EPC_96: { EPC: '300833b2ddd9014000000001' }, AntennaID: { AntennaID: 2 }, PeakRSSI: { PeakRSSI: -61 },
          FirstSeenTimestampUTC: { Microseconds: 1_700_000_000_123_456n }, LastSeenTimestampUTC: { Microseconds: 1_700_000_000_623_456n },
          TagSeenCount: { TagCount: 4 },
        },
        { EPCData: { EPC: 'e2801160600002054cc2' }, PeakRSSI: { PeakRSSI: -70 }, AntennaID: { AntennaID: 1 } },
      ],
    }, 7);
    const m = decodeLlrp(bytes);
    expect(m.type).toBe('RO_ACCESS_REPORT');
    const r = convertTagReports(m.data['TagReportData']);
    expect(r.reads).toEqual([
      { tag: 'epc:300833B2DDD9014000000001', rssi: -61, ant: 2, t: 1_700_000_000_623 },
      { tag: 'epc:E2801160600002054CC2', rssi: -70, ant: 1 },
    ]);
    expect(r.sightings).toBe(5);
  });

  it('decodes a report without an EPC (a buggy reader) so the conversion can count it', () => {
    const m = decodeLlrp(reportWithoutEpc(-60));
    expect(convertTagReports(m.data['TagReportData']).rejected['no-epc']).toBe(1);
  });

  it('throws LlrpCodecError for an unknown message type or a body that does not parse', () => {
    expect(() => decodeLlrp(rawLlrpMessage(258, 1))).toThrow(LlrpCodecError);
    expect(() => decodeLlrp(rawLlrpMessage(61, 1, Buffer.from([0x00, 0xf0, 0x00, 0x10, 0x8d])))).toThrow(LlrpCodecError);
    expect(() => encodeLlrp('NO_SUCH_MESSAGE', {}, 1)).toThrow(/unknown LLRP message type/);
  });

  it('encodes the ROSpec: AISpec duration = report interval, N=0 end-of-AISpec reports, RSSI/antenna/time fields on', () => {
    const { bytes } = encodeLlrp('ADD_ROSPEC', addRospecData({ rospecId: 77, antennas: [1, 3], reportIntervalMs: 250 }), 1);
    const spec = decodeLlrp(bytes).data['ROSpec'] as DecodedRospec;
    expect(spec.ROSpecID).toBe(77);
    expect(spec.CurrentState).toBe('Disabled');
    expect(spec.ROBoundarySpec).toEqual({
      ROSpecStartTrigger: { ROSpecStartTriggerType: 'Null' },
      ROSpecStopTrigger: { ROSpecStopTriggerType: 'Null', DurationTriggerValue: 0 },
    });
    expect(spec.AISpec.AntennaIDs).toEqual([1, 3]);
    expect(spec.AISpec.AISpecStopTrigger).toEqual({ AISpecStopTriggerType: 'Duration', DurationTrigger: 250 });
    expect(spec.ROReportSpec.ROReportTrigger).toBe('Upon_N_Tags_Or_End_Of_AISpec');
    expect(spec.ROReportSpec.N).toBe(0);
    const sel = spec.ROReportSpec.TagReportContentSelector;
    for (const k of ['EnableAntennaID', 'EnablePeakRSSI', 'EnableFirstSeenTimestamp', 'EnableLastSeenTimestamp', 'EnableTagSeenCount']) {
      expect(sel[k], k).toBeTruthy();
    }
    expect(sel['EnableChannelIndex']).toBeFalsy();
  });

  it('asks for all antennas with AntennaID 0, and sets a periodic keepalive', () => {
    const all = decodeLlrp(encodeLlrp('ADD_ROSPEC', addRospecData({ rospecId: 1, antennas: [], reportIntervalMs: 500 }), 1).bytes);
    expect((all.data['ROSpec'] as DecodedRospec).AISpec.AntennaIDs).toEqual([0]);
    const cfg = decodeLlrp(encodeLlrp('SET_READER_CONFIG', readerConfigData({ keepaliveMs: 5000, resetToFactoryDefault: false }), 1).bytes);
    expect(cfg.data['KeepaliveSpec']).toEqual({ KeepaliveTriggerType: 'Periodic', PeriodicTriggerValue: 5000 });
    expect(cfg.data['ResetToFactoryDefault']).toBeFalsy();
  });
});
