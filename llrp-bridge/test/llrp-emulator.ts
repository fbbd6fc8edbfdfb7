/**
 * A small LLRP reader for tests, built on llrpjs's LLRPServer (the reader side of the same library the bridge uses
 * for encoding): it announces the connection, answers the ROSpec messages, honours the ROSpec it is given (reports
 * every AISpec duration with the fields its TagReportContentSelector enables) and the KeepaliveSpec, and can
 * misbehave on demand — drop the connection, refuse connections, go silent, answer a request with an error, send
 * a report without an EPC or a message that does not decode.
 *
 * Keepalives start only once the ROSpec is started: llrpjs's server decodes one message per TCP chunk, so a
 * KEEPALIVE_ACK coalesced with a setup request would hold that request back until the client's next write.
 */
import net from 'node:net';
import llrpjs from 'llrpjs/dist/src/index.js';
import type { Clock } from '@rtls/protocol';

const { LLRPCore, LLRPServer } = llrpjs;

export interface EmulatedTag {
  /** EPC as hex: 24 digits are sent as EPC_96, anything else as EPCData. */
  epc: string;
  antenna: number;
  /** PeakRSSI, dBm (s8). */
  rssi: number;
  seenCount?: number;
}

export interface ReceivedMessage {
  type: string;
  id: number;
  data: Record<string, unknown>;
}

interface Rospec {
  id: number;
  durationMs: number;
  selector: Record<string, unknown>;
}

/** Requests the emulator answers, and their response message. */
const RESPONSES: Record<string, string> = {
  DELETE_ROSPEC: 'DELETE_ROSPEC_RESPONSE',
  SET_READER_CONFIG: 'SET_READER_CONFIG_RESPONSE',
  ADD_ROSPEC: 'ADD_ROSPEC_RESPONSE',
  ENABLE_ROSPEC: 'ENABLE_ROSPEC_RESPONSE',
  DISABLE_ROSPEC: 'DISABLE_ROSPEC_RESPONSE',
  START_ROSPEC: 'START_ROSPEC_RESPONSE',
  STOP_ROSPEC: 'STOP_ROSPEC_RESPONSE',
  CLOSE_CONNECTION: 'CLOSE_CONNECTION_RESPONSE',
};

const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const first = (v: unknown): Record<string, unknown> => obj(Array.isArray(v) ? v[0] : v);

function message(type: string, data: Record<string, unknown> = {}, id?: number) {
  const cls = LLRPCore[type];
  if (!cls) throw new Error(`llrpjs has no ${type}`);
  return new cls({ ...(id !== undefined ? { id } : {}), data });
}

/** A whole LLRP message from raw parameter bytes (version 1). */
export function rawLlrpMessage(typeNum: number, id: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(10);
  head.writeUInt16BE((1 << 10) | typeNum, 0);
  head.writeUInt32BE(10 + body.length, 2);
  head.writeUInt32BE(id, 6);
  return Buffer.concat([head, body]);
}

/** RO_ACCESS_REPORT (type 61) with one TagReportData (TLV 240) holding only a PeakRSSI (TV 6): no EPC at all, which
 *  llrpjs refuses to encode but decodes, as a buggy reader could send it. */
export function reportWithoutEpc(rssi: number, id = 9001): Buffer {
  const peak = Buffer.from([0x80 | 6, rssi & 0xff]);
  const tagReport = Buffer.concat([Buffer.from([0x00, 240, 0x00, 4 + peak.length]), peak]);
  return rawLlrpMessage(61, id, tagReport);
}

export class LlrpReaderEmulator extends LLRPServer {
  /** Every message received, decoded, in order. */
  readonly received: ReceivedMessage[] = [];
  connections = 0;
  keepaliveAcks = 0;
  reportsSent = 0;
  readonly errors: Error[] = [];
  private tags: EmulatedTag[] = [];
  private rospec: Rospec | null = null;
  private keepaliveMs = 0;
  private reportTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private refuse = 0;
  private silent = false;
  private readonly failOn = new Set<string>();
  private nextId = 50_000;

  private constructor(private readonly clock: Clock) {
    super({ host: '127.0.0.1', port: 0 });
    this.on('connection', () => this.onConnection());
    this.on('disconnect', () => this.stopTimers());
    this.on('error', (err) => this.errors.push(err));
    this.on('message', (m) => this.onMessage({ ...m.toLLRPData() }));
  }

  static async start(clock: Clock): Promise<LlrpReaderEmulator> {
    const emu = new LlrpReaderEmulator(clock);
    await new Promise<void>((resolve, reject) => {
      emu._server.once('listening', resolve);
      emu._server.once('error', reject);
      emu.listen();
    });
    return emu;
  }

  get port(): number {
    return (this._server.address() as net.AddressInfo).port;
  }

  /** The tags every report from now on contains. */
  setTags(tags: EmulatedTag[]): void {
    this.tags = [...tags];
  }

  /** The next `n` connections get a failed ConnectionAttemptEvent and are closed. */
  refuseNextConnections(n: number): void {
    this.refuse = n;
  }

  /** Answer this request type with an error status (until cleared). */
  failRequests(type: string, fail = true): void {
    if (fail) this.failOn.add(type);
    else this.failOn.delete(type);
  }

  /** Stops sending anything on the current connection while keeping it open (a hung reader). */
  goSilent(): void {
    this.silent = true;
    this.stopTimers();
  }

  /** Closes the current connection abruptly, as a reader losing power or network would. */
  dropConnection(): void {
    this.stopTimers();
    this._tcp?.destroy();
  }

