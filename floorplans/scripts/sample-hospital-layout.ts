import type { FloorPlan, SiteFile, ZoneType } from '@rtls/protocol';
import { FloorBuilder, type RowItem } from './plan-builder.ts';

/**
 * The sample hospital: a 120 m x 51.2 m two-storey block on a "hospital street" plan. Both floors share the
 * structural grid: an east-west main corridor (the hospital street) across the middle, a service/ward corridor
 * along the north, department corridors along the south, short north-south link corridors between them, and the
 * stair cores at both ends of the street and the bed lift in the middle, so stairs and lift sit at the same x/y on
 * both floors.
 *
 * Bands across the building (y, metres):
 *   S1 0-7 rooms on the south facade | SC 7-9.8 department corridors | S2 9.8-17 rooms | S3 17-24 rooms on the street
 *   HS 24-27.2 hospital street | N3 27.2-34.2 rooms on the street | N2 34.2-41.4 rooms | NC 41.4-44.2 north corridor
 *   N1 44.2-51.2 rooms on the north facade
 */

export const WIDTH = 120;
export const DEPTH = 51.2;
const S1: [number, number] = [0, 7];
const SC: [number, number] = [7, 9.8];
const S2: [number, number] = [9.8, 17];
const S3: [number, number] = [17, 24];
const HS: [number, number] = [24, 27.2];
const N3: [number, number] = [27.2, 34.2];
const N2: [number, number] = [34.2, 41.4];
const NC: [number, number] = [41.4, 44.2];
const N1: [number, number] = [44.2, 51.2];
const SPUR_W: [number, number] = [30, 32.8];
const SPUR_E: [number, number] = [86, 88.8];

const LEAD = { attenuationDb: 20, material: 'lead-lined plasterboard' };

