/**
 * LlrpConnection against a raw TCP "reader" that writes exactly the bytes a test chooses: several messages in one
 * write, a report arriving before the response to a pending request (the case that hangs llrpjs's transact()),
 * error answers, KEEPALIVE, a message that does not decode, an unframeable stream and a reader gone silent.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeLlrp, encodeLlrp, type LlrpMessage } from '../src/llrp-codec.ts';
import { LlrpFrameReader } from '../src/llrp-framing.ts';
import { LlrpConnection, LlrpStatusError, type LlrpConnectionOptions } from '../src/llrp-connection.ts';
import { addRospecData } from '../src/rospec.ts';
import { rawLlrpMessage } from './llrp-emulator.ts';

const enc = (type: string, data: Record<string, unknown>, id: number) => encodeLlrp(type, data, id).bytes;
const ok = { LLRPStatus: { StatusCode: 'M_Success', ErrorDescription: '' } };
const notification = { ReaderEventNotificationData: { UTCTimestamp: { Microseconds: 1_700_000_000_000_000n }, ConnectionAttemptEvent: { Status: 'Success' } } };

interface FakeReader {
  port: number;
  socket: Promise<net.Socket>;
  /** Decoded messages the client sent. */
  received: LlrpMessage[];
  close(): Promise<void>;
}