  /** Sends raw bytes on the current connection. */
  sendRaw(bytes: Buffer): void {
    this._tcp?.write(bytes);
  }

  /** Sends one RO_ACCESS_REPORT with exactly these TagReportData entries (llrpjs JSON form). */
  async sendReport(tagReportData: Record<string, unknown>[]): Promise<void> {
    await this.send(message('RO_ACCESS_REPORT', { TagReportData: tagReportData }, this.nextId++));
    this.reportsSent++;
  }

  /** Resolves once `pred` holds for a received message. */
  async waitForMessage(pred: (m: ReceivedMessage) => boolean): Promise<ReceivedMessage> {
    for (;;) {
      const m = this.received.find(pred);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  override async close(): Promise<void> {
    this.stopTimers();
    this._tcp?.destroy();
    await super.close();
  }

  private onConnection(): void {
    this.connections++;
    this.silent = false;
    const refused = this.refuse > 0;
    if (refused) this.refuse--;
    const notification = message('READER_EVENT_NOTIFICATION', {
      ReaderEventNotificationData: {
        UTCTimestamp: { Microseconds: BigInt(this.clock()) * 1000n },
        ConnectionAttemptEvent: { Status: refused ? 'Failed_Reason_Other_Than_A_Connection_Already_Exists' : 'Success' },
      },
    }, this.nextId++);
    const socket = this._tcp;
    void this.send(notification).then(() => {
      if (refused) socket?.end();
    });
  }

  private onMessage(m: ReceivedMessage): void {
    this.received.push(m);
    if (this.silent) return;
    if (m.type === 'KEEPALIVE_ACK') {
      this.keepaliveAcks++;
      return;
    }
    const responseType = RESPONSES[m.type];
    if (!responseType) {
      void this.send(message('ERROR_MESSAGE', { LLRPStatus: { StatusCode: 'M_UnsupportedMessage', ErrorDescription: `${m.type} not emulated` } }, m.id));
      return;
    }
    if (this.failOn.has(m.type)) {
      void this.send(message(responseType, { LLRPStatus: { StatusCode: 'M_ParameterError', ErrorDescription: `${m.type} refused by test` } }, m.id));
      return;
    }
    this.apply(m);
    const rsp = message(responseType, { LLRPStatus: { StatusCode: 'M_Success', ErrorDescription: '' } }, m.id);
    void this.send(rsp).then(() => {
      if (m.type === 'CLOSE_CONNECTION') this._tcp?.end();
    });
  }

  /** The reader-side effect of a request. */
  private apply(m: ReceivedMessage): void {
    switch (m.type) {
      case 'DELETE_ROSPEC': {
        const id = Number(m.data['ROSpecID']);
        if (id === 0 || id === this.rospec?.id) {
          this.rospec = null;
          this.stopTimers();
        }
        break;
      }
      case 'SET_READER_CONFIG': {
        const ka = obj(m.data['KeepaliveSpec']);
        this.keepaliveMs = ka['KeepaliveTriggerType'] === 'Periodic' ? Number(ka['PeriodicTriggerValue']) : 0;
        break;
      }
      case 'ADD_ROSPEC': {
        const spec = obj(m.data['ROSpec']);
        const ai = first(spec['AISpec']);
        this.rospec = {
          id: Number(spec['ROSpecID']),
          durationMs: Number(obj(ai['AISpecStopTrigger'])['DurationTrigger']),
          selector: obj(obj(spec['ROReportSpec'])['TagReportContentSelector']),
        };
        break;
      }
      case 'START_ROSPEC':
        this.startTimers();
        break;
      case 'STOP_ROSPEC':
      case 'DISABLE_ROSPEC':
        this.stopTimers();
        break;
    }
  }

  private startTimers(): void {
    this.stopTimers();
    const spec = this.rospec;
    if (spec && spec.durationMs > 0) this.reportTimer = setInterval(() => this.report(spec), spec.durationMs);
    if (this.keepaliveMs > 0) {
      this.keepaliveTimer = setInterval(() => {
        if (this.socketWritable) void this.send(message('KEEPALIVE', {}, this.nextId++));
      }, this.keepaliveMs);
    }
  }

  private stopTimers(): void {
    if (this.reportTimer) clearInterval(this.reportTimer);
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.reportTimer = this.keepaliveTimer = null;
  }

  /** One report at the end of an AISpec: each tag once, with the fields the selector enables (like a reader). */
  private report(spec: Rospec): void {
    if (!this.socketWritable || this.tags.length === 0) return;
    const on = (k: string) => Boolean(spec.selector[k]);
    const end = BigInt(this.clock()) * 1000n;
    const start = end - BigInt(spec.durationMs) * 1000n;
    const entries = this.tags.map((t) => {
      const e: Record<string, unknown> = t.epc.length === 24 ? { EPC_96: { EPC: t.epc } } : { EPCData: { EPC: t.epc } };
      if (on('EnableAntennaID')) e['AntennaID'] = { AntennaID: t.antenna };
      if (on('EnablePeakRSSI')) e['PeakRSSI'] = { PeakRSSI: t.rssi };
      if (on('EnableFirstSeenTimestamp')) e['FirstSeenTimestampUTC'] = { Microseconds: start };
      if (on('EnableLastSeenTimestamp')) e['LastSeenTimestampUTC'] = { Microseconds: end };
      if (on('EnableTagSeenCount')) e['TagSeenCount'] = { TagCount: t.seenCount ?? 1 };
      return e;
    });
    void this.sendReport(entries);
  }
}
