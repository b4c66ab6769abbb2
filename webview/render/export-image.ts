/**
 * The whole graph as an image: SVG text, or a PNG data URL drawn at up to twice the size. It shows
 * the graph's full bounds (shape labels past its right edge included) and the overlay, but not
 * the selection or search highlight of the moment.
 */
import type { Scene } from './scene';
import type { Theme } from './theme';
import type { ViewportState } from './viewport';
import { CanvasPainter, SvgPainter } from './painter';

/** Margin around the graph, in graph units. */
const PAD = 20;

export function exportImage(scene: Scene, theme: Theme, viewState: ViewportState, format: 'svg' | 'png'): string {
  const b = scene.bounds;
  const view = { x: b.x - PAD, y: b.y - PAD, w: b.w + 2 * PAD, h: b.h + 2 * PAD };
  const state = { theme, scale: 1, view, ...viewState, selected: null, highlighted: new Set<string>() };
  if (format === 'svg') {
    const p = new SvgPainter();
    scene.draw(p, state);
    return p.document(view.x, view.y, view.w, view.h, theme.background, theme.font);
  }
  // At most 2x, 16,000 px a side and 120 Mpx in all: what browsers still allocate for a canvas.
  const k = Math.min(2, 16000 / Math.max(view.w, view.h), Math.sqrt(120e6 / (view.w * view.h)));
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(view.w * k);
  canvas.height = Math.ceil(view.h * k);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.setTransform(k, 0, 0, k, -view.x * k, -view.y * k);
  scene.draw(new CanvasPainter(ctx), state);
  return canvas.toDataURL('image/png');
}
