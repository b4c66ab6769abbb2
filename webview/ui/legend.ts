/** The overlay legend: a colour ramp with its range and unit. */
import type { Overlay } from '../messages';
import { formatQuantity } from '../../src/core/base/units';
import { rampColour, type OverlayScale } from '../model/overlay';
import { clear, h } from './dom';

export class Legend {
  readonly el = h('div', { class: 'legend', role: 'note', 'aria-label': 'Overlay legend', hidden: true });

  show(o: Overlay | null, s: OverlayScale | null): void {
    clear(this.el);
    if (!o || !s) { this.el.hidden = true; return; }
    this.el.hidden = false;
    if (o.categories) {
      const counts = new Map<number, number>();
      for (const v of Object.values(o.values)) counts.set(v, (counts.get(v) ?? 0) + 1);
      this.el.append(h('div', { class: 'legend-title' }, o.label), ...o.categories.map((c) => {
        const swatch = h('span', { class: 'swatch' });
        swatch.style.background = c.colour; // CSSOM, not a style attribute: the CSP allows it
        return h('div', { class: 'legend-category' }, swatch, `${c.label} ${counts.get(c.value) ?? 0}`);
      }));
      return;
    }
    const ramp = document.createElement('canvas');
    ramp.width = 160; ramp.height = 10;
    const c = ramp.getContext('2d')!;
    for (let x = 0; x < 160; x++) { c.fillStyle = rampColour(o.higherIsBetter ? 1 - x / 159 : x / 159); c.fillRect(x, 0, 1, 10); }
    const fmt = (v: number): string => formatQuantity(v, o.unit);
    this.el.append(
      h('div', { class: 'legend-title' }, `${o.label} (${s.scale})`),
      ramp,
      h('div', { class: 'legend-range' }, h('span', {}, fmt(s.min)), h('span', {}, fmt(s.max))),
    );
  }
}
