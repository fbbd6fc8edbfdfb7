import type { LiveServerMessage } from '@rtls/protocol';
import type { Stores } from '../stores/index.ts';

/** Routes each validated live message to the slice that owns its domain. */
export function createDispatcher(stores: Pick<Stores, 'tags' | 'gateways' | 'connection' | 'securityAlarms' | 'alarms'>): (msg: LiveServerMessage) => void {
  return (msg) => {
    switch (msg.type) {
      case 'snapshot':
        stores.tags.replaceAll(msg.tags);
        stores.gateways.replaceAll(msg.gateways);
        return;
      case 'tags':
        stores.tags.upsertSummaries(msg.tags);
        return;
      case 'fixes':
        stores.tags.applyFixes(msg.fixes);
        return;
      case 'gateway':
        stores.gateways.upsert(msg.gateway);
        return;
      case 'error':
        stores.connection.setServerError({ code: msg.code, message: msg.message });
        return;
      case 'zone':
        // Rooms already arrive on each fix; the alarm console gets alarms (raised from zone events on the server), not these.
        return;
      case 'pong':
        return;
      case 'security-alarm':
        stores.securityAlarms.add(msg.alarm);
        return;
      case 'alarm':
        // Already filtered for this viewer by the server (patient scope); the slice keeps the newer version per id.
        stores.alarms.receive(msg.alarm);
        return;
    }
  };
}
