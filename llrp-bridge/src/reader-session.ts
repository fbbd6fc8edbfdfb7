/**
 * The LLRP conversation that starts a reader reporting (what llrpjs's examples/example1.ts does, step by step, with
 * each answer checked): wait for the reader's READER_EVENT_NOTIFICATION saying the connection attempt succeeded,
 * delete every ROSpec (a previous client's, or ours from before a restart), set the keepalive (and optionally reset
 * to factory defaults), add our ROSpec, enable it, start it. Any refusal rejects, and the caller reconnects.
 */
import type { LlrpMessage } from './llrp-codec.ts';
import { addRospecData, readerConfigData, rospecIdData, type RospecOptions } from './rospec.ts';

/** What the setup needs from a connection (LlrpConnection implements it). */
export interface LlrpRequester {
  expect(match: (m: LlrpMessage) => boolean, timeoutMs: number, what?: string): Promise<LlrpMessage>;
  request(type: string, data: Record<string, unknown>, timeoutMs: number): Promise<LlrpMessage>;
}

export interface ReaderSetupOptions extends RospecOptions {
  keepaliveMs: number;
  resetToFactoryDefault: boolean;
  /** Per answer, ms; also bounds the wait for the connection-attempt notification. */
  responseTimeoutMs: number;
}

/** The reader refused the connection (e.g. another client is already connected to it). */
export class ReaderRefusedError extends Error {
  override readonly name = 'ReaderRefusedError';
  constructor(readonly status: string) {
    super(`reader refused the connection: ConnectionAttemptEvent ${status}`);
  }
}

const obj = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

function eventData(m: LlrpMessage): Record<string, unknown> | null {
  return m.type === 'READER_EVENT_NOTIFICATION' ? obj(m.data['ReaderEventNotificationData']) : null;
}

/** The ConnectionAttemptEvent status ("Success", "Failed_A_Client_Initiated_Connection_Already_Exists"…), or null. */
export function connectionAttemptStatus(m: LlrpMessage): string | null {
  const ev = obj(eventData(m)?.['ConnectionAttemptEvent']);
  return ev ? String(ev['Status']) : null;
}

/** True for the notification a reader sends just before it closes the connection itself. */
export function isConnectionCloseEvent(m: LlrpMessage): boolean {
  return eventData(m)?.['ConnectionCloseEvent'] !== undefined;
}

export async function setUpReader(conn: LlrpRequester, o: ReaderSetupOptions): Promise<void> {
  const t = o.responseTimeoutMs;
  const attempt = await conn.expect((m) => connectionAttemptStatus(m) !== null, t, 'READER_EVENT_NOTIFICATION with a ConnectionAttemptEvent');
  const status = connectionAttemptStatus(attempt);
  if (status !== 'Success') throw new ReaderRefusedError(String(status));
  await conn.request('DELETE_ROSPEC', rospecIdData(0), t);
  await conn.request('SET_READER_CONFIG', readerConfigData(o), t);
  await conn.request('ADD_ROSPEC', addRospecData(o), t);
  await conn.request('ENABLE_ROSPEC', rospecIdData(o.rospecId), t);
  await conn.request('START_ROSPEC', rospecIdData(o.rospecId), t);
}
