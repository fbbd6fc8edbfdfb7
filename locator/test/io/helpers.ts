import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { DropReasonSchema, type DropReason, type Fix, type InboundMessage, type MessageSource } from '@rtls/protocol';
import type { HealthParts } from '../../src/api/routes.ts';
import { topicMatches } from '../../src/sources/mqtt-source.ts';

export const T0 = 1_760_000_000_000;

export function tmpDir(prefix = 'rtls-io-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Logger that keeps every line, to assert what is (not) logged. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

export function bleTag(n: number): string {
  return `ble:${n.toString(16).toUpperCase().padStart(12, '0')}`;
}

export function makeFix(tag: string, t: number, floor: string, x = 5, y = 5, extra: Partial<Fix> = {}): Fix {
  return {
    tag, t, floor, x, y, accuracyM: 2, confidence: 0.8, room: null, zones: [], method: 'ble-wls',
    evidence: [{ gw: 'gw-1', rssi: -70, n: 4 }], ...extra,
  };
}

export function zeroDrops(): Record<DropReason, number> {
  return Object.fromEntries(DropReasonSchema.options.map((r) => [r, 0])) as Record<DropReason, number>;
}

export function fakeHealthParts(connected = true): HealthParts {
  return {
    mqtt: { mode: 'embedded', connected },
    ingest: { messages: 3, batches: 2, reads: 10, dropped: zeroDrops() },
    pipeline: { tags: 1, fixes: 4, queued: 0 },
    store: { kind: 'sqlite', fixesWritten: 4, pending: 0 },
    live: { clients: 0 },
  };
}

/** In-memory MessageSource: what the embedded broker gives the service, minus the broker. */
export class MemorySource implements MessageSource {
  readonly mode = 'embedded' as const;
  readonly subscriptions: { filter: string; onMessage: (m: InboundMessage) => void }[] = [];
  connected = true;
  closed = false;
  async subscribe(filter: string, onMessage: (m: InboundMessage) => void): Promise<void> {
    this.subscriptions.push({ filter, onMessage });
  }
  isConnected(): boolean {
    return this.connected;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
  deliver(msg: InboundMessage): void {
    for (const s of this.subscriptions) if (topicMatches(s.filter, msg.topic)) s.onMessage(msg);
  }
}

/** Resolves when `pred` holds, polling; rejects after `timeoutMs` with `what`. */
export async function waitFor(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
