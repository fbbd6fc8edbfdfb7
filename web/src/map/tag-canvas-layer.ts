import L from 'leaflet';
import type { TagKind } from '@rtls/protocol';
import { KIND_STYLE, markerScale, SELECTED_COLOUR } from './palette.ts';
import type { ScreenTransform } from './coords.ts';

/** One tag the layer may draw; where it is comes from the motion model at draw time. */
export interface CanvasTag {
  id: string;
  kind: TagKind;
  accuracyM: number;
}

export interface CanvasSource {
  /** Tags on the shown floor. Called per frame; the caller caches it between batches. */
  tags(): readonly CanvasTag[];
  position(id: string, now: number, out: { x: number; y: number }): boolean;
  selected(): string | null;
  animating(now: number): boolean;
}

const KIND_ORDER: readonly TagKind[] = ['unknown', 'consumable', 'equipment', 'patient'];

/**
 * All tag markers on one canvas, redrawn at most once per animation frame (never per marker), so 2,000 gliding
 * tags cost one pass over an array per frame. Markers are batched into one path per kind. The canvas sits in
 * the map container (not a pane) and is redrawn on every move, so panning needs no pixel-origin bookkeeping.
 * During Leaflet's short zoom animation the last frame is scaled with a CSS transform (as Leaflet's own
 * renderers do) and redrawn exactly when the animation ends, so markers neither blink nor drift off the plan.
 */
export class TagCanvasLayer extends L.Layer {
  private canvas: HTMLCanvasElement | null = null;
  private ctx: CanvasRenderingContext2D | null = null;
  private frame: number | null = null;
  private zooming = false;
  private dpr = 1;
  /** Screen positions drawn in the last frame, for hit testing and tests. */
  private ids: string[] = [];
  private xs = new Float32Array(0);
  private ys = new Float32Array(0);
  private drawn = 0;
  private readonly scratch = { x: 0, y: 0 };
  /** One pre-rendered image per kind: blitting 2,000 sprites is far cheaper than filling and stroking 2,000 paths. */
  private sprites = new Map<TagKind, { img: HTMLCanvasElement; css: number }>();
  private spriteKey = '';
  private drawMsAvg = 0;

  constructor(private readonly source: CanvasSource, private readonly onDrawn?: (count: number) => void) {
    super();
  }

  override onAdd(map: L.Map): this {
    // 'leaflet-zoom-animated' opts into Leaflet's CSS transition for the zoom animation.
    const c = L.DomUtil.create('canvas', 'tag-canvas leaflet-zoom-animated');
    c.setAttribute('aria-hidden', 'true');
    map.getContainer().appendChild(c);
    this.canvas = c;
    this.ctx = c.getContext('2d');
    map.on('move zoom viewreset resize', this.redraw, this);
    map.on('zoomanim', this.animateZoom, this);
    map.on('zoomend', this.endZoom, this);
    this.resize();
    this.redraw();
    return this;
  }

  override onRemove(map: L.Map): this {
    map.off('move zoom viewreset resize', this.redraw, this);
    map.off('zoomanim', this.animateZoom, this);
    map.off('zoomend', this.endZoom, this);
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.canvas?.remove();
    this.canvas = null;
    this.ctx = null;
    return this;
  }

  /** Ask for a frame; many calls in one frame cost one draw. */
  redraw(): void {
    if (this.frame !== null || !this.canvas) return;
    this.frame = requestAnimationFrame((t) => {
      this.frame = null;
      this.draw(t);
      if (this.source.animating(t)) this.redraw();
    });
  }

  drawnCount(): number {
    return this.drawn;
  }

  /** Moving average of one frame's draw time, ms (shown by the debug hook). */
  drawMs(): number {
    return this.drawMsAvg;
  }

  private ensureSprites(k: number): void {
    const key = `${k.toFixed(3)}@${this.dpr}`;
    if (key === this.spriteKey) return;
    this.spriteKey = key;
    this.sprites.clear();
    for (const kind of KIND_ORDER) {
      const st = KIND_STYLE[kind];
      const r = st.r * k;
      const css = Math.ceil(2 * r + 4);
      const img = document.createElement('canvas');
      img.width = img.height = Math.ceil(css * this.dpr);
      const c = img.getContext('2d');
      if (!c) continue;
      c.scale(this.dpr, this.dpr);
      c.beginPath();
      shapePath(c, st.shape, css / 2, css / 2, r);
      c.fillStyle = st.fill;
      c.fill();
      c.lineWidth = st.shape === 'ring' ? 2 : 1.25;
      c.strokeStyle = st.stroke;
      c.stroke();
      this.sprites.set(kind, { img, css });
    }
  }

