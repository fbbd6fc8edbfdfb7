/**
 * Section 3 — broker modes and limits: how many messages per second the embedded Aedes broker delivers (a) to an
 * in-process subscriber (broker.messageSource(), as the demo's locator subscribes) and (b) to an external mqtt.js
 * subscriber over TCP (as a locator with RTLS_MQTT_URL would), while K gateway connections flood it.
 *
 * Broker, publishers and the TCP subscriber each run in their own process (as they would in a deployment), so a
 * broker crash under the flood is recorded with its error instead of ending the bench, and no role steals the
 * others' event loop. On this 2-core machine the processes still share two cores; the figures are lower bounds.
 */
import { randomBytes } from 'node:crypto';
import type { BrokerStats } from '@rtls/broker';
import { ChildExitedError, crashReason, startChild, type BenchChild, type ChildExit } from './lib/child.ts';
import { READS_PER_PAYLOAD, type FloodPayloadKind } from './lib/flood-payloads.ts';
import { perSecond, round } from './lib/stats.ts';

export type SubscriberMode = 'in-process' | 'tcp';

export interface FloodScenario {
  mode: SubscriberMode;
  publishers: number;
  payload: FloodPayloadKind;
  /** Flood length, ms. */
  durationMs: number;
  /** Upper bound on messages across all publishers. */
  maxMessages: number;
  /** Broker settings other than the production defaults (RTLS_MQTT_* names), for probing a limit. */
  brokerEnv?: Record<string, string>;
  /** How long deliveries may go on after the publishers stop before the run ends, ms (default 10 s). */
  drainMaxMs?: number;
}

export interface FloodResult extends FloodScenario {
  /** 'ok', or what went wrong (a crash is recorded, not hidden). */
  outcome: string;
  payloadBytes: number;
  publishersConnected: number;
  published: number;
  delivered: number;
  publishedPerS: number;
  /** Messages the subscriber received per second, from the first publish to the last delivery. */
  deliveredPerS: number;
  /** Reads (in the payloads) delivered per second. */
  readsPerS: number;
  deliveredMBPerS: number;
  /** delivered / published, %. QoS 0: a gap means messages were lost (e.g. a subscriber disconnected). */
  deliveredPct: number;
  /** Seconds deliveries went on after the publishers stopped: the backlog the broker had queued. */
  tailS: number;
  brokerCpuPct: number;
  brokerMaxRssMB: number;
  /** The TCP subscriber process's CPU, % of a core (null for the in-process subscriber, which is in the broker). */
  subscriberCpuPct: number | null;
  subscriberCloses: number;
  publisherCloses: number;
  brokerClientErrors: Record<string, number>;
}

interface Delivered { messages: number; bytes: number; firstAt: number; lastAt: number }
type Msg =
  | { type: 'ready'; port?: number; connected?: number }
  | { type: 'report'; delivered: Delivered | null; broker?: BrokerStats; cpuPct?: number; maxRssMB?: number; closes?: number; connected?: boolean }
  | { type: 'done'; published: number; startedAt: number; endedAt: number; closes: number; errors: string[]; payloadBytes: number };

const is = <T extends Msg['type']>(type: T) => (m: Msg): m is Extract<Msg, { type: T }> => m.type === type;
const url = (name: string) => new URL(name, import.meta.url);

/** Default for how long deliveries may keep arriving after the publishers stop (queued in sockets and the broker), ms. */
const DRAIN_MAX_MS = 10_000;
const POLL_MS = 250;
/** Deliveries are complete when the count has not moved for this many polls. */
const SETTLED_POLLS = 4;

