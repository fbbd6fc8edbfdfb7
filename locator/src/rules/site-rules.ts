/**
 * The default rules a hospital gets from its floor plan (issue #7 item 1; Rule.origin 'site'): infant protection,
 * elopement, band tamper, equipment at the main exit, blind exits. Kept few on purpose: a flood of false alarms is
 * the second worst thing the console can do, so each rule here watches a subject that should not be where it fires.
 * Everything is derived from the plan's monitored zones, exit doors and portals, so another site gets the same
 * protection for its own exits; a rule whose places the plan lacks is left out rather than made empty.
 *
 * Subject categories follow the registry's conventions (tags.ts: patient category 'infant', 'elopement-risk';
 * equipment classes 'infusion-pump', 'ventilator', …).
 */
import type { Site } from '@rtls/floorplans';
import { pointBoundaryDistance, pointInPolygon } from '@rtls/floorplans';
import { RuleSchema } from '@rtls/protocol';
import type { Position, Rule } from '@rtls/protocol';

/** Equipment worth an alarm at the main entrance: life-support and infusion devices that are stolen or lent out. */
export const HIGH_VALUE_EQUIPMENT = ['infusion-pump', 'ventilator', 'monitor', 'defibrillator'] as const;
/** Rooms that make a restricted zone an infant-security perimeter. */
const INFANT_ROOM_TYPES = new Set(['nursery', 'maternity-room']);
/** A zone "is at" a door when the door's midpoint is within this of it (doors lie on zone edges). */
const AT_DOOR_M = 1.5;

export interface SitePlaces {
  /** Monitored exit zones, all floors. */
  exitZones: string[];
  /** Doors to the outside or marked exit. */
  exitDoors: string[];
  /** RFID portals guarding an exit door. */
  exitPortals: string[];
  /** Exit doors that have a portal. */
  portalDoors: string[];
  /** Exit zones with no exit portal standing in them (only zone-based crossing detection there). */
  exitZonesWithoutPortal: string[];
  /** Restricted monitored zones around nurseries / maternity rooms. */
  infantZones: string[];
  /** Exit zones at a door joining an entrance room to the outside (the main entrance). */
  mainEntranceZones: string[];
}

const midpoint = (line: readonly Position[]): Position => {
  const a = line[0]!;
  const b = line[line.length - 1]!;
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
};

const ringCentre = (ring: readonly Position[]): Position => {
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
};

/** The places the default rules are made of, read from the plan. */
export function sitePlaces(site: Site): SitePlaces {
  const p: SitePlaces = {
    exitZones: [], exitDoors: [], exitPortals: [], portalDoors: [], exitZonesWithoutPortal: [], infantZones: [], mainEntranceZones: [],
  };
  for (const f of site.floors) {
    const exitDoors = f.doors.filter((d) => d.properties.exit === true || d.properties.connects.includes('outside'));
    const exitDoorIds = new Set(exitDoors.map((d) => d.properties.id));
    p.exitDoors.push(...exitDoorIds);
    const portals = f.gateways.filter((g) => g.properties.tech === 'rfid-portal' && g.properties.door !== undefined && exitDoorIds.has(g.properties.door));
    p.exitPortals.push(...portals.map((g) => g.properties.id));
    p.portalDoors.push(...new Set(portals.map((g) => g.properties.door!)));
    const roomType = new Map(f.rooms.map((r) => [r.properties.id, r.properties.zoneType]));
    const entranceDoors = exitDoors.filter((d) => d.properties.connects.includes('outside') && d.properties.connects.some((r) => roomType.get(r) === 'entrance'));
    for (const z of f.zones) {
      if (z.properties.monitored !== true) continue;
      const id = z.properties.id;
      const coords = z.geometry.coordinates;
      if (z.properties.zoneType === 'exit') {
        p.exitZones.push(id);
        if (!portals.some((g) => pointInPolygon(g.geometry.coordinates, coords))) p.exitZonesWithoutPortal.push(id);
        const near = (d: (typeof entranceDoors)[number]) => {
          const m = midpoint(d.geometry.coordinates);
          return pointInPolygon(m, coords) || pointBoundaryDistance(m, coords) <= AT_DOOR_M;
        };
        if (entranceDoors.some(near)) p.mainEntranceZones.push(id);
      } else if (z.properties.zoneType === 'restricted') {
        const infant = f.rooms.some((r) => INFANT_ROOM_TYPES.has(r.properties.zoneType) && pointInPolygon(ringCentre(r.geometry.coordinates[0]!), coords));
        if (infant) p.infantZones.push(id);
      }
    }
  }
  return p;
}

