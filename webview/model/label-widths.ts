/**
 * The label widths a page sizes boxes with (core/graph/text-metrics.ts): the table the host sent
 * with the model, with which the worker laid the first screen out ahead (the built-in one if none
 * came). A page whose font is not the table's measures its own once, after its first frame, for
 * the host to keep for the next opens; it does not use it itself, so its boxes keep one size.
 */
import { BUILT_IN_METRICS, type TextMetrics } from '../../src/core/graph/text-metrics';
import type { HostToWebview } from '../messages';
import { measureTextMetrics } from '../render/text-measure';

/** Late enough to stay off the way to the settled view. */
const OFFER_AFTER_MS = 1500;

export class LabelWidths {
  metrics: TextMetrics = BUILT_IN_METRICS;
  private offered = false;

  constructor(private readonly post: (measured: TextMetrics) => void) {}

  /** A model message's table; an edited version keeps the page's. */
  take(m: Extract<HostToWebview, { type: 'model' | 'modelDelta' }>): void {
    if (m.type === 'model' && !m.edited && m.textMetrics) this.metrics = m.textMetrics;
  }

  /** Measures the table in `font` once per page, later, if the one in use was measured in another. */
  offer(font: string): void {
    if (this.offered || font === this.metrics.font) return;
    this.offered = true;
    setTimeout(() => this.post(measureTextMetrics(font)), OFFER_AFTER_MS);
  }
}
