import L from 'leaflet';
import { gatewayHash } from '../stores/gateway-diagnostics.ts';
import { createEffect, on, onCleanup, onMount, untrack } from 'solid-js';
import type { Floor, GatewayInfo, TagKind, TagSummary } from '@rtls/protocol';
import { useApp } from '../context.ts';
import { floorBounds, pixelsPerMetre, ringBox, ringCentroid, ringToLatLngs, toLatLng, type XY } from '../map/coords.ts';
import { MotionModel } from '../map/interpolate.ts';
import type { AlarmOverlay } from '../map/alarm-overlay.ts';
import { KIND_STYLE, MONITORED_ZONE_COLOUR, SEVERITY_COLOUR, ZONE_FAMILY } from '../map/palette.ts';
import type { ReplayOverlay } from '../map/replay-overlay.ts';
import { TagCanvasLayer, type CanvasTag } from '../map/tag-canvas-layer.ts';

/** Room labels appear only where the name fits inside the room at the current zoom. */
const LABEL_FONT_PX = 12;
const LABEL_CHAR_PX = 6.6;
const FOCUS_ZOOM = 3.5;
/** An alarm's subject is looked at closer than a searched tag: the room and its doors matter (issue #7 item 5). */
const ALARM_ZOOM = 4.25;

interface RoomLabel {
  id: string;
  marker: L.Marker;
  widthM: number;
  heightM: number;
  textPx: number;
}

export interface FloorMapProps {
  /** The replay view's trail, marker and visited rooms (issue #5 item 5); drawn instead of the live markers while active. */
  replay?: ReplayOverlay;
  /** The alarm console's focused alarm (issue #7 item 5): its subject's trail, place and firing spot over the live map. */
  alarm?: AlarmOverlay;
}

const REPLAY_COLOUR = '#0f766e';

