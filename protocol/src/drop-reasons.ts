import { z } from 'zod';

/**
 * Why an inbound message or read was dropped. Every reason is counted and shown in /api/health
 * (the habit of Traccar's FilterHandler: drops are visible, never silent).
 */
export const DropReasonSchema = z.enum([
  'payload-too-large', // message larger than LIMITS.maxPacketBytes
  'not-json', // payload is not UTF-8 JSON
  'schema', // JSON that does not match the batch/status schema
  'unknown-topic', // topic is not a gateway reads/status topic
  'gateway-mismatch', // payload's gateway id differs from the topic's
  'unknown-gateway', // gateway not in the registry, so it has no position
  'too-many-reads', // more reads than LIMITS.maxReadsPerBatch
  'duplicate-batch', // same gateway and seq seen again (QoS 1 redelivery); vendor formats: the same message again
  'duplicate-read', // a vendor message repeating one of its own records exactly (the gateway reported a packet twice)
  'clock-skew', // batch time too far from receive time (receive time used, counted)
  'stale-read', // read older than the window
  'queue-full', // per-tag queue overflow under overload
]);
export type DropReason = z.infer<typeof DropReasonSchema>;
