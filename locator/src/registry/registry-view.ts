import type { TagSummary } from '@rtls/protocol';
import type { GatewayRecord, RegistryView } from '../contracts.ts';
import type { PathLoss } from '../positioning/locate-ble.ts';
import { DEFAULT_PIPELINE_OPTIONS } from '../pipeline.ts';

/** A reference tag's surveyed position (issue #3 item 2), floor-local metres. */
export interface ReferencePosition {
  floor: string;
  x: number;
  y: number;
}

/** Calibration tables as the pipeline reads them (see Registry.refreshIfChanged). */
export interface CalibrationView {
  /** Gateway receive offsets in effect (manual overrides win over learned values), dB. */
  gatewayOffsets: ReadonlyMap<string, number>;
  /** Tag-model transmit offsets, dB. */
  tagModelOffsets: ReadonlyMap<string, number>;
  referenceTags: ReadonlyMap<string, ReferencePosition>;
  /** The site's path-loss parameters, or the defaults when the site has none. */
  pathLoss: PathLoss;
}

/**
 * The registry as the pipeline sees it: plain in-memory maps, so the per-read hot path never touches SQLite.
 * The maps are swapped whole when the registry changes (see Registry.refreshIfChanged); the object itself stays
 * the same, so the pipeline can keep its reference.
 */
export class CachedRegistryView implements RegistryView {
  #gateways = new Map<string, GatewayRecord>();
  #tags = new Map<string, TagSummary>();
  #calibration: CalibrationView;
  #revision = 0;

  /** `defaultPathLoss`: what pathLoss() gives until the site stores its own (the service passes its config). */
  constructor(defaultPathLoss: PathLoss = DEFAULT_PIPELINE_OPTIONS.pathLoss) {
    this.#calibration = {
      gatewayOffsets: new Map(), tagModelOffsets: new Map(), referenceTags: new Map(),
      pathLoss: Object.freeze({ ...defaultPathLoss }),
    };
  }

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

  /** Receive offset to subtract from this gateway's RSSI, dB; 0 when it has no calibration. */
  gatewayOffsetDb(id: string): number {
    return this.#calibration.gatewayOffsets.get(id) ?? 0;
  }

  /** Transmit offset to add to the RSSI at 1 m of tags of this model (registry category), dB; 0 when unknown. */
  tagModelOffsetDb(model: string): number {
    return this.#calibration.tagModelOffsets.get(model) ?? 0;
  }

  /** The surveyed position of a reference tag, or undefined when the tag is not one. */
  referenceTag(id: string): ReferencePosition | undefined {
    return this.#calibration.referenceTags.get(id);
  }

  /** The site's log-distance parameters (defaults when the site has none stored). */
  pathLoss(): PathLoss {
    return this.#calibration.pathLoss;
  }

  /** Bumped by every replace(), so the pipeline knows when to rebuild its topic index. */
  revision(): number {
    return this.#revision;
  }

  replace(gateways: readonly GatewayRecord[], tags: readonly TagSummary[], calibration?: CalibrationView): void {
    this.#revision++;
    this.#gateways = new Map(gateways.map((g) => [g.id, Object.freeze(g)]));
    this.#tags = new Map(tags.map((t) => [t.id, Object.freeze(t)]));
    if (calibration) {
      this.#calibration = {
        gatewayOffsets: new Map(calibration.gatewayOffsets),
        tagModelOffsets: new Map(calibration.tagModelOffsets),
        referenceTags: new Map([...calibration.referenceTags].map(([k, v]) => [k, Object.freeze({ ...v })])),
        pathLoss: Object.freeze({ ...calibration.pathLoss }),
      };
    }
  }
}