/** The only component that touches Leaflet: the floor plan, gateways, the canvas of live tag markers and the replay layer. */
export function FloorMap(props: FloorMapProps = {}) {
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
    // Inside the overlay pane, above the plan's own SVG (leaflet.css gives every map SVG z-index 200; the plan's is
    // redrawn on every floor switch, so document order cannot be relied on either).
    map.createPane('replay', map.getPane('overlayPane')).style.zIndex = '250';
    const replayRenderer = L.svg({ pane: 'replay' });
    map.createPane('alarm', map.getPane('overlayPane')).style.zIndex = '260';
    const alarmRenderer = L.svg({ pane: 'alarm' });
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

    const fitsIn = (l: Pick<RoomLabel, 'widthM' | 'heightM' | 'textPx'>, ppm: number) =>
      l.widthM * ppm >= l.textPx + 12 && l.heightM * ppm >= 2 * LABEL_FONT_PX + 12;
    const updateLabels = () => {
      const ppm = pixelsPerMetre(map.getZoom());
      const replayed = replayActive() ? new Set(replayLabels.map((l) => l.id)) : null;
      for (const l of labels) {
        // A room the replay labels ("Ward 2 · 12 min") does not also get its plain name on top.
        const show = fitsIn(l, ppm) && !replayed?.has(l.id);
        const e = l.marker.getElement();
        if (e) e.style.display = show ? '' : 'none';
      }
      for (const l of replayLabels) {
        const e = l.marker.getElement();
        if (e) e.style.display = l.current || fitsIn(l, ppm) ? '' : 'none';
      }
    };

    // ── Replay layer (issue #5 item 5) ──
    const replayLayer = L.layerGroup().addTo(map);
    const replayRoomLayer = L.layerGroup().addTo(map);
    let replayLabels: (RoomLabel & { current: boolean })[] = [];
    let replayMarker: L.Marker | null = null;
    let replayMarkerKey = '';
    let handledFit = 0;
    const replayActive = () => props.replay !== undefined && untrack(props.replay.active);

    const drawReplayPaths = () => {
      replayLayer.clearLayers();
      const r = props.replay;
      if (!r || !replayActive() || drawnFloor === null) return;
      let n = 0;
      for (const p of untrack(r.paths)) {
        if (p.floor !== drawnFloor || p.points.length === 0) continue;
        const ll = ringToLatLngs(p.points);
        // A white casing under the line keeps it readable across room fills of every colour.
        L.polyline(ll, { renderer: replayRenderer, color: '#ffffff', weight: 7, opacity: 0.9, interactive: false, lineJoin: 'round' }).addTo(replayLayer);
        L.polyline(ll, { renderer: replayRenderer, className: 'replay-trail', color: REPLAY_COLOUR, weight: 3.5, interactive: false, lineJoin: 'round' }).addTo(replayLayer);
        n++;
      }
      el.dataset.replayPaths = String(n);
    };

    const drawReplayRooms = () => {
      replayRoomLayer.clearLayers();
      replayLabels = [];
      const r = props.replay;
      const floor = drawnFloor === null ? undefined : floors.plans().get(drawnFloor);
      if (r && replayActive() && floor) {
        const wanted = new Map(untrack(r.rooms).filter((x) => x.floor === floor.id).map((x) => [x.zone, x]));
        for (const f of floor.plan.features) {
          const p = f.properties;
          if ((p.kind !== 'room' && p.kind !== 'zone') || f.geometry.type !== 'Polygon') continue;
          const want = wanted.get(p.id);
          if (!want) continue;
          L.polygon(f.geometry.coordinates.map((ring) => ringToLatLngs(ring as XY[])), {
            renderer: replayRenderer,
            className: want.current ? 'replay-room current' : 'replay-room',
            color: REPLAY_COLOUR,
            weight: want.current ? 3 : 1.5,
            fillColor: REPLAY_COLOUR,
            fillOpacity: want.current ? 0.16 : 0.06,
            interactive: false,
          }).addTo(replayRoomLayer);
          const ring = f.geometry.coordinates[0] as XY[];
          const box = ringBox(ring);
          const c = ringCentroid(ring);
          const marker = L.marker(toLatLng([c.x, c.y]), {
            pane: 'labels',
            interactive: false,
            keyboard: false,
            icon: L.divIcon({ className: want.current ? 'room-label replay-room-label current' : 'room-label replay-room-label', html: `<span>${escapeHtml(want.text)}</span>`, iconSize: undefined }),
          }).addTo(replayRoomLayer);
          replayLabels.push({ id: p.id, marker, widthM: box.maxX - box.minX, heightM: box.maxY - box.minY, textPx: want.text.length * LABEL_CHAR_PX, current: want.current });
        }
      }
      el.dataset.replayRooms = String(replayLabels.length);
      updateLabels();
    };

    const placeReplayMarker = () => {
      const m = props.replay && replayActive() ? untrack(props.replay.marker) : null;
      if (!m || m.floor !== drawnFloor) {
        replayMarker?.remove();
        replayMarker = null;
        replayMarkerKey = '';
        delete el.dataset.replayMarker;
        return;
      }
      const key = `${m.kind}\n${m.stale}\n${m.label}`;
      if (!replayMarker || key !== replayMarkerKey) {
        replayMarker?.remove();
        const style = KIND_STYLE[m.kind];
        replayMarker = L.marker(toLatLng([m.x, m.y]), {
          keyboard: false,
          interactive: false,
          title: m.label,
          icon: L.divIcon({
            className: `replay-marker shape-${style.shape}${m.stale ? ' stale' : ''}`,
            html: `<span style="--fill:${style.fill}"></span>`,
            iconSize: [22, 22],
          }),
        }).addTo(map);
        replayMarkerKey = key;
      } else replayMarker.setLatLng(toLatLng([m.x, m.y]));
      el.dataset.replayMarker = `${m.x.toFixed(2)},${m.y.toFixed(2)}`;
    };

    /** Fit the trail of the shown floor (or the highlighted rooms in zone mode) once per new replay. */
    const tryReplayFit = () => {
      const r = props.replay;
      if (!r || !replayActive() || drawnFloor === null) return;
      const seq = untrack(r.fitSeq);
      if (seq === handledFit) return;
      const pts: [number, number][] = [];
      for (const p of untrack(r.paths)) if (p.floor === drawnFloor) for (const q of p.points) pts.push(toLatLng(q));
      for (const l of replayLabels) {
        const ll = l.marker.getLatLng();
        pts.push([ll.lat, ll.lng]);
      }
      if (pts.length === 0) return;
      handledFit = seq;
      const b = L.latLngBounds(pts);
      // A tag parked in one spot must not zoom the map to its maximum: at least a room's worth of context around it.
      map.fitBounds(b.pad(0.15), { padding: [40, 40], maxZoom: FOCUS_ZOOM, animate: false });
      updateLabels();
    };

    const drawReplay = () => {
      drawReplayPaths();
      drawReplayRooms();
      placeReplayMarker();
      tryReplayFit();
    };

    // ── Alarm focus (issue #7 item 5) ──
    const alarmLayer = L.layerGroup().addTo(map);
    let alarmKey = '';
    let handledAlarm = 0;
    const alarmFocus = () => (props.alarm ? untrack(props.alarm.focus) : null);

    const drawAlarm = () => {
      const f = alarmFocus();
      const paths = f && drawnFloor !== null ? f.paths.filter((p) => p.floor === drawnFloor && p.points.length > 0) : [];
      // Redrawn only when what is drawn changes (the focus is re-derived on every live batch).
      const key = !f || drawnFloor === null ? '' : [
        f.alarmId, drawnFloor, f.severity, f.place?.floor, f.place?.id, f.firedAt && `${f.firedAt.floor},${f.firedAt.x},${f.firedAt.y}`,
        ...paths.map((p) => `${p.points.length}:${p.points[p.points.length - 1]!.join(',')}`),
      ].join('|');
      if (key === alarmKey) return;
      alarmKey = key;
      alarmLayer.clearLayers();
      if (!f || drawnFloor === null) {
        delete el.dataset.alarmFocus;
        delete el.dataset.alarmTrails;
        return;
      }
      const colour = SEVERITY_COLOUR[f.severity];
      const plan = untrack(floors.plans).get(drawnFloor);
      if (plan && f.place?.floor === drawnFloor) {
        for (const feat of plan.plan.features) {
          const p = feat.properties;
          if (p.kind === 'outline' || p.kind === 'wall' || p.id !== f.place.id) continue;
          if (feat.geometry.type === 'Polygon') {
            L.polygon(feat.geometry.coordinates.map((r) => ringToLatLngs(r as XY[])), {
              renderer: alarmRenderer, className: 'alarm-place', color: colour, weight: 3, dashArray: '8 5', fillColor: colour, fillOpacity: 0.1, interactive: false,
            }).addTo(alarmLayer);
          } else if (feat.geometry.type === 'LineString') {
            L.polyline(ringToLatLngs(feat.geometry.coordinates as XY[]), {
              renderer: alarmRenderer, className: 'alarm-place', color: colour, weight: 7, opacity: 0.85, interactive: false, lineCap: 'round',
            }).addTo(alarmLayer);
          }
        }
      }
      for (const p of paths) {
        const ll = ringToLatLngs(p.points);
        L.polyline(ll, { renderer: alarmRenderer, color: '#ffffff', weight: 7, opacity: 0.9, interactive: false, lineJoin: 'round' }).addTo(alarmLayer);
        L.polyline(ll, { renderer: alarmRenderer, className: 'alarm-trail', color: colour, weight: 3.5, interactive: false, lineJoin: 'round' }).addTo(alarmLayer);
      }
      if (f.firedAt && f.firedAt.floor === drawnFloor) {
        L.circleMarker(toLatLng([f.firedAt.x, f.firedAt.y]), {
          renderer: alarmRenderer, className: 'alarm-fired', radius: 10, color: colour, weight: 2.5, dashArray: '4 3', fillColor: colour, fillOpacity: 0.12, interactive: false,
        }).addTo(alarmLayer);
      }
      el.dataset.alarmFocus = String(f.alarmId);
      el.dataset.alarmTrails = String(paths.length);
    };

    /** Centre on the subject once per click, zoomed so its recent trail fits around it. */
    const tryAlarmCentre = () => {
      const f = alarmFocus();
      if (!f || f.seq === handledAlarm || !f.ready || !f.centre || f.centre.floor !== drawnFloor) return;
      handledAlarm = f.seq;
      const { x, y } = f.centre;
      // Each point and its mirror through the subject: bounds centred on the subject that hold the whole trail.
      const pts: [number, number][] = [toLatLng([x, y])];
      const add = (q: readonly [number, number]) => pts.push(toLatLng([q[0], q[1]]), toLatLng([2 * x - q[0], 2 * y - q[1]]));
      for (const p of f.paths) if (p.floor === drawnFloor) for (const q of p.points) add(q);
      if (f.firedAt?.floor === drawnFloor) add([f.firedAt.x, f.firedAt.y]);
      const b = L.latLngBounds(pts).pad(0.1);
      const zoom = Math.min(ALARM_ZOOM, map.getBoundsZoom(b, false, L.point(40, 40)));
      map.setView(toLatLng([x, y]), zoom, { animate: false });
      el.dataset.alarmCentred = String(f.alarmId);
      updateLabels();
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
            labels.push({ id: p.id, marker, widthM: box.maxX - box.minX, heightM: box.maxY - box.minY, textPx: p.name.length * LABEL_CHAR_PX });
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
      untrack(drawReplay);
      alarmKey = '';
      untrack(drawAlarm);
      untrack(tryAlarmCentre);
    });

    if (props.alarm) {
      createEffect(on(props.alarm.focus, () => {
        drawAlarm();
        tryAlarmCentre();
      }));
    }

    if (props.replay) {
      const r = props.replay;
      createEffect(on(r.active, (on) => {
        // The live markers give way to the replay and come back with the live view.
        if (on) layer.remove();
        else layer.addTo(map);
        drawReplay();
      }, { defer: true }));
      createEffect(on(r.paths, () => {
        drawReplayPaths();
        tryReplayFit();
      }, { defer: true }));
      createEffect(on(r.rooms, () => {
        drawReplayRooms();
        tryReplayFit();
      }, { defer: true }));
      createEffect(on(r.marker, placeReplayMarker, { defer: true }));
      createEffect(on(r.fitSeq, tryReplayFit, { defer: true }));
      if (untrack(r.active)) {
        layer.remove();
        drawReplay();
      }
    }

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

    // A tag under the pointer is named in a tooltip: its label, and the patient's name and MRN only when the server
    // sent them for this viewer (issue #6 item 3). Built as DOM text, never HTML: names are not markup.
    const hover = L.tooltip({ direction: 'top', offset: L.point(0, -8), className: 'tag-tooltip', opacity: 1 });
    let hoverKey = '';
    const showHover = (id: string | null, at: L.LatLng) => {
      const t = id === null ? undefined : tags.get(id);
      if (!t) {
        if (hoverKey !== '') map.closeTooltip(hover);
        hoverKey = '';
        return;
      }
      const key = tooltipKey(t.summary);
      if (key !== hoverKey) {
        hover.setContent(tooltipContent(t.summary));
        hoverKey = key;
      }
      hover.setLatLng(at);
      if (!map.hasLayer(hover)) hover.openOn(map);
    };

    map.on('zoomend', updateLabels);
    map.on('click', (e: L.LeafletMouseEvent) => {
      if (replayActive()) return; // the live markers are not drawn: nothing to pick
      ui.select(layer.hitTest(e.containerPoint.x, e.containerPoint.y, 12));
    });
    map.on('mousemove', (e: L.LeafletMouseEvent) => {
      const id = replayActive() ? null : layer.hitTest(e.containerPoint.x, e.containerPoint.y, 12);
      el.classList.toggle('over-marker', id !== null);
      showHover(id, e.latlng);
    });
    map.on('mouseout', () => showHover(null, map.getCenter()));

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
      /** The replay marker as drawn: floor metres and its centre on screen (CSS px in the page), or null. */
      replayMarker: () => {
        if (!replayMarker) return null;
        const ll = replayMarker.getLatLng();
        const pt = map.latLngToContainerPoint(ll);
        const box = el.getBoundingClientRect();
        return { x: ll.lng, y: ll.lat, screenX: box.left + pt.x, screenY: box.top + pt.y };
      },
      replayPathCount: () => replayLayer.getLayers().length / 2,
      /** The alarm focus as drawn: which alarm, and the id of the last one the map centred on. */
      alarmFocus: () => ({ alarm: el.dataset.alarmFocus ?? null, centred: el.dataset.alarmCentred ?? null, trails: Number(el.dataset.alarmTrails ?? 0) }),
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

function tooltipKey(s: TagSummary): string {
  const id = s.patient?.identity;
  return `${s.id}\n${s.label}\n${id ? `${id.name}\n${id.mrn}` : ''}`;
}

function tooltipContent(s: TagSummary): HTMLElement {
  const box = document.createElement('div');
  const label = document.createElement('strong');
  label.textContent = s.label;
  box.append(label);
  const id = s.patient?.identity;
  if (id) {
    const who = document.createElement('div');
    who.className = 'tooltip-patient';
    who.textContent = `${id.name} · MRN ${id.mrn}`;
    box.append(who);
  }
  return box;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
