/**
 * Webhooks delivered to a real local HTTP receiver (node:http on a random port; issue #7 "Done when"): signed bodies
 * the receiver can verify, no patient identity, severity filter, retries with exponential backoff, every attempt in
 * the delivery log, and the durable outbox resumed after the store is reopened (a restart loses nothing).
 */
import http from 'node:http';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlarmNotificationSchema, type Alarm, type AlarmNotification, type Severity } from '@rtls/protocol';
import { openDeliveryStore, type DeliveryStore } from '../../src/alarms/delivery-store.ts';
import { createWebhookDelivery, type WebhookDelivery, type WebhookDeliveryOptions } from '../../src/alarms/webhook-delivery.ts';
import type { Schedule } from '../../src/alarms/delivery-queue.ts';
import { rmDir, silentLogger, tmpDir, waitFor } from '../io/helpers.ts';
import { INFANT, T0, evidence } from './alarm-fixtures.ts';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver: answers each request with the next status of `plan` (then 200), or never when 'hang'. */
class Receiver {
  readonly got: Received[] = [];
  plan: (number | 'hang')[] = [];
  private server!: http.Server;
  private hanging: http.ServerResponse[] = [];
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.got.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const step = this.plan.shift() ?? 200;
        if (step === 'hang') {
          this.hanging.push(res);
          return;
        }
        res.writeHead(step, { 'content-type': 'text/plain' }).end(step < 300 ? 'ok' : 'not now');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

function sampleAlarm(id: number, severity: Severity, opts: { identity?: boolean } = {}): Alarm {
  return {
    id, ruleId: 'infant-exit', ruleName: 'Infant at a maternity exit', kind: 'unaccompanied', severity,
    subject: {
      type: 'tag', id: INFANT, label: 'Infant 07', kind: 'patient',
      patient: { unit: 'maternity', identity: opts.identity ? { mrn: 'MRN-SECRET-1', name: 'Baby Secretname', birthDate: null } : null },
    },
    where: 'L1-zone-exit-maternity', state: 'open', active: true, openedAt: T0, updatedAt: T0, assignee: null, escalationLevel: 0,
    occurrences: 1, evidence: evidence(T0 - 200, 'in L1-zone-exit-maternity without a companion within 5 m'),
    history: [{ t: T0, by: 'system', action: 'opened', note: null }],
  };
}
const opened = (id: number, severity: Severity = 'critical', identity = false): AlarmNotification => ({ event: 'opened', alarm: sampleAlarm(id, severity, { identity }) });

/** Runs retries at once (on the next turn) and records the delays asked for. */
function immediateSchedule(delays: number[]): Schedule {
  return (fn, ms) => {
    delays.push(ms);
    const t = setImmediate(fn);
    return () => clearImmediate(t);
  };
}

const SECRET = 'webhook-shared-secret-0123456789';
let receiver: Receiver;
let dir: string;
const clock = { now: T0 };
const opened_: { store: DeliveryStore; wh: WebhookDelivery }[] = [];

function open(over: Partial<WebhookDeliveryOptions> = {}) {
  const store = openDeliveryStore(dir, () => clock.now);
  const wh = createWebhookDelivery({ store, clock: () => clock.now, logger: silentLogger(), ...over });
  opened_.push({ store, wh });
  return { store, wh };
}

beforeAll(async () => {
  receiver = new Receiver();
  await receiver.start();
});
afterAll(() => receiver.stop());
beforeEach(() => {
  dir = tmpDir('rtls-webhooks-');
  receiver.got.length = 0;
  receiver.plan = [];
  clock.now = T0;
});
afterEach(async () => {
  for (const { store, wh } of opened_.splice(0)) {
    await wh.close();
    store.close();
  }
  rmDir(dir);
});

describe('webhook delivery to a real HTTP receiver', () => {
  it('POSTs the notification signed with HMAC-SHA256, without patient identity, to the webhooks whose severity it meets', async () => {
    const { store, wh } = open();
    const signed = store.addWebhook({ url: `${receiver.url}/signed?k=1`, minSeverity: 'high', secret: SECRET, enabled: true });
    store.addWebhook({ url: `${receiver.url}/plain`, minSeverity: 'low', enabled: true });
    store.addWebhook({ url: `${receiver.url}/critical-only`, minSeverity: 'critical', enabled: true });
    store.addWebhook({ url: `${receiver.url}/disabled`, minSeverity: 'low', enabled: false });

    // Even a notification that (wrongly) carried identity leaves without it.
    wh.notify(opened(7, 'high', true));
    await waitFor(() => receiver.got.length >= 2, 'two deliveries');
    await wh.idle();
    expect(receiver.got.map((g) => g.path).sort()).toEqual(['/plain', '/signed?k=1']);

    const s = receiver.got.find((g) => g.path.startsWith('/signed'))!;
    const expected = `sha256=${crypto.createHmac('sha256', SECRET).update(s.body).digest('hex')}`;
    expect(s.headers['x-rtls-signature']).toBe(expected);
    // A receiver with the wrong secret would not match.
    expect(crypto.createHmac('sha256', 'another-secret-entirely').update(s.body).digest('hex')).not.toBe(expected.slice(7));
    expect(s.headers['content-type']).toBe('application/json');
    expect(s.headers['x-rtls-event']).toBe('opened');
    const n = AlarmNotificationSchema.parse(JSON.parse(s.body));
    expect(n.alarm.subject).toMatchObject({ label: 'Infant 07', patient: { unit: 'maternity', identity: null } });
    expect(s.body).not.toContain('Secretname');
    expect(s.body).not.toContain('MRN-SECRET-1');
    expect(receiver.got.find((g) => g.path === '/plain')!.headers['x-rtls-signature']).toBeUndefined();

    const log = store.deliveries({ alarm: 7, limit: 10 });
    expect(log.map((d) => [d.channel, d.attempt, d.ok, d.status, d.event]).sort()).toEqual([['webhook', 1, true, 200, 'opened'], ['webhook', 1, true, 200, 'opened']]);
    // The log names the URL without its query string.
    expect(log.map((d) => d.target).sort()).toEqual([`${receiver.url}/plain`, `${receiver.url}/signed`]);
    expect(store.pending('webhook')).toEqual([]);
    expect(signed.hasSecret).toBe(true);
  });

  it('retries a receiver that fails twice with 1 s then 2 s backoff: three attempts logged, the third delivered', async () => {
    const delays: number[] = [];
    const { store, wh } = open({ schedule: immediateSchedule(delays) });
    store.addWebhook({ url: `${receiver.url}/flaky`, minSeverity: 'low', enabled: true });
    receiver.plan = [500, 503];
    wh.notify(opened(8));
    await waitFor(() => store.deliveries({ alarm: 8, limit: 10 }).some((d) => d.ok), 'a successful attempt');
    const log = store.deliveries({ alarm: 8, limit: 10 }).reverse();
    expect(log.map((d) => [d.attempt, d.ok, d.status])).toEqual([[1, false, 500], [2, false, 503], [3, true, 200]]);
    expect(log[0]!.error).toBe('HTTP 500');
    expect(delays).toEqual([1000, 2000]);
    expect(receiver.got).toHaveLength(3);
    // The same body each time (receivers deduplicate on it).
    expect(new Set(receiver.got.map((g) => g.body)).size).toBe(1);
    expect(wh.stats()).toMatchObject({ delivered: 1, failedAttempts: 2, abandoned: 0 });
  });

  it('gives up after 6 attempts (backoff 1, 2, 4, 8, 16 s) and says so in the log and stats', async () => {
    const delays: number[] = [];
    const { store, wh } = open({ schedule: immediateSchedule(delays) });
    store.addWebhook({ url: `${receiver.url}/down`, minSeverity: 'low', enabled: true });
    receiver.plan = Array(10).fill(500);
    wh.notify(opened(9));
    await waitFor(() => wh.stats().abandoned === 1, 'giving up');
    expect(store.deliveries({ alarm: 9, limit: 20 }).map((d) => d.attempt).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(store.pending('webhook')).toEqual([]);
  });

  it('a receiver that does not answer in time is a failed attempt (timeout), retried', async () => {
    const delays: number[] = [];
    const { store, wh } = open({ schedule: immediateSchedule(delays), timeoutMs: 150 });
    store.addWebhook({ url: `${receiver.url}/slow`, minSeverity: 'low', enabled: true });
    receiver.plan = ['hang'];
    wh.notify(opened(10));
    await waitFor(() => store.deliveries({ alarm: 10, limit: 10 }).some((d) => d.ok), 'the retry');
    const log = store.deliveries({ alarm: 10, limit: 10 }).reverse();
    expect(log.map((d) => [d.attempt, d.ok])).toEqual([[1, false], [2, true]]);
    expect(log[0]!.error).toMatch(/timeout/);
  });

  it('resumes the outbox after a restart: a delivery pending at close is delivered by the reopened store', async () => {
    // First run: the receiver refuses, the retry is scheduled but never runs (the process "stops").
    const parked: number[] = [];
    const first = open({ schedule: (_fn, ms) => (parked.push(ms), () => {}) });
    const hook = first.store.addWebhook({ url: `${receiver.url}/later`, minSeverity: 'low', enabled: true, secret: SECRET });
    receiver.plan = [502];
    first.wh.notify(opened(11));
    await waitFor(() => first.store.deliveries({ alarm: 11, limit: 5 }).length === 1, 'the first attempt');
    await first.wh.idle();
    expect(parked).toEqual([1000]);
    // Also one queued but never attempted: written to the outbox, then the process died before sending.
    first.store.enqueue([{ channel: 'webhook', targetRef: String(hook.id), alarmId: 12, event: 'opened', payload: JSON.stringify(opened(12)), nextAt: clock.now }]);
    await first.wh.close();
    first.store.close();
    opened_.splice(0);

    clock.now = T0 + 60_000;
    const second = open();
    expect(second.store.pending('webhook').map((r) => [r.alarmId, r.attempts])).toEqual([[11, 1], [12, 0]]);
    second.wh.start();
    await waitFor(() => second.store.pending('webhook').length === 0, 'the outbox drained');
    await second.wh.idle();
    const log11 = second.store.deliveries({ alarm: 11, limit: 5 }).reverse();
    expect(log11.map((d) => [d.attempt, d.ok, d.status])).toEqual([[1, false, 502], [2, true, 200]]);
    expect(second.store.deliveries({ alarm: 12, limit: 5 }).map((d) => [d.attempt, d.ok])).toEqual([[1, true]]);
    // Still signed after the restart (the secret is in the store, not in memory).
    const last = receiver.got.filter((g) => g.path === '/later').at(-1)!;
    expect(last.headers['x-rtls-signature']).toBe(`sha256=${crypto.createHmac('sha256', SECRET).update(last.body).digest('hex')}`);
  });

  it('deleting a webhook drops its pending deliveries', async () => {
    const { store, wh } = open({ schedule: () => () => {} });
    const hook = store.addWebhook({ url: `${receiver.url}/gone`, minSeverity: 'low', enabled: true });
    receiver.plan = [500];
    wh.notify(opened(13));
    await waitFor(() => store.deliveries({ alarm: 13, limit: 5 }).length === 1, 'the first attempt');
    await wh.idle();
    expect(store.pending('webhook')).toHaveLength(1);
    expect(store.deleteWebhook(hook.id)).toBe(true);
    expect(store.pending('webhook')).toHaveLength(0);
    expect(store.webhooks()).toEqual([]);
  });
});
