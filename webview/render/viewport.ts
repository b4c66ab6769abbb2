/** The canvas, its pan/zoom transform and the frame loop: draws only when something changed. */
import type { Box } from '../../src/core/graph/layout/types';
import { CanvasPainter } from './painter';
import { CanvasFastPainter, DETAIL_SCALE, LABEL_SCALE } from './scene';
import type { DrawState, Scene } from './scene';
import { RasterCache } from './raster';
import type { Theme } from './theme';

/** Far enough out to fit a 10,000-node model expanded (hundreds of thousands of pixels tall). */
const MIN_SCALE = 0.001;

export interface ViewportState {
  selected: string | null;
  highlighted: ReadonlySet<string>;
  overlay: ReadonlyMap<string, string> | null;
  /** The active overlay's badges per item id. */
  badges?: ReadonlyMap<string, string> | null;
}

export class Viewport {
  scale = 1;
  tx = 0;
  ty = 0;
  scene: Scene | null = null;
  theme: Theme;
  state: ViewportState = { selected: null, highlighted: new Set(), overlay: null };
  /** Called after each frame with its draw time (ms). */
  onFrame?: (ms: number) => void;
  /** Made at the first frame with a scene: till then the canvas has no bitmap, and shows the page's background. */
  private pen: Pen | null = null;
  private pending = false;
  private dpr = 1;
  private animation: number | null = null;
  private raster = new RasterCache(() => this.redraw());

