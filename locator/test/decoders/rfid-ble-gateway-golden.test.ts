import { describe, expect, it } from 'vitest';
import { DECODERS, GOLDEN_NAMES, expectContract, loadGolden } from './rfid-ble-gateway-kit.ts';

// Each expected file was derived by hand from the sample and the format facts (see its "note"), not from a run.
describe('Zebra / Impinj / Minew / MOKO decoders: golden samples', () => {
  for (const name of GOLDEN_NAMES) {
    it(`${name} decodes to its hand-derived result`, () => {
      const g = loadGolden(name);
      expect(g.context.topic).toBe(g.topic);
      const decode = DECODERS[g.decoder];
      expect(decode, `decoder ${g.decoder}`).toBeDefined();
      const r = decode!(g.payload, g.context);
      expectContract(r);
      expect(r).toStrictEqual(g.result);
    });
  }

  it('a golden sample given to another of these decoders is rejected or skipped, never misread as reads of its own', () => {
    for (const name of GOLDEN_NAMES) {
      const g = loadGolden(name);
      for (const [format, decode] of Object.entries(DECODERS)) {
        if (format === g.decoder) continue;
        const r = decode(g.payload, g.context);
        expectContract(r);
        if (r.kind === 'reads') expect(r.reads, `${name} through ${format}`).toEqual([]);
      }
    }
  });
});