export async function runFlood(s: FloodScenario): Promise<FloodResult> {
  const password = randomBytes(12).toString('hex');
  const children: Array<{ role: string; child: BenchChild<Msg> }> = [];
  const result: FloodResult = {
    ...s, outcome: 'ok', payloadBytes: 0, publishersConnected: 0, published: 0, delivered: 0, publishedPerS: 0, deliveredPerS: 0,
    readsPerS: 0, deliveredMBPerS: 0, deliveredPct: 0, tailS: 0, brokerCpuPct: NaN, brokerMaxRssMB: NaN, subscriberCpuPct: null, subscriberCloses: 0,
    publisherCloses: 0, brokerClientErrors: {},
  };
  const spawn = (role: string, file: string, arg: object) => {
    // The flood's stderr is not echoed: a crash's stack trace is summarised in `outcome` instead.
    const child = startChild<Msg>(url(file), [JSON.stringify(arg)], { echoStderr: false });
    children.push({ role, child });
    return child;
  };
  let goAt = 0;
  let stopping = false;
  let brokerDied: ChildExit | null = null;
  try {
    const broker = spawn('broker', './broker-flood-broker.ts', { mode: s.mode, gateways: s.publishers, password, env: s.brokerEnv ?? {} });
    void broker.exited.then((e) => { if (!stopping) brokerDied = e; });
    const { port } = await broker.next(is('ready'), 30_000);
    const subscriber = s.mode === 'tcp' ? spawn('subscriber', './broker-flood-subscriber.ts', { port, password }) : null;
    if (subscriber) await subscriber.next(is('ready'), 30_000);
    const sink = subscriber ?? broker;
    const publishers = spawn('publishers', './broker-flood-publishers.ts', {
      port, password, publishers: s.publishers, payload: s.payload, durationMs: s.durationMs, maxMessages: s.maxMessages,
    });
    result.publishersConnected = (await publishers.next(is('ready'), 60_000)).connected ?? 0;

    broker.send({ type: 'mark' });
    subscriber?.send({ type: 'mark' });
    goAt = Date.now();
    publishers.send({ type: 'go' });
    const done = await publishers.next(is('done'), s.durationMs + 30_000);
    result.published = done.published;
    result.payloadBytes = done.payloadBytes;
    result.publisherCloses = done.closes;
    result.publishedPerS = round(perSecond(done.published, done.endedAt - done.startedAt));

    // Deliveries still queued in sockets and in the broker arrive after the publishers stop; wait until the count
    // stops moving, everything has arrived, or DRAIN_MAX_MS passes.
    let last: Extract<Msg, { type: 'report' }> | null = null;
    let still = 0;
    for (let waited = 0; waited <= (s.drainMaxMs ?? DRAIN_MAX_MS) && !brokerDied; waited += POLL_MS) {
      sink.send({ type: 'report' });
      const r = await sink.next(is('report'), 10_000);
      still = last !== null && r.delivered?.messages === last.delivered?.messages ? still + 1 : 0;
      last = r;
      if (still >= SETTLED_POLLS || (r.delivered?.messages ?? 0) >= done.published) break;
      await new Promise((res) => setTimeout(res, POLL_MS));
    }
    if (!last) {
      sink.send({ type: 'report' });
      last = await sink.next(is('report'), 10_000);
    }
    const d = last.delivered ?? { messages: 0, bytes: 0, firstAt: 0, lastAt: 0 };
    const spanMs = d.lastAt - done.startedAt;
    result.delivered = d.messages;
    result.deliveredPerS = round(perSecond(d.messages, spanMs));
    result.readsPerS = round(perSecond(d.messages * READS_PER_PAYLOAD[s.payload], spanMs));
    result.deliveredMBPerS = round(perSecond(d.bytes / (1024 * 1024), spanMs), 1);
    result.deliveredPct = done.published > 0 ? round((d.messages / done.published) * 100, 1) : 0;
    result.tailS = round(Math.max(0, d.lastAt - done.endedAt) / 1000, 1);
    if (subscriber) {
      result.subscriberCloses = last.closes ?? 0;
      result.subscriberCpuPct = round(last.cpuPct ?? NaN);
    }

    if (!brokerDied) {
      broker.send({ type: 'report' });
      const b = await broker.next(is('report'), 10_000);
      result.brokerCpuPct = round(b.cpuPct ?? NaN);
      result.brokerMaxRssMB = b.maxRssMB ?? NaN;
      result.brokerClientErrors = b.broker?.clientErrors ?? {};
    }
    const undelivered = done.published - d.messages;
    if (result.subscriberCloses > 0) result.outcome = 'subscriber disconnected';
    else if (undelivered > 0 && still < SETTLED_POLLS) {
      result.outcome = `backlog: ${undelivered.toLocaleString('en-US')} msgs still queued ${round((s.drainMaxMs ?? DRAIN_MAX_MS) / 1000)} s after publishing stopped`;
    } else if (undelivered > 0) {
      result.outcome = `${undelivered.toLocaleString('en-US')} msgs not delivered (QoS 0)`;
    }
    else if (result.publishersConnected < s.publishers) result.outcome = `only ${result.publishersConnected}/${s.publishers} publishers connected`;
  } catch (err) {
    if (!(err instanceof ChildExitedError)) result.outcome = `failed: ${(err as Error).message}`;
  } finally {
    stopping = true;
    const exits = await Promise.all(children.map((c) => c.child.stop(5000)));
    const i = children.findIndex((c) => c.role === 'broker');
    const stoppedBroker = i >= 0 ? exits[i] : undefined;
    const after = (e: ChildExit) => (goAt ? ` ${round((e.at - goAt) / 1000, 1)} s after the flood began` : ' before the flood');
    // A crash is recorded, not hidden: the broker dying is the outcome whatever else was measured.
    if (brokerDied) {
      const died: ChildExit = brokerDied;
      result.outcome = `BROKER CRASHED${after(died)}: ${crashReason(died)}`;
    } else if (stoppedBroker?.killed) {
      result.outcome = `broker unresponsive: did not stop within 5 s${after(stoppedBroker)} (killed)`;
    } else {
      const other = children.find((c, k) => c.role !== 'broker' && !exits[k]!.killed && (exits[k]!.code ?? 0) !== 0);
      if (other && result.outcome === 'ok') result.outcome = `${other.role} process failed: ${crashReason(exits[children.indexOf(other)]!)}`;
    }
  }
  return result;
}

export async function measureBrokerModes(scenarios: readonly FloodScenario[], log: (line: string) => void = () => {}): Promise<FloodResult[]> {
  const out: FloodResult[] = [];
  for (const s of scenarios) {
    log(`  broker flood: ${s.publishers} publisher(s), ${s.payload} payloads, ${s.mode} subscriber…`);
    out.push(await runFlood(s));
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [mode = 'in-process', publishers = '1', payload = 'batch', seconds = '5', ...settings] = process.argv.slice(2);
  const r = await runFlood({
    mode: mode as SubscriberMode, publishers: Number(publishers), payload: payload as FloodPayloadKind,
    durationMs: Number(seconds) * 1000, maxMessages: payload === 'small' ? 3_000_000 : 500_000,
    brokerEnv: Object.fromEntries(settings.map((kv) => kv.split('=') as [string, string])),
  });
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
