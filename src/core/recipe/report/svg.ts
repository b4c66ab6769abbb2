/** Small SVG helpers for the CI report's charts and graph: escaped text and a colour ramp (numbers: base/units.ts). */

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Perceptually ordered stops (dark blue -> teal -> yellow), low to high: the graph view's overlay ramp. */
const STOPS: [number, number, number][] = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

export function ramp(t: number): string {
  const x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const c = STOPS[i].map((v, k) => Math.round(v + (STOPS[i + 1][k] - v) * (x - i)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