  /** The tag whose marker is nearest to a container point, within `radiusPx`. */
  hitTest(px: number, py: number, radiusPx = 10): string | null {
    let best: string | null = null;
    let bestD = radiusPx * radiusPx;
    for (let i = 0; i < this.drawn; i++) {
      const dx = this.xs[i]! - px;
      const dy = this.ys[i]! - py;
      const d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = this.ids[i]!;
      }
    }
    return best;
  }

  private animateZoom(e: L.ZoomAnimEvent): void {
    const map = this._map as L.Map | undefined;
    if (!map || !this.canvas) return;
    // Fired before the map switches zoom: map.getZoom()/getCenter() still describe the frame on the canvas.
    // Where the canvas's top-left corner lands in the target view, and how much everything grows.
    const scale = map.getZoomScale(e.zoom, map.getZoom());
    const corner = map.containerPointToLatLng([0, 0]);
    const offset = map.project(corner, e.zoom).subtract(map.project(e.center, e.zoom)).add(map.getSize().divideBy(2));
    this.zooming = true;
    this.canvas.style.transformOrigin = '0 0';
    this.canvas.style.transform = `translate(${offset.x}px, ${offset.y}px) scale(${scale})`;
  }

  private endZoom(): void {
    if (!this.zooming) return;
    this.zooming = false;
    if (this.canvas) this.canvas.style.transform = '';
    // Draw now, not next frame, so the un-transformed canvas never shows the pre-zoom picture.
    this.draw(performance.now());
    this.redraw();
  }

  private resize(): void {
    const map = this._map as L.Map | undefined;
    if (!map || !this.canvas) return;
    const size = map.getSize();
    this.dpr = window.devicePixelRatio || 1;
    const w = Math.round(size.x * this.dpr);
    const h = Math.round(size.y * this.dpr);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.canvas.style.width = `${size.x}px`;
      this.canvas.style.height = `${size.y}px`;
    }
  }

  private transform(map: L.Map): ScreenTransform {
    // Sample the (linear) floor→screen mapping at two points instead of projecting every marker through Leaflet.
    const p0 = map.latLngToContainerPoint([0, 0]);
    const p1 = map.latLngToContainerPoint([1, 1]);
    return { ox: p0.x, oy: p0.y, sx: p1.x - p0.x, sy: p1.y - p0.y };
  }

  private draw(now: number): void {
    const map = this._map as L.Map | undefined;
    const ctx = this.ctx;
    if (!map || !ctx || !this.canvas || this.zooming) return;
    const t0 = performance.now();
    this.resize();
    const size = map.getSize();
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);
    const tr = this.transform(map);
    const tags = this.source.tags();
    if (this.xs.length < tags.length) {
      this.xs = new Float32Array(tags.length * 2);
      this.ys = new Float32Array(tags.length * 2);
    }
    this.ids.length = 0;
    let n = 0;
    const pos = this.scratch;
    const byKind: Record<TagKind, number[]> = { equipment: [], consumable: [], patient: [], unknown: [] };
    const margin = 12;
    const selected = this.source.selected();
    // Smaller markers when zoomed out, so a busy ward stays legible; full size once rooms are large on screen.
    const k = markerScale(map.getZoom());
    let sel: { px: number; py: number; acc: number; kind: TagKind } | null = null;
    for (const t of tags) {
      if (!this.source.position(t.id, now, pos)) continue;
      const px = tr.ox + pos.x * tr.sx;
      const py = tr.oy + pos.y * tr.sy;
      if (t.id === selected) sel = { px, py, acc: t.accuracyM, kind: t.kind };
      if (px < -margin || py < -margin || px > size.x + margin || py > size.y + margin) continue;
      this.xs[n] = px;
      this.ys[n] = py;
      this.ids.push(t.id);
      byKind[t.kind].push(n);
      n++;
    }
    this.drawn = n;

    if (sel) {
      // Accuracy (1-sigma) under the markers, so it never hides a neighbour.
      const r = Math.max(3, sel.acc * Math.abs(tr.sx));
      ctx.beginPath();
      ctx.arc(sel.px, sel.py, r, 0, Math.PI * 2);
      ctx.fillStyle = 'rgba(15, 118, 110, 0.12)';
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = 'rgba(15, 118, 110, 0.75)';
      ctx.setLineDash([5, 4]);
      ctx.stroke();
      ctx.setLineDash([]);
    }

    this.ensureSprites(k);
    for (const kind of KIND_ORDER) {
      const sp = this.sprites.get(kind);
      if (!sp) continue;
      const h = sp.css / 2;
      for (const i of byKind[kind]) ctx.drawImage(sp.img, this.xs[i]! - h, this.ys[i]! - h, sp.css, sp.css);
    }

    if (sel) {
      const st = KIND_STYLE[sel.kind];
      ctx.beginPath();
      ctx.arc(sel.px, sel.py, st.r * k + 5, 0, Math.PI * 2);
      ctx.lineWidth = 3;
      ctx.strokeStyle = SELECTED_COLOUR;
      ctx.stroke();
    }
    this.drawMsAvg += (performance.now() - t0 - this.drawMsAvg) * 0.1;
    this.onDrawn?.(n);
  }
}

function shapePath(ctx: CanvasRenderingContext2D, shape: 'circle' | 'square' | 'diamond' | 'ring', x: number, y: number, r: number): void {
  switch (shape) {
    case 'square':
      ctx.rect(x - r, y - r, r * 2, r * 2);
      return;
    case 'diamond':
      ctx.moveTo(x, y - r);
      ctx.lineTo(x + r, y);
      ctx.lineTo(x, y + r);
      ctx.lineTo(x - r, y);
      ctx.closePath();
      return;
    default:
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, Math.PI * 2);
  }
}