function items(prefix: string, name: string, zoneType: ZoneType, from: number, count: number, w?: number): RowItem[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}-${from + i}`, name: `${name} ${from + i}`, zoneType, ...(w !== undefined ? { w } : {}),
  }));
}

/** Corridors, stairs and lift common to both floors. */
function skeleton(b: FloorBuilder, names: { nc: string; spurW: string; spurE: string; unitW?: string; unitE?: string }, wardDoors: boolean): void {
  b.room('hs', 'Hospital street (main corridor)', 'corridor', { x0: 0, x1: WIDTH, y0: HS[0], y1: HS[1] });
  b.room('nc', names.nc, 'corridor', { x0: 0, x1: WIDTH, y0: NC[0], y1: NC[1] });
  const spurW = names.unitW !== undefined ? { unit: names.unitW } : {};
  const spurE = names.unitE !== undefined ? { unit: names.unitE } : {};
  b.room('spur-nw', names.spurW, 'corridor', { x0: SPUR_W[0], x1: SPUR_W[1], y0: N3[0], y1: N2[1] }, spurW);
  b.room('spur-ne', names.spurE, 'corridor', { x0: SPUR_E[0], x1: SPUR_E[1], y0: N3[0], y1: N2[1] }, spurE);
  for (const spur of ['spur-nw', 'spur-ne']) {
    // Ward entrances have double doors (a bed and escort pass); on the ground floor the links are open.
    if (wardDoors) b.door(spur, 'hs', { width: 2.4 });
    else b.opening(spur, 'hs');
    b.opening(spur, 'nc');
  }
  b.room('stairs-w', 'West stairwell', 'stairs', { x0: 0, x1: 6, y0: N3[0], y1: N3[1] });
  b.room('stairs-e', 'East stairwell', 'stairs', { x0: WIDTH - 6, x1: WIDTH, y0: N3[0], y1: N3[1] });
  b.room('lift', 'Bed lift', 'elevator', { x0: 58.4, x1: 61.6, y0: N3[0], y1: N3[0] + 3.6 });
  b.door('lift', 'hs');
}

function ground(): FloorPlan {
  const b = new FloorBuilder('L0', WIDTH, DEPTH);
  skeleton(b, { nc: 'North service corridor', spurW: 'West link corridor', spurE: 'East link corridor' }, false);
  b.door('stairs-w', 'hs');
  b.door('stairs-e', 'hs');

  // Emergency department (south-west): bays along the south facade, support rooms opposite, waiting on the street.
  b.room('ed-corr', 'Emergency department corridor', 'corridor', { x0: 0, x1: 52, y0: SC[0], y1: SC[1] }, { unit: 'ed' });
  b.room('ed-entry', 'ED entrance corridor', 'corridor', { x0: SPUR_W[0], x1: SPUR_W[1], y0: S2[0], y1: S3[1] }, { unit: 'ed' });
  b.opening('ed-entry', 'ed-corr');
  b.door('ed-entry', 'hs', { id: 'door-ed-entrance', width: 2.4 });
  b.row({
    axis: 'x', from: 0, to: 52, band: S1, facing: 'high', corridor: 'ed-corr', unit: 'ed',
    items: [
      ...items('ed-bay', 'ED bay', 'emergency', 1, 10, 4),
      { key: 'ed-resus-1', name: 'Resuscitation room 1', zoneType: 'emergency', w: 6 },
      { key: 'ed-resus-2', name: 'Resuscitation room 2', zoneType: 'emergency', w: 6 },
    ],
  });
  b.row({
    axis: 'x', from: 0, to: SPUR_W[0], band: S2, facing: 'low', corridor: 'ed-corr', unit: 'ed',
    items: [
      { key: 'ed-ambulance', name: 'Ambulance entrance', zoneType: 'entrance', w: 6, doorWidth: 2.4 },
      { key: 'ed-station', name: 'ED nurse station', zoneType: 'nurse-station', w: 8 },
      { key: 'ed-xray', name: 'ED X-ray room', zoneType: 'other', w: 6, wall: LEAD },
      { key: 'ed-clean', name: 'ED clean utility', zoneType: 'clean-utility', w: 5 },
      { key: 'ed-soiled', name: 'ED soiled utility', zoneType: 'soiled-utility', w: 5 },
    ],
  });
  b.exteriorDoor('ed-ambulance', 'W', { width: 2.4 });
  b.row({
    axis: 'x', from: SPUR_W[1], to: 52, band: S2, facing: 'low', corridor: 'ed-corr', unit: 'ed',
    items: [...items('ed-bay', 'ED bay', 'emergency', 11, 3, 4.4), { key: 'ed-equip', name: 'ED equipment store', zoneType: 'equipment-storage', w: 6 }],
  });
  b.row({
    axis: 'x', from: 0, to: SPUR_W[0], band: S3, facing: 'high', corridor: 'hs', unit: 'ed',
    items: [
      { key: 'ed-office', name: "ED consultants' office", zoneType: 'office', w: 6 },
      { key: 'ed-triage', name: 'Triage room', zoneType: 'emergency', w: 8, doorTo: null },
      { key: 'ed-waiting', name: 'ED waiting room', zoneType: 'waiting', w: 16, doorWidth: 1.8 },
    ],
  });
  b.door('ed-triage', 'ed-waiting');
  b.door('ed-waiting', 'ed-entry', { id: 'door-ed-waiting-entry', width: 1.6 });
  b.row({
    axis: 'x', from: SPUR_W[1], to: 52, band: S3, facing: 'high', corridor: 'hs', unit: 'biomed',
    items: [
      { key: 'biomed', name: 'Biomedical engineering workshop', zoneType: 'biomed-workshop', w: 9.2 },
      { key: 'equip-library', name: 'Equipment library', zoneType: 'equipment-storage', w: 10 },
    ],
  });

  // Main entrance hall: full depth of the south half, double height (the first floor has a void above it).
  b.room('lobby', 'Main entrance hall', 'entrance', { x0: 52, x1: 64, y0: 0, y1: HS[0] });
  const mainDoor = b.exteriorDoor('lobby', 'S', { id: 'door-main-entrance', width: 3, exit: true });
  b.door('lobby', 'hs', { width: 6 });
  b.exitZone('exit-main', 'Main entrance exit zone', mainDoor, 'lobby');
  b.portal('main', mainDoor, 'lobby');

  // Operating suite (south-east): three theatres with a shared scrub room, recovery and holding on the south facade;
  // sterile store and support rooms opposite; entered only through the suite entrance from the street.
  b.room('or-corr', 'Theatre corridor (clean)', 'corridor', { x0: 64, x1: WIDTH, y0: SC[0], y1: SC[1] }, { unit: 'theatres' });
  b.room('or-entry', 'Theatre suite entrance', 'corridor', { x0: SPUR_E[0], x1: SPUR_E[1], y0: S2[0], y1: S3[1] }, { unit: 'theatres' });
  b.opening('or-entry', 'or-corr');
  const orDoor = b.door('or-entry', 'hs', { id: 'door-or-suite', width: 2.4 });
  b.row({
    axis: 'x', from: 64, to: WIDTH, band: S1, facing: 'high', corridor: 'or-corr', unit: 'theatres',
    items: [
      { key: 'or-1', name: 'Theatre 1', zoneType: 'operating-room', w: 8 },
      { key: 'or-2', name: 'Theatre 2', zoneType: 'operating-room', w: 8 },
      { key: 'or-scrub', name: 'Scrub room', zoneType: 'other', w: 4 },
      { key: 'or-3', name: 'Theatre 3', zoneType: 'operating-room', w: 8 },
      { key: 'or-recovery', name: 'Recovery (PACU)', zoneType: 'other', w: 14 },
      { key: 'or-holding', name: 'Pre-operative holding', zoneType: 'waiting', w: 14 },
    ],
  });
  b.door('or-scrub', 'or-2', { id: 'door-or-scrub-or-2' });
  b.door('or-scrub', 'or-3', { id: 'door-or-scrub-or-3' });
  b.row({
    axis: 'x', from: 64, to: SPUR_E[0], band: S2, facing: 'low', corridor: 'or-corr', unit: 'theatres',
    items: [
      { key: 'or-sterile', name: 'Sterile store', zoneType: 'sterile-store', w: 10 },
      { key: 'or-disposal', name: 'Theatre disposal hold', zoneType: 'soiled-utility', w: 5 },
      { key: 'or-anaes-store', name: 'Anaesthetic equipment store', zoneType: 'equipment-storage', w: 7 },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_E[1], to: WIDTH, band: S2, facing: 'low', corridor: 'or-corr', unit: 'theatres',
    items: [
      { key: 'or-control', name: "Theatre coordinator's desk", zoneType: 'nurse-station', w: 7.2 },
      { key: 'or-staff', name: 'Theatre staff base', zoneType: 'office', w: 10 },
      { key: 'or-change', name: 'Theatre changing room', zoneType: 'other', w: 7 },
      { key: 'or-clean', name: 'Theatre clean utility', zoneType: 'clean-utility', w: 7 },
    ],
  });
  b.row({
    axis: 'x', from: 64, to: SPUR_E[0], band: S3, facing: 'high', corridor: 'hs',
    items: [
      { key: 'pharmacy', name: 'Pharmacy', zoneType: 'pharmacy', w: 12, unit: 'pharmacy' },
      { key: 'ds-reception', name: 'Day surgery reception', zoneType: 'waiting', w: 10, unit: 'theatres' },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_E[1], to: WIDTH, band: S3, facing: 'high', corridor: 'hs', unit: 'facilities',
    items: [
      { key: 'clean-utility', name: 'Clean utility', zoneType: 'clean-utility', w: 6.2 },
      { key: 'soiled-utility', name: 'Soiled utility', zoneType: 'soiled-utility', w: 6 },
      { key: 'equip-store', name: 'Equipment store', zoneType: 'equipment-storage', w: 9 },
      { key: 'helpdesk', name: 'Estates help desk', zoneType: 'office', w: 10 },
    ],
  });
  b.unitZone('or-restricted', 'Operating suite (restricted)', 'restricted', [
    'or-corr', 'or-entry', 'or-1', 'or-2', 'or-scrub', 'or-3', 'or-recovery', 'or-holding',
    'or-sterile', 'or-disposal', 'or-anaes-store', 'or-control', 'or-staff', 'or-change', 'or-clean',
  ], true);
  b.portal('or', orDoor, 'or-entry');
  b.cabinet('sterile', 'or-sterile').cabinet('or1', 'or-1').cabinet('or2', 'or-2').cabinet('or3', 'or-3');

  // North of the street: imaging, outpatients, public amenities, administration.
  b.row({
    axis: 'x', from: 6, to: SPUR_W[0], band: N3, facing: 'low', corridor: 'hs', unit: 'imaging',
    items: [
      { key: 'xray-1', name: 'X-ray room 1', zoneType: 'other', w: 6, wall: LEAD },
      { key: 'xray-2', name: 'X-ray room 2', zoneType: 'other', w: 6, wall: LEAD },
      { key: 'imaging-report', name: 'Imaging reporting room', zoneType: 'office', w: 6 },
      { key: 'imaging-wait', name: 'Imaging waiting', zoneType: 'waiting', w: 6 },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_W[1], to: 58.4, band: N3, facing: 'low', corridor: 'hs', unit: 'outpatients',
    items: [
      { key: 'opd-wait', name: 'Outpatients waiting', zoneType: 'waiting', w: 7.6 },
      ...items('opd', 'Clinic room', 'other', 1, 3, 6),
    ],
  });
  b.row({
    axis: 'x', from: 61.6, to: SPUR_E[0], band: N3, facing: 'low', corridor: 'hs',
    items: [
      { key: 'cafe', name: 'Café', zoneType: 'other', w: 12.4 },
      { key: 'shop', name: 'Shop', zoneType: 'other', w: 6 },
      { key: 'faith', name: 'Multi-faith room', zoneType: 'other', w: 6 },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_E[1], to: WIDTH - 6, band: N3, facing: 'low', corridor: 'hs', unit: 'admin',
    items: [
      { key: 'admin', name: 'Administration', zoneType: 'office', w: 8.4 },
      { key: 'patient-services', name: 'Patient services', zoneType: 'office', w: 8.4 },
      { key: 'it-room', name: 'IT / communications room', zoneType: 'other', w: 8.4 },
    ],
  });

  // Service corridor (north): stores, kitchen, decontamination, and the receiving dock on the north facade.
  b.row({
    axis: 'x', from: 0, to: SPUR_W[0], band: N2, facing: 'high', corridor: 'nc', unit: 'facilities',
    items: [
      { key: 'linen', name: 'Clean linen store', zoneType: 'clean-utility', w: 8 },
      { key: 'waste-hold', name: 'Waste hold', zoneType: 'soiled-utility', w: 6 },
      { key: 'records', name: 'Medical records', zoneType: 'office', w: 16 },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_W[1], to: SPUR_E[0], band: N2, facing: 'high', corridor: 'nc', unit: 'facilities',
    items: [
      { key: 'kitchen', name: 'Kitchen', zoneType: 'other', w: 13.2 },
      { key: 'restaurant', name: 'Staff restaurant', zoneType: 'other', w: 14 },
      { key: 'pharmacy-store', name: 'Pharmacy store', zoneType: 'pharmacy', w: 8, unit: 'pharmacy' },
      { key: 'ssd', name: 'Sterile services (decontamination)', zoneType: 'other', w: 10, unit: 'theatres' },
      { key: 'bed-store', name: 'Bed and mattress store', zoneType: 'equipment-storage', w: 8 },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_E[1], to: WIDTH, band: N2, facing: 'high', corridor: 'nc', unit: 'facilities',
    items: [
      { key: 'central-stores', name: 'Central stores', zoneType: 'equipment-storage', w: 12 },
      { key: 'plant', name: 'Plant room', zoneType: 'other', w: 9.2 },
      { key: 'estates-workshop', name: 'Estates workshop', zoneType: 'other', w: 10 },
    ],
  });
  b.row({
    axis: 'x', from: 0, to: WIDTH, band: N1, facing: 'low', corridor: 'nc', unit: 'facilities',
    items: [
      { key: 'bulk-store', name: 'Bulk store', zoneType: 'equipment-storage', w: 12 },
      { key: 'estates-office', name: 'Estates office', zoneType: 'office', w: 8 },
      { key: 'linen-return', name: 'Linen return', zoneType: 'soiled-utility', w: 10 },
      { key: 'medgas', name: 'Medical gas store', zoneType: 'other', w: 6 },
      { key: 'change-m', name: 'Staff changing (M)', zoneType: 'other', w: 10 },
      { key: 'change-f', name: 'Staff changing (F)', zoneType: 'other', w: 10 },
      { key: 'training', name: 'Training room', zoneType: 'office', w: 14 },
      { key: 'materials', name: 'Materials store', zoneType: 'equipment-storage', w: 14 },
      { key: 'dock', name: 'Receiving dock', zoneType: 'receiving-dock', w: 16, doorWidth: 2.4 },
      { key: 'dock-office', name: 'Dock office', zoneType: 'office', w: 8 },
      { key: 'clinical-waste', name: 'Clinical waste store', zoneType: 'soiled-utility', w: 12 },
    ],
  });
  const dockDoor = b.exteriorDoor('dock', 'N', { width: 3 });
  b.portal('dock', dockDoor, 'dock');
  b.door('dock', 'materials', { id: 'door-dock-materials' });

  // Monitored exits on the ground floor: main entrance (above), the stair cores' fire exits, the service corridor.
  const ncExit = b.exteriorDoor('nc', 'W', { id: 'door-nc-exit', width: 1.8, exit: true });
  b.exitZone('exit-nc', 'Service corridor exit zone', ncExit, 'nc').portal('nc-exit', ncExit, 'nc');
  const swExit = b.exteriorDoor('stairs-w', 'W', { exit: true });
  b.exitZone('exit-stairs-w', 'West stair exit zone', swExit, 'stairs-w').portal('stairs-w', swExit, 'stairs-w');
  const seExit = b.exteriorDoor('stairs-e', 'E', { exit: true });
  b.exitZone('exit-stairs-e', 'East stair exit zone', seExit, 'stairs-e').portal('stairs-e', seExit, 'stairs-e');

  return b.build();
}

function first(): FloorPlan {
  const b = new FloorBuilder('L1', WIDTH, DEPTH);
  skeleton(b, { nc: 'Ward corridor', spurW: 'Ward 1A entrance', spurE: 'Ward 1B entrance', unitW: 'ward-1a', unitE: 'ward-1b' }, true);

  // Intensive care unit (south-west): 14 bays around a central station.
  b.room('icu-corr', 'ICU corridor', 'corridor', { x0: 0, x1: 52, y0: SC[0], y1: SC[1] }, { unit: 'icu' });
  b.room('icu-entry', 'ICU entrance corridor', 'corridor', { x0: SPUR_W[0], x1: SPUR_W[1], y0: S2[0], y1: S3[1] }, { unit: 'icu' });
  b.opening('icu-entry', 'icu-corr');
  b.door('icu-entry', 'hs', { id: 'door-icu-entrance', width: 2.4 });
  b.row({
    axis: 'x', from: 0, to: 52, band: S1, facing: 'high', corridor: 'icu-corr', unit: 'icu',
    items: [...items('icu-bay', 'ICU bay', 'icu-bay', 1, 12, 3.8), { key: 'icu-equip', name: 'ICU equipment store', zoneType: 'equipment-storage', w: 6.4 }],
  });
  b.row({
    axis: 'x', from: 0, to: SPUR_W[0], band: S2, facing: 'low', corridor: 'icu-corr', unit: 'icu',
    items: [
      { key: 'icu-clean', name: 'ICU clean utility', zoneType: 'clean-utility', w: 6 },
      { key: 'icu-soiled', name: 'ICU soiled utility', zoneType: 'soiled-utility', w: 5 },
      { key: 'icu-station', name: 'ICU central station', zoneType: 'nurse-station', w: 10 },
      { key: 'icu-drug', name: 'ICU drug room', zoneType: 'pharmacy', w: 4 },
      { key: 'icu-consumables', name: 'ICU consumables store', zoneType: 'clean-utility', w: 5 },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_W[1], to: 52, band: S2, facing: 'low', corridor: 'icu-corr', unit: 'icu',
    items: [
      { key: 'icu-doctors', name: "ICU doctors' office", zoneType: 'office', w: 6 },
      { key: 'icu-staff', name: 'ICU staff room', zoneType: 'other', w: 5.2 },
      { key: 'icu-bay-13', name: 'ICU isolation bay 13', zoneType: 'icu-bay', w: 4 },
      { key: 'icu-bay-14', name: 'ICU isolation bay 14', zoneType: 'icu-bay', w: 4 },
    ],
  });
  b.row({
    axis: 'x', from: 0, to: SPUR_W[0], band: S3, facing: 'high', corridor: 'hs', unit: 'icu',
    items: [
      { key: 'icu-relatives', name: "ICU relatives' room", zoneType: 'waiting', w: 10 },
      { key: 'icu-quiet', name: 'Quiet room', zoneType: 'other', w: 6 },
      { key: 'icu-seminar', name: 'ICU seminar room', zoneType: 'office', w: 14 },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_W[1], to: 52, band: S3, facing: 'high', corridor: 'hs',
    items: [
      { key: 'bed-management', name: 'Bed management', zoneType: 'office', w: 9.2 },
      { key: 'staff-change', name: 'Staff changing', zoneType: 'other', w: 10 },
    ],
  });
  // x 52-64 of the south half is the void over the main entrance hall.

  // Maternity (south-east): rooms and delivery rooms on the facade, nursery next to the midwives' station.
  b.room('mat-corr', 'Maternity corridor', 'corridor', { x0: 64, x1: WIDTH, y0: SC[0], y1: SC[1] }, { unit: 'maternity' });
  b.room('mat-entry', 'Maternity entrance', 'corridor', { x0: SPUR_E[0], x1: SPUR_E[1], y0: S2[0], y1: S3[1] }, { unit: 'maternity' });
  b.opening('mat-entry', 'mat-corr');
  const matDoor = b.door('mat-entry', 'hs', { id: 'door-maternity-entrance', width: 2.4, exit: true });
  b.row({
    axis: 'x', from: 64, to: WIDTH, band: S1, facing: 'high', corridor: 'mat-corr', unit: 'maternity',
    items: [...items('mat-room', 'Maternity room', 'maternity-room', 1, 8, 4), ...items('delivery', 'Delivery room', 'delivery-room', 1, 3, 8)],
  });
  b.row({
    axis: 'x', from: 64, to: SPUR_E[0], band: S2, facing: 'low', corridor: 'mat-corr', unit: 'maternity',
    items: [
      { key: 'nursery', name: 'Nursery', zoneType: 'nursery', w: 8 },
      { key: 'mat-station', name: "Midwives' station", zoneType: 'nurse-station', w: 6 },
      { key: 'mat-clean', name: 'Maternity clean utility', zoneType: 'clean-utility', w: 4 },
      { key: 'mat-soiled', name: 'Maternity soiled utility', zoneType: 'soiled-utility', w: 4 },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_E[1], to: WIDTH, band: S2, facing: 'low', corridor: 'mat-corr', unit: 'maternity',
    items: [...items('mat-room', 'Maternity room', 'maternity-room', 9, 6, 4), { key: 'mat-equip', name: 'Maternity equipment store', zoneType: 'equipment-storage', w: 7.2 }],
  });
  b.row({
    axis: 'x', from: 64, to: SPUR_E[0], band: S3, facing: 'high', corridor: 'hs', unit: 'maternity',
    items: [
      { key: 'antenatal', name: 'Antenatal clinic', zoneType: 'other', w: 12 },
      { key: 'mat-waiting', name: 'Maternity waiting room', zoneType: 'waiting', w: 10 },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_E[1], to: WIDTH, band: S3, facing: 'high', corridor: 'hs',
    items: [
      { key: 'parent-education', name: 'Parent education room', zoneType: 'office', w: 10, unit: 'maternity' },
      { key: 'chaplaincy', name: 'Chaplaincy', zoneType: 'office', w: 9.2 },
      { key: 'meeting', name: 'Meeting room', zoneType: 'office', w: 12 },
    ],
  });
  b.unitZone('infant-security', 'Maternity infant-security zone', 'restricted', [
    'mat-corr', 'mat-entry', ...Array.from({ length: 14 }, (_, i) => `mat-room-${i + 1}`), 'delivery-1', 'delivery-2',
    'delivery-3', 'nursery', 'mat-station', 'mat-clean', 'mat-soiled', 'mat-equip',
  ], true);
  b.exitZone('exit-maternity', 'Maternity entrance exit zone', matDoor, 'mat-entry').portal('maternity', matDoor, 'mat-entry');
  b.portal('nursery', b.id('door-nursery'), 'nursery');

  // North of the street: ward day rooms and offices, relatives' lounge, satellite pharmacy.
  b.row({
    axis: 'x', from: 6, to: SPUR_W[0], band: N3, facing: 'low', corridor: 'hs', unit: 'ward-1a',
    items: [
      { key: 'w1a-dayroom', name: 'Ward 1A day room', zoneType: 'waiting', w: 12 },
      { key: 'w1a-office', name: "Ward 1A manager's office", zoneType: 'office', w: 6 },
      { key: 'w1a-seminar', name: 'Ward 1A seminar room', zoneType: 'office', w: 6 },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_W[1], to: 58.4, band: N3, facing: 'low', corridor: 'hs',
    items: [
      { key: 'physio', name: 'Physiotherapy gym', zoneType: 'other', w: 12 },
      { key: 'l1-meeting', name: 'Meeting room', zoneType: 'office', w: 7.6 },
      { key: 'l1-staff', name: 'Staff room', zoneType: 'other', w: 6 },
    ],
  });
  b.row({
    axis: 'x', from: 61.6, to: SPUR_E[0], band: N3, facing: 'low', corridor: 'hs',
    items: [
      { key: 'relatives', name: "Relatives' lounge", zoneType: 'waiting', w: 12.4 },
      { key: 'w1b-dayroom', name: 'Ward 1B day room', zoneType: 'waiting', w: 12, unit: 'ward-1b' },
    ],
  });
  b.row({
    axis: 'x', from: SPUR_E[1], to: WIDTH - 6, band: N3, facing: 'low', corridor: 'hs',
    items: [
      { key: 'w1b-office', name: "Ward 1B manager's office", zoneType: 'office', w: 6, unit: 'ward-1b' },
      { key: 'w1b-seminar', name: 'Ward 1B seminar room', zoneType: 'office', w: 7.2, unit: 'ward-1b' },
      { key: 'pharmacy-satellite', name: 'Satellite pharmacy', zoneType: 'pharmacy', w: 12, unit: 'pharmacy' },
    ],
  });

  // General wards 1A (west) and 1B (east) on the ward corridor: single rooms on the north facade and opposite.
  b.row({
    axis: 'x', from: 0, to: SPUR_W[0], band: N2, facing: 'high', corridor: 'nc', unit: 'ward-1a',
    items: [
      { key: 'w1a-clean', name: 'Ward 1A clean utility', zoneType: 'clean-utility', w: 5 },
      { key: 'w1a-soiled', name: 'Ward 1A soiled utility', zoneType: 'soiled-utility', w: 5 },
      { key: 'w1a-station', name: 'Ward 1A nurse station', zoneType: 'nurse-station', w: 8 },
      { key: 'w1a-equip', name: 'Ward 1A equipment store', zoneType: 'equipment-storage', w: 6 },
      { key: 'w1a-bath', name: 'Ward 1A assisted bathroom', zoneType: 'other', w: 6 },
    ],
  });
  b.row({ axis: 'x', from: SPUR_W[1], to: 58.4, band: N2, facing: 'high', corridor: 'nc', unit: 'ward-1a', items: items('w1a-room', 'Ward 1A room', 'patient-room', 13, 6) });
  b.row({ axis: 'x', from: 58.4, to: SPUR_E[0], band: N2, facing: 'high', corridor: 'nc', unit: 'ward-1b', items: items('w1b-room', 'Ward 1B room', 'patient-room', 14, 6, 4.6) });
  b.row({
    axis: 'x', from: SPUR_E[1], to: WIDTH, band: N2, facing: 'high', corridor: 'nc', unit: 'ward-1b',
    items: [
      { key: 'w1b-station', name: 'Ward 1B nurse station', zoneType: 'nurse-station', w: 8 },
      { key: 'w1b-clean', name: 'Ward 1B clean utility', zoneType: 'clean-utility', w: 5 },
      { key: 'w1b-soiled', name: 'Ward 1B soiled utility', zoneType: 'soiled-utility', w: 5 },
      { key: 'w1b-equip', name: 'Ward 1B equipment store', zoneType: 'equipment-storage', w: 6 },
      { key: 'w1b-bath', name: 'Ward 1B assisted bathroom', zoneType: 'other', w: 7.2 },
    ],
  });
  b.row({ axis: 'x', from: 0, to: 57.6, band: N1, facing: 'low', corridor: 'nc', unit: 'ward-1a', items: items('w1a-room', 'Ward 1A room', 'patient-room', 1, 12, 4.8) });
  b.row({ axis: 'x', from: 57.6, to: WIDTH, band: N1, facing: 'low', corridor: 'nc', unit: 'ward-1b', items: items('w1b-room', 'Ward 1B room', 'patient-room', 1, 13, 4.8) });

  // Upstairs the stair doors are the monitored exits (a patient leaving the floor goes through them).
  const sw = b.door('stairs-w', 'hs', { exit: true });
  b.exitZone('exit-stairs-w', 'West stair exit zone', sw, 'hs').portal('stairs-w', sw, 'hs');
  const se = b.door('stairs-e', 'hs', { exit: true });
  b.exitZone('exit-stairs-e', 'East stair exit zone', se, 'hs').portal('stairs-e', se, 'hs');

  return b.build();
}

export const SAMPLE_FLOOR_FILES = { L0: 'L0.geojson', L1: 'L1.geojson' } as const;

/** The whole sample hospital: the site file and one plan per floor file. Pure; the script writes it out. */
export function buildSampleHospital(): { site: SiteFile; plans: Record<string, FloorPlan> } {
  const site: SiteFile = {
    id: 'sample-hospital',
    name: 'Sample General Hospital',
    floors: [
      { id: 'L0', name: 'Ground floor', level: 0, elevationM: 0, heightM: 4.2, widthM: WIDTH, depthM: DEPTH, file: SAMPLE_FLOOR_FILES.L0 },
      { id: 'L1', name: 'First floor', level: 1, elevationM: 4.2, heightM: 4.2, widthM: WIDTH, depthM: DEPTH, file: SAMPLE_FLOOR_FILES.L1 },
    ],
    verticals: [
      { id: 'stairs-west', kind: 'stairs', rooms: ['L0-stairs-w', 'L1-stairs-w'] },
      { id: 'stairs-east', kind: 'stairs', rooms: ['L0-stairs-e', 'L1-stairs-e'] },
      { id: 'lift-main', kind: 'elevator', rooms: ['L0-lift', 'L1-lift'] },
    ],
    units: [
      { id: 'ed', name: 'Emergency department', zoneTypes: ['emergency'] },
      { id: 'theatres', name: 'Operating theatres', zoneTypes: ['operating-room'] },
      { id: 'icu', name: 'Intensive care unit', zoneTypes: ['icu-bay'] },
      { id: 'maternity', name: 'Maternity', zoneTypes: ['maternity-room', 'delivery-room', 'nursery'] },
      { id: 'ward', name: 'Medical ward', zoneTypes: ['patient-room'] },
    ],
  };
  return { site, plans: { [SAMPLE_FLOOR_FILES.L0]: ground(), [SAMPLE_FLOOR_FILES.L1]: first() } };
}
