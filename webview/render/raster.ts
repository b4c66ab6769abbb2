/**
 * A bitmap of the zoomed-out scene. Below the label zoom every frame would redraw thousands of
 * boxes and edges; instead the area around the view is drawn once into an offscreen canvas and
 * panning copies it. While zooming, the bitmap is drawn scaled and redrawn once zooming pauses
 * (or the scale has drifted by 2x).
 */
import type { Box } from '../../src/core/graph/layout/types';
import { CanvasPainter } from './painter';
import { CanvasFastPainter, type DrawState, type Scene } from './scene';

/** Largest bitmap side and area in device pixels. */
const MAX_SIDE = 4096;
const MAX_AREA = 4096 * 3072;
const REFRESH_MS = 120;

interface Bitmap {
  canvas: HTMLCanvasElement;
  /** World rectangle it holds, the scale it was drawn at, and what it was drawn from. */
  area: Box;
  scale: number;
  scene: Scene;
  state: object;
}

export class RasterCache {
  private bitmap: Bitmap | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** `redraw`: asks the viewport for a frame (after a deferred refresh). */
  constructor(private readonly redraw: () => void) {}

  /**
   * Draws the scene for `s` (a fast-mode state) on `ctx` (device transform identity) from the
   * bitmap, making or refreshing it as needed. Returns false when the area is too large to cache.
   */
  draw(ctx: CanvasRenderingContext2D, scene: Scene, s: DrawState, identity: object, dpr: number, background: string): boolean {
    const b = this.bitmap;
    const fresh = b !== null && b.scene === scene && b.state === identity;
    const needed = intersect(worldOf(scene), s.view);
    const covers = fresh && (needed.w === 0 || needed.h === 0 || contains(b.area, needed));
    if (covers && b.scale === s.scale) { this.blit(ctx, b, s, dpr); return true; }
    const ratio = fresh ? s.scale / b.scale : 0;
    if (covers && ratio > 0.5 && ratio < 2) {
      this.blit(ctx, b, s, dpr);
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => { this.timer = null; if (this.bitmap === b) this.bitmap = null; this.redraw(); }, REFRESH_MS);
      return true;
    }
    const made = this.make(scene, s, identity, dpr, background);
    if (!made) return false;
    this.bitmap = made;
    this.blit(ctx, made, s, dpr);
    return true;
  }

  clear(): void {
    this.bitmap = null;
  }

  private make(scene: Scene, s: DrawState, identity: object, dpr: number, background: string): Bitmap | null {
    const k = s.scale * dpr;
    // The view plus up to one view on each side, within the scene (with a margin).
    const world = worldOf(scene);
    let area = intersect(world, { x: s.view.x - s.view.w, y: s.view.y - s.view.h, w: s.view.w * 3, h: s.view.h * 3 });
    if (area.w * k > MAX_SIDE || area.h * k > MAX_SIDE || area.w * area.h * k * k > MAX_AREA) {
      area = intersect(world, { x: s.view.x - s.view.w / 4, y: s.view.y - s.view.h / 4, w: s.view.w * 1.5, h: s.view.h * 1.5 });
      if (area.w * k > MAX_SIDE || area.h * k > MAX_SIDE || area.w * area.h * k * k > MAX_AREA) return null;
    }
    if (!contains(area, intersect(world, s.view))) return null;
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.ceil(area.w * k));
    canvas.height = Math.max(1, Math.ceil(area.h * k));
    const c = canvas.getContext('2d', { alpha: false })!;
    c.fillStyle = background;
    c.fillRect(0, 0, canvas.width, canvas.height);
    c.setTransform(k, 0, 0, k, -area.x * k, -area.y * k);
    scene.draw(new CanvasPainter(c), { ...s, view: area }, new CanvasFastPainter(c));
    return { canvas, area, scale: s.scale, scene, state: identity };
  }

  private blit(ctx: CanvasRenderingContext2D, b: Bitmap, s: DrawState, dpr: number): void {
    const k = s.scale * dpr;
    ctx.imageSmoothingEnabled = b.scale !== s.scale;
    ctx.drawImage(b.canvas, (b.area.x - s.view.x) * k, (b.area.y - s.view.y) * k, b.area.w * k, b.area.h * k);
  }
}

/** The scene's extent with a margin (views may reach past it). */
function worldOf(scene: Scene): Box {
  const m = 40;
  return { x: -m, y: -m, w: scene.width + 2 * m, h: scene.height + 2 * m };
}

function intersect(a: Box, b: Box): Box {
  const x = Math.max(a.x, b.x), y = Math.max(a.y, b.y);
  return { x, y, w: Math.max(0, Math.min(a.x + a.w, b.x + b.w) - x), h: Math.max(0, Math.min(a.y + a.h, b.y + b.h) - y) };
}

/** Whether `outer` holds `inner`. */
function contains(outer: Box, inner: Box): boolean {
  return inner.x >= outer.x - 0.5 && inner.y >= outer.y - 0.5 && inner.x + inner.w <= outer.x + outer.w + 0.5 && inner.y + inner.h <= outer.y + outer.h + 0.5;
}
