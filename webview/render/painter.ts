/** Drawing operations the scene uses, with a canvas and an SVG implementation (for export). */

export interface TextStyle { font: string; colour: string; align?: 'left' | 'center' | 'right'; baseline?: 'middle' | 'alphabetic' | 'top' }

export interface Painter {
  rect(x: number, y: number, w: number, h: number, r: number, fill: string | null, stroke: string | null, lineWidth?: number, dash?: number[]): void;
  polyline(points: ArrayLike<number>, stroke: string, lineWidth: number, radius: number, dash?: number[]): void;
  polygon(points: number[], fill: string): void;
  text(s: string, x: number, y: number, style: TextStyle, maxWidth?: number): void;
}

export class CanvasPainter implements Painter {
  constructor(readonly ctx: CanvasRenderingContext2D) {}

  rect(x: number, y: number, w: number, h: number, r: number, fill: string | null, stroke: string | null, lineWidth = 1, dash?: number[]): void {
    const c = this.ctx;
    c.beginPath();
    if (r > 0) c.roundRect(x, y, w, h, r); else c.rect(x, y, w, h);
    if (fill) { c.fillStyle = fill; c.fill(); }
    if (stroke) {
      c.strokeStyle = stroke;
      c.lineWidth = lineWidth;
      if (dash) c.setLineDash(dash);
      c.stroke();
      if (dash) c.setLineDash([]);
    }
  }

  polyline(p: ArrayLike<number>, stroke: string, lineWidth: number, radius: number, dash?: number[]): void {
    const c = this.ctx;
    c.beginPath();
    tracePolyline(c, p, radius);
    c.strokeStyle = stroke;
    c.lineWidth = lineWidth;
    if (dash) c.setLineDash(dash);
    c.stroke();
    if (dash) c.setLineDash([]);
  }

  polygon(p: number[], fill: string): void {
    const c = this.ctx;
    c.beginPath();
    c.moveTo(p[0], p[1]);
    for (let i = 2; i < p.length; i += 2) c.lineTo(p[i], p[i + 1]);
    c.closePath();
    c.fillStyle = fill;
    c.fill();
  }

  text(s: string, x: number, y: number, st: TextStyle, maxWidth?: number): void {
    const c = this.ctx;
    c.font = st.font;
    c.fillStyle = st.colour;
    c.textAlign = st.align ?? 'left';
    c.textBaseline = st.baseline ?? 'middle';
    c.fillText(maxWidth ? ellipsize(c, s, maxWidth) : s, x, y);
  }
}

/** Orthogonal polyline with rounded corners (radius 0: straight joins). */
export function tracePolyline(c: CanvasRenderingContext2D | Path2D, p: ArrayLike<number>, radius: number): void {
  c.moveTo(p[0], p[1]);
  const n = p.length / 2;
  for (let i = 1; i < n; i++) {
    if (radius > 0 && i < n - 1) c.arcTo(p[2 * i], p[2 * i + 1], p[2 * i + 2], p[2 * i + 3], radius);
    else c.lineTo(p[2 * i], p[2 * i + 1]);
  }
}

const ellipsisCache = new Map<string, string>();

function ellipsize(c: CanvasRenderingContext2D, s: string, max: number): string {
  const key = `${c.font}|${max | 0}|${s}`;
  const hit = ellipsisCache.get(key);
  if (hit !== undefined) return hit;
  let out = s;
  if (c.measureText(s).width > max) {
    let lo = 0, hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (c.measureText(s.slice(0, mid) + '…').width <= max) lo = mid; else hi = mid - 1;
    }
    out = s.slice(0, lo) + '…';
  }
  if (ellipsisCache.size > 20000) ellipsisCache.clear();
  ellipsisCache.set(key, out);
  return out;
}

/** Builds an SVG document with the same calls. Text is not ellipsized precisely (approximate widths). */
export class SvgPainter implements Painter {
  private parts: string[] = [];

  rect(x: number, y: number, w: number, h: number, r: number, fill: string | null, stroke: string | null, lineWidth = 1, dash?: number[]): void {
    this.parts.push(`<rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}"${r ? ` rx="${f(r)}"` : ''} fill="${fill ? esc(fill) : 'none'}"${stroke ? ` stroke="${esc(stroke)}" stroke-width="${f(lineWidth)}"` : ''}${dash ? ` stroke-dasharray="${dash.join(' ')}"` : ''}/>`);
  }

  polyline(p: ArrayLike<number>, stroke: string, lineWidth: number, _radius: number, dash?: number[]): void {
    const pts: string[] = [];
    for (let i = 0; i < p.length; i += 2) pts.push(`${f(p[i])},${f(p[i + 1])}`);
    this.parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${esc(stroke)}" stroke-width="${f(lineWidth)}" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash.join(' ')}"` : ''}/>`);
  }

  polygon(p: number[], fill: string): void {
    const pts: string[] = [];
    for (let i = 0; i < p.length; i += 2) pts.push(`${f(p[i])},${f(p[i + 1])}`);
    this.parts.push(`<polygon points="${pts.join(' ')}" fill="${esc(fill)}"/>`);
  }

  text(s: string, x: number, y: number, st: TextStyle, maxWidth?: number): void {
    const size = Number(st.font.match(/(\d+(?:\.\d+)?)px/)?.[1] ?? 12);
    const max = maxWidth ? Math.floor(maxWidth / (size * 0.58)) : Infinity;
    const t = s.length > max ? s.slice(0, Math.max(1, max - 1)) + '…' : s;
    const anchor = st.align === 'center' ? 'middle' : st.align === 'right' ? 'end' : 'start';
    const baseline = (st.baseline ?? 'middle') === 'middle' ? 'central' : st.baseline === 'top' ? 'hanging' : 'alphabetic';
    const weight = /\bbold\b|\b[6-9]00\b/.test(st.font) ? ' font-weight="600"' : '';
    this.parts.push(`<text x="${f(x)}" y="${f(y)}" font-size="${size}"${weight} fill="${esc(st.colour)}" text-anchor="${anchor}" dominant-baseline="${baseline}">${esc(t)}</text>`);
  }

  document(x: number, y: number, w: number, h: number, background: string, fontFamily: string): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${f(x)} ${f(y)} ${f(w)} ${f(h)}" width="${f(w)}" height="${f(h)}" font-family="${esc(fontFamily)}">` +
      `<rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}" fill="${esc(background)}"/>${this.parts.join('')}</svg>`;
  }
}

const f = (n: number): string => (Math.round(n * 10) / 10).toString();
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