/** A TCP server for one connection; `onRequest` answers each client message with raw bytes. */
async function fakeReader(onRequest: (m: LlrpMessage, s: net.Socket) => void = () => {}): Promise<FakeReader> {
  const received: LlrpMessage[] = [];
  let resolveSocket!: (s: net.Socket) => void;
  const socket = new Promise<net.Socket>((r) => (resolveSocket = r));
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    const frames = new LlrpFrameReader(1 << 20);
    s.on('data', (chunk) => {
      for (const f of frames.push(chunk)) {
        const m = decodeLlrp(f);
        received.push(m);
        onRequest(m, s);
      }
    });
    s.on('error', () => {});
    resolveSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    socket,
    received,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const opened: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

async function connect(port: number, extra: Partial<LlrpConnectionOptions> = {}) {
  const messages: LlrpMessage[] = [];
  const undecodable: Error[] = [];
  const conn = await LlrpConnection.connect({
    host: '127.0.0.1', port, connectTimeoutMs: 2000, silenceTimeoutMs: 0, maxMessageBytes: 1 << 20,
    onMessage: (m) => messages.push(m), onUndecodable: (e) => undecodable.push(e), ...extra,
  });
  opened.push(conn);
  return { conn, messages, undecodable };
}

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

describe('LlrpConnection', () => {
  it('delivers every message of a single TCP write', async () => {
    const reader = await fakeReader();
    opened.push(reader);
    const { messages } = await connect(reader.port);
    const s = await reader.socket;
    s.write(Buffer.concat([enc('RO_ACCESS_REPORT', {}, 1), enc('RO_ACCESS_REPORT', {}, 2), enc('READER_EVENT_NOTIFICATION', notification, 3)]));
    await until(() => messages.length === 3);
    expect(messages.map((m) => [m.type, m.id])).toEqual([['RO_ACCESS_REPORT', 1], ['RO_ACCESS_REPORT', 2], ['READER_EVENT_NOTIFICATION', 3]]);
  });

  it('resolves a response that arrives after an unrelated report, which still reaches onMessage', async () => {
    const reader = await fakeReader((m, s) => {
      if (m.type !== 'DELETE_ROSPEC') return;
      s.write(enc('RO_ACCESS_REPORT', {}, 900));
      setTimeout(() => s.write(enc('DELETE_ROSPEC_RESPONSE', ok, m.id)), 20);
    });
    opened.push(reader);
    const { conn, messages } = await connect(reader.port);
    const rsp = await conn.request('DELETE_ROSPEC', { ROSpecID: 0 }, 2000);
    expect(rsp.type).toBe('DELETE_ROSPEC_RESPONSE');
    expect(rsp.id).toBe(reader.received[0]!.id);
    expect(messages.map((m) => m.type)).toEqual(['RO_ACCESS_REPORT']);
  });

  it('rejects with the status when the reader answers an error status or ERROR_MESSAGE', async () => {
    const reader = await fakeReader((m, s) => {
      if (m.type === 'ADD_ROSPEC') s.write(enc('ADD_ROSPEC_RESPONSE', { LLRPStatus: { StatusCode: 'M_ParameterError', ErrorDescription: 'bad spec' } }, m.id));
      if (m.type === 'ENABLE_ROSPEC') s.write(enc('ERROR_MESSAGE', { LLRPStatus: { StatusCode: 'M_UnsupportedMessage', ErrorDescription: '' } }, m.id));
    });
    opened.push(reader);
    const { conn } = await connect(reader.port);
    const add = conn.request('ADD_ROSPEC', addRospecData({ rospecId: 1, antennas: [], reportIntervalMs: 500 }), 2000).catch((e: unknown) => e);
    await expect(add).resolves.toBeInstanceOf(LlrpStatusError);
    await expect(add).resolves.toMatchObject({ request: 'ADD_ROSPEC', statusCode: 'M_ParameterError' });
    await expect(conn.request('ENABLE_ROSPEC', { ROSpecID: 1 }, 2000)).rejects.toMatchObject({ statusCode: 'M_UnsupportedMessage' });
    expect(conn.isOpen).toBe(true);
  });

  it('answers KEEPALIVE with KEEPALIVE_ACK carrying the same id, without bothering onMessage', async () => {
    const reader = await fakeReader();
    opened.push(reader);
    const { conn, messages } = await connect(reader.port);
    (await reader.socket).write(enc('KEEPALIVE', {}, 31337));
    await until(() => reader.received.length === 1);
    expect(reader.received[0]).toMatchObject({ type: 'KEEPALIVE_ACK', id: 31337 });
    expect(conn.counters.keepalives).toBe(1);
    expect(messages).toEqual([]);
  });

  it('skips a message that does not decode and keeps reading the stream', async () => {
    const reader = await fakeReader();
    opened.push(reader);
    const { conn, messages, undecodable } = await connect(reader.port);
    (await reader.socket).write(Buffer.concat([rawLlrpMessage(258, 5), enc('RO_ACCESS_REPORT', {}, 6)]));
    await until(() => messages.length === 1);
    expect(messages[0]).toMatchObject({ type: 'RO_ACCESS_REPORT', id: 6 });
    expect(undecodable).toHaveLength(1);
    expect(conn.counters.undecodable).toBe(1);
    expect(conn.isOpen).toBe(true);
  });

  it('closes on an unframeable stream, failing a pending request', async () => {
    const reader = await fakeReader((m, s) => {
      if (m.type === 'START_ROSPEC') s.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    });
    opened.push(reader);
    const { conn } = await connect(reader.port);
    await expect(conn.request('START_ROSPEC', { ROSpecID: 1 }, 5000)).rejects.toThrow(/connection closed/);
    await expect(conn.closed).resolves.toMatch(/unframeable LLRP stream/);
  });

  it('closes when the reader stays silent past the silence timeout', async () => {
    const reader = await fakeReader();
    opened.push(reader);
    const { conn } = await connect(reader.port, { silenceTimeoutMs: 100 });
    await expect(conn.closed).resolves.toMatch(/reader silent for 100 ms/);
    expect(conn.isOpen).toBe(false);
  });

  it('rejects a connect to a closed port and an aborted connect', async () => {
    const reader = await fakeReader();
    const port = reader.port;
    await reader.close();
    await expect(connect(port)).rejects.toThrow();
    const ac = new AbortController();
    ac.abort();
    await expect(connect(port, { signal: ac.signal })).rejects.toThrow(/aborted/);
  });
});