/** The default rules for a site, validated against the contract (defaults filled in). Ids are stable slugs. */
export function siteRules(site: Site, now: number): Rule[] {
  const p = sitePlaces(site);
  const base = { origin: 'site' as const, updatedAt: now, enabled: true, schedule: null, minConfidence: 0 };
  const out: unknown[] = [];
  const escalate = (afterS: number) => ({ afterS, maxLevel: 2 });

  if (p.exitZones.length > 0) {
    // Mother and infant: an infant in front of any exit needs its paired mother (or an authorised escort) at hand.
    out.push({
      ...base, id: 'site-infant-unaccompanied-exit', name: 'Infant at an exit without a companion', severity: 'critical',
      condition: { kind: 'unaccompanied', zones: p.exitZones, radiusM: 5 },
      subjects: { categories: ['infant'] }, autoResolve: false, escalation: escalate(30),
    });
    out.push({
      ...base, id: 'site-elopement-exit-approach', name: 'Elopement-risk patient approaching an exit', severity: 'high',
      condition: { kind: 'exit-approach', zones: p.exitZones },
      subjects: { categories: ['elopement-risk'] }, autoResolve: true, escalation: escalate(60),
    });
  }
  if (p.portalDoors.length > 0 || p.exitZonesWithoutPortal.length > 0) {
    // Portals are certain; exit zones without a portal fall back to "left the zone to no room", which BLE alone
    // can fake (a room-less fix between rooms), so it is used only where no portal watches the door.
    out.push({
      ...base, id: 'site-patient-exit-cross', name: 'Infant or elopement-risk patient crossing an exit', severity: 'critical',
      condition: { kind: 'exit-cross', doors: p.portalDoors, zones: p.exitZonesWithoutPortal },
      subjects: { categories: ['infant', 'elopement-risk'] }, autoResolve: false, escalation: escalate(30),
    });
  }
  if (p.infantZones.length > 0) {
    // Two minutes: long enough that position noise at the perimeter does not fire it, short enough to matter.
    out.push({
      ...base, id: 'site-infant-outside-security-zone', name: 'Infant outside the infant-security zone', severity: 'high',
      condition: { kind: 'outside-too-long', zones: p.infantZones, minutes: 2 },
      subjects: { categories: ['infant'] }, autoResolve: false, escalation: escalate(60),
    });
  }
  out.push({
    ...base, id: 'site-patient-band-tamper', name: 'Patient band cut or tampered with', severity: 'critical',
    condition: { kind: 'tag-flag', flags: ['band-cut', 'tamper'] },
    subjects: { kinds: ['patient'] }, autoResolve: false, escalation: escalate(30),
  });
  out.push({
    ...base, id: 'site-patient-button', name: 'Patient pressed the tag button', severity: 'high',
    condition: { kind: 'tag-flag', flags: ['button'] },
    subjects: { kinds: ['patient'] }, autoResolve: false, escalation: escalate(60),
  });
  out.push({
    // A shielded (foil-wrapped) or destroyed infant tag goes silent rather than raising a flag.
    ...base, id: 'site-infant-silent', name: 'Infant tag silent', severity: 'high',
    condition: { kind: 'tag-silent', minutes: 5 },
    subjects: { categories: ['infant'] }, autoResolve: false, escalation: escalate(60),
  });
  if (p.mainEntranceZones.length > 0) {
    // No home floor is recorded for equipment, so "leaving its floor" cannot be told from a normal transfer; the
    // main entrance is where equipment leaves the building.
    out.push({
      ...base, id: 'site-equipment-main-exit', name: 'High-value equipment at the main entrance', severity: 'medium',
      condition: { kind: 'exit-approach', zones: p.mainEntranceZones },
      subjects: { categories: [...HIGH_VALUE_EQUIPMENT] }, autoResolve: true, escalation: null,
    });
  }
  out.push({
    ...base, id: 'site-low-battery', name: 'Tag battery low', severity: 'low',
    condition: { kind: 'low-battery', percent: 15 },
    subjects: {}, autoResolve: true, escalation: null,
  });
  if (p.exitPortals.length > 0 || p.exitZones.length > 0) {
    // A protected exit is blind while its portal (or a gateway in its zone) is down; 60 s rides out a reconnect.
    out.push({
      ...base, id: 'site-exit-gateway-offline', name: 'Gateway guarding an exit offline', severity: 'high',
      condition: { kind: 'gateway-offline', gateways: p.exitPortals, zones: p.exitZones, seconds: 60 },
      autoResolve: true, escalation: escalate(120),
    });
  }
  return out.map((r) => RuleSchema.parse(r));
}
