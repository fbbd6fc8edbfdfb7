import { describe, expect, it } from 'vitest';
import { DEFAULT_RADIO } from '@rtls/gateway-firmware-sim';
import { fisherXY, invert, linkSigmaDb } from '../accuracy/crlb.ts';
import { type BoundSetting, ScenarioBound } from '../accuracy/scenario-bound.ts';

const gw = (id: string, x: number, y: number, floor = 'f1') => ({ id, floor, x, y, mountHeightM: 2.8 });

function setting(o: Partial<BoundSetting> = {}): BoundSetting {
  return {
    radio: DEFAULT_RADIO,
    receiveProbability: () => 1,
    advIntervalS: 1,
    gateways: [gw('a', 0, 0), gw('b', 10, 0), gw('c', 0, 10), gw('d', 10, 10), gw('up', 5, 5, 'f2'), gw('far', 80, 5)],
    wallLossDb: () => 0,
    gatewayOffsetDb: () => 0,
    calibrated: true,
    outages: [],
    ...o,
  };
}

const centre = { t: 0, floor: 'f1', x: 5, y: 5, txOffsetDb: 0, stillForS: null };

describe('scenario bound', () => {
  it('counts the own floor\'s gateways in range, with the σ of a one-advertisement snapshot', () => {
    const b = new ScenarioBound(setting());
    const links = b.links(centre);
    expect(links).toHaveLength(4);
    const sigma = linkSigmaDb({ shadowSigmaDb: 4, shadowCorrelationS: 30, fadingSigmaDb: 2.5, offsetSigmaDb: 0, packets: 1, windowS: 1 });
    for (const l of links) expect(l.sigmaDb).toBeCloseTo(sigma, 12);
    const cov = b.covariance(centre)!;
    expect(cov.xx).toBeCloseTo(invert(fisherXY(links, DEFAULT_RADIO.pathLossExponent, 1 / Math.sqrt(12)))!.xx, 12);
  });

  it('tightens as a parked tag keeps standing, down to the uncalibrated offsets', () => {
    const uncal = new ScenarioBound(setting({ calibrated: false }));
    const snap = uncal.covariance(centre)!.xx;
    const minute = uncal.covariance({ ...centre, stillForS: 60 })!.xx;
    const hours = uncal.covariance({ ...centre, stillForS: 7200 })!.xx;
    expect(minute).toBeLessThan(snap);
    expect(hours).toBeLessThan(minute);
    const cal = new ScenarioBound(setting({ calibrated: true }));
    expect(cal.covariance({ ...centre, stillForS: 7200 })!.xx).toBeLessThan(hours);
  });

  it('leaves out gateways during their outage only', () => {
    const b = new ScenarioBound(setting({ outages: [{ gateway: 'a', from: 1000, to: 2000 }] }));
    expect(b.links({ ...centre, t: 1500 })).toHaveLength(3);
    expect(b.links({ ...centre, t: 2000 })).toHaveLength(4);
  });

  it('leaves out links the simulator would never hear', () => {
    const walls = new ScenarioBound(setting({ wallLossDb: (_f, _ax, _ay, bx) => (bx === 10 ? 60 : 0) }));
    expect(walls.links(centre)).toHaveLength(2);
  });

  it('names the strongest gateway, offsets included', () => {
    const near = { ...centre, x: 1, y: 1 };
    expect(new ScenarioBound(setting()).strongest(near)).toBe('a');
    expect(new ScenarioBound(setting({ gatewayOffsetDb: (id) => (id === 'b' ? 30 : 0) })).strongest(near)).toBe('b');
  });
});
