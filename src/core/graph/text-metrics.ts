/**
 * Label widths from a table of character advance widths. The page and the worker both size boxes
 * with it, so the worker can lay out the page's first screen before the page asks (src/worker/
 * layout/ahead.ts) and the page's request finds every group in the layout cache. The page measures
 * the table in its own font (webview/render/text-measure.ts) and the host keeps it for later
 * opens; until then both use the built-in table. A string is as wide as the sum of its characters:
 * kerning only narrows it, so labels fit.
 */
import type { Measure } from './graph-model';

/** The labels' fonts (the scene draws with the same): regular 11 px, and titles 600 12.5 px. */
export const LABEL_FONT = '11px';
export const TITLE_FONT = '600 12.5px';

/** The characters a table measures: printable ASCII, then a few the labels use. */
export const TABLE_CHARS = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('') + '▾·×…';

export interface TextMetrics {
  /** The CSS font family measured (the page's --vscode-font-family). */
  font: string;
  /** Advance widths in px of TABLE_CHARS, in the label font and the title font. */
  normal: number[];
  bold: number[];
}

/**
 * Measured in headless Chromium with the page's fallback font (DejaVu Sans on Linux): wider than
 * the usual UI fonts, so labels fit until the page has measured its own.
 */
export const BUILT_IN_METRICS: TextMetrics = {
  font: 'system-ui, -apple-system, "Segoe UI", sans-serif',
  normal: [3.5, 4.41, 5.06, 9.22, 7, 10.45, 8.58, 3.02, 4.29, 4.29, 5.5, 9.22, 3.5, 3.97, 3.5, 3.71, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 3.71, 3.71, 9.22, 9.22, 9.22, 5.84, 11, 7.52, 7.55, 7.68, 8.47, 6.95, 6.33, 8.52, 8.27, 3.24, 3.24, 7.21, 6.13, 9.49, 8.23, 8.66, 6.63, 8.66, 7.64, 6.98, 6.72, 8.05, 7.52, 10.88, 7.54, 6.72, 7.54, 4.29, 3.71, 4.29, 9.22, 5.5, 5.5, 6.74, 6.98, 6.05, 6.98, 6.77, 3.87, 6.98, 6.97, 3.06, 3.06, 6.37, 3.06, 10.72, 6.97, 6.73, 6.98, 6.98, 4.52, 5.73, 4.31, 6.97, 6.51, 9, 6.51, 6.51, 5.77, 7, 3.71, 7, 9.22, 5.52, 3.5, 9.22, 11],
  bold: [4.35, 5.7, 6.51, 10.47, 8.7, 12.52, 10.9, 3.83, 5.71, 5.71, 6.54, 10.47, 4.75, 5.19, 4.75, 4.57, 8.7, 8.7, 8.7, 8.7, 8.7, 8.7, 8.7, 8.7, 8.7, 8.7, 5, 5, 10.47, 10.47, 10.47, 7.25, 12.5, 9.67, 9.53, 9.17, 10.38, 8.54, 8.54, 10.26, 10.46, 4.65, 4.65, 9.69, 7.97, 12.44, 10.46, 10.63, 9.16, 10.63, 9.63, 9, 8.53, 10.15, 9.67, 13.79, 9.64, 9.05, 9.06, 5.71, 4.57, 5.71, 10.47, 6.25, 6.25, 8.44, 8.95, 7.41, 8.95, 8.48, 5.44, 8.95, 8.9, 4.28, 4.28, 8.31, 4.28, 13.02, 8.9, 8.59, 8.95, 8.95, 6.16, 7.44, 5.98, 8.9, 8.15, 11.55, 8.06, 8.15, 7.28, 8.9, 4.57, 8.9, 10.47, 6.27, 4.75, 10.47, 12.5],
};

const FONT_PX = { normal: 11, bold: 12.5 };
/** Wide scripts (CJK, Hangul, full-width forms) take about a full em. */
const WIDE_FROM = 0x1100;

/** `m` if it is a well-formed table (it crosses from the page and is kept by the host), else undefined. */
export function checkTextMetrics(m: unknown): TextMetrics | undefined {
  const t = m as Partial<TextMetrics> | null;
  const widths = (w: unknown): boolean => Array.isArray(w) && w.length === TABLE_CHARS.length && w.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x < 100);
  return t && typeof t === 'object' && typeof t.font === 'string' && t.font.length < 1000 && widths(t.normal) && widths(t.bold) ? { font: t.font, normal: t.normal!, bold: t.bold! } : undefined;
}

/** Widths of strings in `m`'s fonts: the sum of their characters' advances. */
export function tableMeasure(m: TextMetrics): Measure {
  const index = new Map<number, number>();
  for (let i = 0; i < TABLE_CHARS.length; i++) index.set(TABLE_CHARS.charCodeAt(i), i);
  // A character the table lacks: as wide as an 'n', or a full em in a wide script.
  const n = index.get(110)!;
  return (text, bold) => {
    const w = bold ? m.bold : m.normal;
    let sum = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const k = c >= 32 && c < 127 ? c - 32 : index.get(c);
      sum += k !== undefined ? w[k] : c >= WIDE_FROM ? (bold ? FONT_PX.bold : FONT_PX.normal) : w[n];
    }
    return sum;
  };
}
