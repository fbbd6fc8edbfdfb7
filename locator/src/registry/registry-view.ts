import type { TagSummary } from '@rtls/protocol';
import type { GatewayRecord, RegistryView } from '../contracts.ts';

/**
 * The registry as the pipeline sees it: plain in-memory maps, so the per-read hot path never touches SQLite.
 * The maps are swapped whole when the registry changes (see Registry.refreshIfChanged); the object itself stays
 * the same, so the pipeline can keep its reference.
 */
export class CachedRegistryView implements RegistryView {
  #gateways = new Map<string, GatewayRecord>();
  #tags = new Map<string, TagSummary>();

  gateway(id: string): GatewayRecord | undefined {
    return this.#gateways.get(id);
  }

  tag(id: string): TagSummary | undefined {
    return this.#tags.get(id);
  }

  /** All gateways, ordered by id. */
  gateways(): GatewayRecord[] {
    return [...this.#gateways.values()];
  }

  /** All registered tags, ordered by id. */
  tags(): TagSummary[] {
    return [...this.#tags.values()];
  }

  replace(gateways: readonly GatewayRecord[], tags: readonly TagSummary[]): void {
    this.#gateways = new Map(gateways.map((g) => [g.id, Object.freeze(g)]));
    this.#tags = new Map(tags.map((t) => [t.id, Object.freeze(t)]));
  }
}
