import L from 'leaflet';
import { gatewayHash } from '../stores/gateway-diagnostics.ts';
import { createEffect, on, onCleanup, onMount } from 'solid-js';
import type { Floor, GatewayInfo, TagKind } from '@rtls/protocol';
import { useApp } from '../context.ts';
import { floorBounds, pixelsPerMetre, ringBox, ringCentroid, ringToLatLngs, toLatLng, type XY } from '../map/coords.ts';
import { MotionModel } from '../map/interpolate.ts';
import { MONITORED_ZONE_COLOUR, ZONE_FAMILY } from '../map/palette.ts';
import { TagCanvasLayer, type CanvasTag } from '../map/tag-canvas-layer.ts';

/** Room labels appear only where the name fits inside the room at the current zoom. */
const LABEL_FONT_PX = 12;
const LABEL_CHAR_PX = 6.6;
const FOCUS_ZOOM = 3.5;

interface RoomLabel {
  marker: L.Marker;
  widthM: number;
  heightM: number;
  textPx: number;
}

/** The only component that touches Leaflet: the floor plan, gateways and the canvas of live tag markers. */
export function FloorMap() {
  const { stores, debug } = useApp();
  const { floors, tags, gateways, ui } = stores;
  let el!: HTMLDivElement;

  onMount(() => {
    const map = L.map(el, {
      crs: L.CRS.Simple,
      zoomSnap: 0.25,
      zoomDelta: 0.5,
      wheelPxPerZoomLevel: 120,
      minZoom: -3,
      maxZoom: 6,
      attributionControl: false,
      boxZoom: false,
    });
    map.createPane('labels').style.zIndex = '450';
    const planLayer = L.layerGroup().addTo(map);
    const labelLayer = L.layerGroup().addTo(map);
    const gatewayLayer = L.layerGroup();
    let labels: RoomLabel[] = [];
    let drawnFloor: string | null = null;
    let handledFocus = 0;

    const motion = new MotionModel();
    let visible: CanvasTag[] = [];
    const rebuildVisible = () => {
      visible = tags.onFloor(drawnFloor).map((t) => ({ id: t.summary.id, kind: t.summary.kind as TagKind, accuracyM: t.fix?.accuracyM ?? 0 }));
    };
    const layer = new TagCanvasLayer(
      {
        tags: () => visible,
        position: (id, now, out) => motion.position(id, now, out),
        selected: () => ui.selected(),
        animating: (now) => motion.animating(now),
      },
      (n) => {
        const v = String(n);
        if (el.dataset.markerCount !== v) el.dataset.markerCount = v;
      },
    ).addTo(map);

    const snapFloor = () => {
      motion.clear();
      for (const t of tags.onFloor(drawnFloor)) if (t.fix) motion.snap(t.summary.id, t.fix.x, t.fix.y, t.fix.t);
      rebuildVisible();
      layer.redraw();
    };

    const tryFocus = () => {
      const f = ui.focus();
      if (!f || f.seq === handledFocus || drawnFloor === null) return;
      const fix = tags.get(f.tag)?.fix;
      if (!fix || fix.floor !== drawnFloor) return;
      handledFocus = f.seq;
      map.setView(toLatLng([fix.x, fix.y]), Math.max(map.getZoom(), FOCUS_ZOOM));
    };

    const updateLabels = () => {
      const ppm = pixelsPerMetre(map.getZoom());
      for (const l of labels) {
        const fits = l.widthM * ppm >= l.textPx + 12 && l.heightM * ppm >= 2 * LABEL_FONT_PX + 12;
        const e = l.marker.getElement();
        if (e) e.style.display = fits ? '' : 'none';
      }
    };

    const drawPlan = (floor: Floor) => {
      planLayer.clearLayers();
      labelLayer.clearLayers();
      labels = [];
      let rooms = 0;
      // Painter's order: outline, rooms, zones, walls, doors; labels live in their own pane above.
      const order = { outline: 0, room: 1, zone: 2, wall: 3, door: 4, gateway: 5 } as const;
      const features = [...floor.plan.features].sort((a, b) => order[a.properties.kind] - order[b.properties.kind]);
      for (const f of features) {
        const p = f.properties;
        switch (p.kind) {
          case 'outline':
            if (f.geometry.type === 'Polygon') {
              L.polygon(f.geometry.coordinates.map((r) => ringToLatLngs(r as XY[])), {
                className: 'outline', color: '#4b5563', weight: 2, fillColor: '#ffffff', fillOpacity: 1, interactive: false,
              }).addTo(planLayer);
            }
            break;
          case 'room': {
            if (f.geometry.type !== 'Polygon') break;
            const fam = ZONE_FAMILY[p.zoneType];
            L.polygon(f.geometry.coordinates.map((r) => ringToLatLngs(r as XY[])), {
              className: `room room-${p.zoneType}`, color: fam.stroke, weight: 1, fillColor: fam.fill, fillOpacity: 1, interactive: false,
            }).addTo(planLayer);
            rooms++;
            const ring = f.geometry.coordinates[0] as XY[];
            const box = ringBox(ring);
            const c = ringCentroid(ring);
            const marker = L.marker(toLatLng([c.x, c.y]), {
              pane: 'labels',
              interactive: false,
              keyboard: false,
              icon: L.divIcon({ className: 'room-label', html: `<span>${escapeHtml(p.name)}</span>`, iconSize: undefined }),
            }).addTo(labelLayer);
            labels.push({ marker, widthM: box.maxX - box.minX, heightM: box.maxY - box.minY, textPx: p.name.length * LABEL_CHAR_PX });
            break;
          }
          case 'zone':
            if (f.geometry.type !== 'Polygon') break;
            L.polygon(f.geometry.coordinates.map((r) => ringToLatLngs(r as XY[])), {
              className: p.monitored ? 'zone zone-monitored' : 'zone',
              color: p.monitored ? MONITORED_ZONE_COLOUR : '#5b6b86',
              weight: p.monitored ? 2 : 1.25,
              dashArray: p.monitored ? '7 5' : '2 5',
              fill: false,
              interactive: false,
            }).addTo(planLayer);
            break;
          case 'wall':
            if (f.geometry.type !== 'LineString') break;
            L.polyline(ringToLatLngs(f.geometry.coordinates as XY[]), {
              className: 'wall', color: '#3f4754', weight: p.attenuationDb >= 10 ? 2.5 : 1.5, interactive: false, lineCap: 'square',
            }).addTo(planLayer);
            break;
          case 'door': {
            if (f.geometry.type !== 'LineString') break;
            const ll = ringToLatLngs(f.geometry.coordinates as XY[]);
            // A door is a gap in the wall with a coloured sill: green for exits, as exit signage is.
            L.polyline(ll, { color: '#ffffff', weight: 5, interactive: false, lineCap: 'butt' }).addTo(planLayer);
            L.polyline(ll, {
              className: p.exit ? 'door door-exit' : 'door', color: p.exit ? '#2e7d32' : '#a16207', weight: 2.5, interactive: false, lineCap: 'butt',
            }).addTo(planLayer);
            break;
          }
          case 'gateway':
            break;
        }
      }
      el.dataset.roomCount = String(rooms);
      el.dataset.floor = floor.id;
      map.setMaxBounds(L.latLngBounds(floorBounds(floor.widthM, floor.depthM)).pad(0.5));
      fitFloor(floor);
    };

    const fitFloor = (floor: Floor) => {
      map.fitBounds(L.latLngBounds(floorBounds(floor.widthM, floor.depthM)), { padding: [16, 16], animate: false });
      updateLabels();
    };

    const drawGateways = () => {
      gatewayLayer.clearLayers();
      const floor = drawnFloor === null ? undefined : floors.plans().get(drawnFloor);
      if (!floor) return;
      const live = new Map<string, GatewayInfo>(gateways.onFloor(floor.id).map((g) => [g.id, g]));
      const placed = new Set<string>();
      const add = (id: string, tech: string, x: number, y: number) => {
        const state = live.get(id)?.state ?? 'unknown';
        const label = `Gateway ${id} (${tech}) — ${state === 'unknown' ? 'no status yet' : state}`;
        L.marker(toLatLng([x, y]), {
          keyboard: false,
          title: label,
          alt: label,
          icon: L.divIcon({ className: `gw gw-${tech} gw-${state}`, iconSize: [8, 8] }),
        })
          // An installer looking at the map opens the gateway's diagnostics (issue #4 item 3).
          .on('click', () => {
            window.location.hash = gatewayHash(id);
          })
          .addTo(gatewayLayer);
        placed.add(id);
      };
      for (const f of floor.plan.features) {
        if (f.properties.kind === 'gateway' && f.geometry.type === 'Point') {
          add(f.properties.id, f.properties.tech, f.geometry.coordinates[0], f.geometry.coordinates[1]);
        }
      }
      // Gateways registered through the API but not drawn in the plan file still belong on the map.
      for (const g of live.values()) if (!placed.has(g.id)) add(g.id, g.tech, g.x, g.y);
      el.dataset.gatewayCount = String(placed.size);
    };

    createEffect(() => {
      const id = floors.current();
      const plan = id === null ? undefined : floors.plans().get(id);
      if (!plan || plan.id === drawnFloor) return;
      drawnFloor = plan.id;
      drawPlan(plan);
      drawGateways();
      snapFloor();
      tryFocus();
    });

    createEffect(() => {
      gateways.version();
      drawGateways();
    });

    createEffect(() => {
      if (ui.showGateways()) gatewayLayer.addTo(map);
      else gatewayLayer.remove();
    });

    createEffect(() => {
      ui.selected();
      layer.redraw();
    });

    createEffect(() => {
      ui.focus();
      tryFocus();
    });

    createEffect(on(ui.fit, () => {
      const floor = drawnFloor === null ? undefined : floors.plans().get(drawnFloor);
      if (floor) fitFloor(floor);
    }, { defer: true }));

    const unsubscribe = tags.subscribe((change) => {
      if (change.kind === 'reset') {
        snapFloor();
      } else {
        const now = performance.now();
        for (const f of change.fixes) {
          if (f.floor === drawnFloor) motion.retarget(f.tag, f.x, f.y, f.t, now);
          else motion.delete(f.tag);
        }
        rebuildVisible();
        layer.redraw();
      }
      tryFocus();
    });

    map.on('zoomend', updateLabels);
    map.on('click', (e: L.LeafletMouseEvent) => {
      ui.select(layer.hitTest(e.containerPoint.x, e.containerPoint.y, 12));
    });
    map.on('mousemove', (e: L.LeafletMouseEvent) => {
      const hit = layer.hitTest(e.containerPoint.x, e.containerPoint.y, 12) !== null;
      el.classList.toggle('over-marker', hit);
    });

    const ro = new ResizeObserver(() => map.invalidateSize({ animate: false }));
    ro.observe(el);

    const out = { x: 0, y: 0 };
    debug.map = {
      markerCount: () => layer.drawnCount(),
      drawMs: () => layer.drawMs(),
      /** Drawn (interpolated) position of a tag in floor metres, or null when it is not on the shown floor. */
      position: (id: string) => (visible.some((t) => t.id === id) && motion.position(id, performance.now(), out) ? { x: out.x, y: out.y } : null),
      visibleTags: () => visible.map((t) => t.id),
      floor: () => drawnFloor,
      zoom: () => map.getZoom(),
      /** Map centre in floor metres. */
      center: () => {
        const c = map.getCenter();
        return { x: c.lng, y: c.lat };
      },
    };

    onCleanup(() => {
      unsubscribe();
      ro.disconnect();
      map.remove();
      delete debug.map;
    });
  });

  return (
    <div
      ref={el}
      class="floor-map"
      data-testid="floor-map"
      role="region"
      aria-label="Floor plan with live tag positions"
    />
  );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