  constructor(readonly canvas: HTMLCanvasElement, theme: Theme) {
    this.theme = theme;
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  private resize(): void {
    const [w0, h0, dpr0] = [this.width, this.height, this.dpr];
    this.dpr = window.devicePixelRatio || 1;
    const r = this.canvas.getBoundingClientRect();
    const w = Math.max(1, Math.round(r.width * this.dpr)), h = Math.max(1, Math.round(r.height * this.dpr));
    // Setting a canvas's size clears it even to the same size: the observer's first call (the size the
    // constructor set) would blank a first frame drawn before it and draw it again a frame later.
    if (w === this.canvas.width && h === this.canvas.height && this.dpr === dpr0) return;
    this.canvas.width = w;
    this.canvas.height = h;
    // What was in the middle stays there (an editor narrowed by a panel beside it keeps its subject in view).
    if (this.scene && w0 > 1 && h0 > 1) { this.tx += (this.width - w0) / 2; this.ty += (this.height - h0) / 2; }
    this.redraw();
  }

  get width(): number { return this.canvas.width / this.dpr; }
  get height(): number { return this.canvas.height / this.dpr; }

  redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.drawNow();
    });
  }

  drawNow(): void {
    // Before the model a frame would only fill the background, which the page shows already, and copy the
    // canvas's bitmap (megabytes) to the compositor while the worker decodes the model.
    if (!this.scene && !this.pen) return;
    const t0 = performance.now();
    const { ctx: c, painter, fast } = this.pen ??= penOf(this.canvas);
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.fillStyle = this.theme.background;
    c.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (this.scene) {
      const state: DrawState = { theme: this.theme, scale: this.scale, view: this.worldView(), ...this.state };
      // Zoomed out, frames come from a bitmap of the scene (state and theme objects are replaced on change).
      const cached = this.scale < LABEL_SCALE && this.raster.draw(c, this.scene, state, this.rasterKey(), this.dpr, this.theme.background);
      if (!cached) {
        c.setTransform(this.dpr * this.scale, 0, 0, this.dpr * this.scale, this.dpr * this.tx, this.dpr * this.ty);
        this.scene.draw(painter, state, fast);
      }
    }
    this.onFrame?.(performance.now() - t0);
  }

  private keyParts: [ViewportState, Theme] | null = null;
  private key: object = {};
  /** An object that changes identity whenever what the bitmap shows (state, theme) changes. */
  private rasterKey(): object {
    if (!this.keyParts || this.keyParts[0] !== this.state || this.keyParts[1] !== this.theme) {
      this.keyParts = [this.state, this.theme];
      this.key = {};
    }
    return this.key;
  }

  /** The world rectangle on screen. */
  worldView(): Box {
    return { x: -this.tx / this.scale, y: -this.ty / this.scale, w: this.width / this.scale, h: this.height / this.scale };
  }

  toWorld(px: number, py: number): [number, number] {
    return [(px - this.tx) / this.scale, (py - this.ty) / this.scale];
  }

  zoomAt(px: number, py: number, factor: number): void {
    const s = clamp(this.scale * factor, MIN_SCALE, 4);
    this.tx = px - ((px - this.tx) * s) / this.scale;
    this.ty = py - ((py - this.ty) * s) / this.scale;
    this.scale = s;
    this.redraw();
  }

  panBy(dx: number, dy: number): void {
    this.tx += dx;
    this.ty += dy;
    this.redraw();
  }

  fit(box?: Box, maxScale = 1.2): void {
    const b = box ?? (this.scene ? { x: 0, y: 0, w: this.scene.width, h: this.scene.height } : null);
    if (!b) return;
    const s = clamp(Math.min((this.width - 40) / Math.max(b.w, 1), (this.height - 40) / Math.max(b.h, 1)), MIN_SCALE, maxScale);
    this.set(s, this.width / 2 - (b.x + b.w / 2) * s, this.height / 2 - (b.y + b.h / 2) * s, false);
  }

  /** Fits a graph that reads at fit zoom; a tall or wide one starts readable at its inputs. */
  fitOrStart(direction: 'DOWN' | 'RIGHT'): void {
    if (!this.scene) return;
    const { width: w, height: h } = this.scene;
    const s = Math.min((this.width - 40) / Math.max(w, 1), (this.height - 40) / Math.max(h, 1));
    // Small enough to read its attributes and shapes at fit zoom: fit; else start readable at its inputs, as Netron does.
    if (s >= DETAIL_SCALE) { this.fit(); return; }
    const k = 0.85;
    // Centred on where the graph starts (its first item), not on the middle of the whole scene.
    const first = this.scene.items[0];
    if (direction === 'DOWN') {
      const cx = first ? first.x + first.w / 2 : w / 2;
      const tx = w * k <= this.width - 40 ? this.width / 2 - (w / 2) * k : clamp(this.width / 2 - cx * k, this.width - 20 - w * k, 20);
      this.set(k, tx, 10, false);
    } else {
      const cy = first ? first.y + first.h / 2 : h / 2;
      const ty = h * k <= this.height - 40 ? this.height / 2 - (h / 2) * k : clamp(this.height / 2 - cy * k, this.height - 20 - h * k, 20);
      this.set(k, 10, ty, false);
    }
  }

  /**
   * Centres a box at a readable zoom, animated; near the graph's edge the box moves off centre
   * rather than leave an empty band beside the graph.
   */
  reveal(b: Box, scale = Math.max(this.scale, 0.9)): void {
    const s = Math.min(scale, 1.5);
    const tx = this.width / 2 - (b.x + b.w / 2) * s, ty = this.height / 2 - (b.y + b.h / 2) * s;
    if (!this.scene) return this.set(s, tx, ty, true);
    this.set(s, keepFilled(tx, this.scene.width * s, this.width), keepFilled(ty, this.scene.height * s, this.height), true);
  }

  private set(scale: number, tx: number, ty: number, animate: boolean): void {
    if (this.animation !== null) cancelAnimationFrame(this.animation);
    if (!animate) {
      [this.scale, this.tx, this.ty] = [scale, tx, ty];
      this.redraw();
      return;
    }
    const [s0, x0, y0] = [this.scale, this.tx, this.ty];
    const start = performance.now();
    const step = (): void => {
      const k = Math.min(1, (performance.now() - start) / 220);
      const e = k * (2 - k);
      [this.scale, this.tx, this.ty] = [s0 + (scale - s0) * e, x0 + (tx - x0) * e, y0 + (ty - y0) * e];
      this.drawNow();
      this.animation = k < 1 ? requestAnimationFrame(step) : null;
    };
    this.animation = requestAnimationFrame(step);
  }
}

/** Margin kept between the graph and the canvas edge, in pixels. */
const EDGE = 20;

/**
 * An offset `t` along one axis moved just enough that a graph `extent` px long fills a view
 * `view` px long (or, when shorter, lies wholly inside it) with EDGE px to spare.
 */
function keepFilled(t: number, extent: number, view: number): number {
  const far = view - extent - EDGE;
  return clamp(t, Math.min(EDGE, far), Math.max(EDGE, far));
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, x));
}

/** The canvas's context and the painters that draw a scene with it. */
export interface Pen { ctx: CanvasRenderingContext2D; painter: CanvasPainter; fast: CanvasFastPainter }

export function penOf(canvas: HTMLCanvasElement): Pen {
  const ctx = canvas.getContext('2d', { alpha: false })!;
  return { ctx, painter: new CanvasPainter(ctx), fast: new CanvasFastPainter(ctx) };
}

/** Resolves once the frame being drawn is on screen: after its paint, not before it (a timer set in its animation frame). */
export function afterFrame(): Promise<void> {
  return new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
}
