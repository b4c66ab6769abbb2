/** The CI report's charts as plain SVG (no script, no external resources): a histogram and bar lists. */
import { esc } from './svg';
import { formatNumber } from '../../base/units';

const FONT = 'font-family="system-ui,sans-serif" font-size="11"';

/**
 * Latency histogram: `bins` equal-width bins from the fastest run to 1.5 times the 95th percentile (slower
 * runs, usually preemptions, are counted in the last bin and named), with the marks (p50, p95) drawn.
 */
export function histogramSvg(samples: number[], marks: { label: string; value: number }[], unit: string, bins = 24): string {
  const w = 560, h = 200, left = 44, bottom = 30, top = 30;
  const sorted = [...samples].sort((a, b) => a - b);
  const lo = sorted[0], hi = Math.min(sorted[sorted.length - 1], Math.max(1.5 * sorted[Math.floor(0.95 * (sorted.length - 1))], ...marks.map((m) => m.value)));
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const s of samples) counts[Math.max(0, Math.min(bins - 1, Math.floor((s - lo) / width)))]++;
  const beyond = samples.filter((s) => s > hi).length;
  const max = Math.max(...counts);
  const bw = (w - left - 10) / bins;
  const y = (c: number) => top + (h - top - bottom) * (1 - c / max);
  const x = (v: number) => left + ((Math.min(v, hi) - lo) / (width * bins)) * (w - left - 10);
  const bars = counts.map((c, i) => `<rect x="${(left + i * bw + 1).toFixed(1)}" y="${y(c).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(h - bottom - y(c)).toFixed(1)}" fill="#3b82c4"><title>${formatNumber(lo + i * width)}-${formatNumber(lo + (i + 1) * width)} ${unit}: ${c} runs</title></rect>`);
  const lines = marks.map((m, i) => `<line x1="${x(m.value).toFixed(1)}" x2="${x(m.value).toFixed(1)}" y1="${top - 14 + 12 * i}" y2="${h - bottom}" stroke="#d9480f" stroke-dasharray="4 3"/><text x="${(x(m.value) + 3).toFixed(1)}" y="${top - 6 + 12 * i}" fill="#d9480f" ${FONT}>${esc(m.label)} ${formatNumber(m.value)} ${unit}</text>`);
  const note = `${samples.length} timed runs${beyond ? `; ${beyond} slower than ${formatNumber(hi)} ${unit} (up to ${formatNumber(sorted[sorted.length - 1])}) in the last bar` : ''}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="latency histogram">` +
    `<line x1="${left}" x2="${w - 10}" y1="${h - bottom}" y2="${h - bottom}" stroke="#888"/>` +
    `<text x="${left}" y="${h - 16}" ${FONT} fill="#555">${formatNumber(lo)} ${unit}</text><text x="${w - 10}" y="${h - 16}" text-anchor="end" ${FONT} fill="#555">${formatNumber(hi)} ${unit}</text>` +
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" ${FONT} fill="#555">${max}</text><text x="${left - 6}" y="${h - bottom}" text-anchor="end" ${FONT} fill="#555">0</text>` +
    `<text x="${(w + left) / 2}" y="${h - 2}" text-anchor="middle" ${FONT} fill="#555">${esc(note)}</text>` +
    bars.join('') + lines.join('') + '</svg>';
}

/** Horizontal bars, one per row, longest = `max` (default the largest value); a label and the value beside each. */
export function barsSvg(rows: { label: string; value: number; text: string; colour?: string }[], o: { max?: number; title: string }): string {
  const w = 620, rowH = 18, labelW = 210, textW = 150;
  const max = o.max ?? Math.max(...rows.map((r) => r.value), 1e-12);
  const h = rows.length * rowH + 4;
  const bar = w - labelW - textW;
  const body = rows.map((r, i) => {
    const y = i * rowH + 2;
    const len = Math.max(1, (Math.max(0, r.value) / max) * bar);
    const label = r.label.length > 30 ? `…${r.label.slice(-29)}` : r.label;
    return `<g><title>${esc(r.label)}: ${esc(r.text)}</title><text x="${labelW - 6}" y="${y + 12}" text-anchor="end" ${FONT} fill="#333">${esc(label)}</text>` +
      `<rect x="${labelW}" y="${y + 2}" width="${len.toFixed(1)}" height="${rowH - 5}" fill="${r.colour ?? '#3b82c4'}"/>` +
      `<text x="${(labelW + len + 4).toFixed(1)}" y="${y + 12}" ${FONT} fill="#333">${esc(r.text)}</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(o.title)}">${body.join('')}</svg>`;
}
