/** Mouse, wheel and keyboard on the graph canvas. */
import type { ViewNode } from '../src/core/graph/types';
import type { Direction } from '../src/core/graph/layout/types';
import type { Scene, SceneItem } from './render/scene';
import type { Viewport } from './render/viewport';

/** What the canvas input drives (the App): the view, the selection and navigation. */
export interface InputTarget {
  readonly viewport: Viewport;
  readonly toolbar: { readonly searchField: HTMLElement };
  readonly scene: Scene | null;
  readonly selected: string | null;
  readonly frames: readonly unknown[];
  readonly direction: Direction;
  select(id: string | null, reveal: boolean): void;
  toggleGroup(groupId: string): void;
  nodeOf(itemId: string): ViewNode | undefined;
  openSubgraph(n: ViewNode, attribute: string): void;
  navigate(depth: number): void;
}

export function bindInput(app: InputTarget, canvas: HTMLCanvasElement): void {
  const vp = app.viewport;
  let drag: { x: number; y: number; moved: boolean } | null = null;

  canvas.addEventListener('pointerdown', (e) => {
    canvas.focus();
    drag = { x: e.clientX, y: e.clientY, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
    drag.moved = true;
    drag.x = e.clientX;
    drag.y = e.clientY;
    vp.panBy(dx, dy);
  });
  canvas.addEventListener('pointerup', (e) => {
    const wasDrag = drag?.moved;
    drag = null;
    if (wasDrag || !app.scene) return;
    const r = canvas.getBoundingClientRect();
    const [x, y] = vp.toWorld(e.clientX - r.left, e.clientY - r.top);
    const hit = app.scene.hit(x, y);
    if (!hit) { app.select(null, false); return; }
    const it = hit.item;
    if (it.kind === 'group' || (it.kind === 'open' && hit.header)) app.toggleGroup(it.group!.id);
    else if (it.kind !== 'open') app.select(it.id, false);
  });
  canvas.addEventListener('dblclick', (e) => {
    if (!app.scene) return;
    const r = canvas.getBoundingClientRect();
    const [x, y] = vp.toWorld(e.clientX - r.left, e.clientY - r.top);
    const it = app.scene.hit(x, y)?.item;
    const n = it ? app.nodeOf(it.id) : undefined;
    if (n && n.subgraphs.length) app.openSubgraph(n, n.subgraphs[0].attribute);
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    if (e.ctrlKey || e.metaKey || Math.abs(e.deltaY) >= Math.abs(e.deltaX)) {
      vp.zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015)));
    } else {
      vp.panBy(-e.deltaX, -e.deltaY);
    }
  }, { passive: false });

  canvas.addEventListener('keydown', (e) => {
    const cx = vp.width / 2, cy = vp.height / 2;
    switch (e.key) {
      case '+': case '=': vp.zoomAt(cx, cy, 1.25); break;
      case '-': case '_': vp.zoomAt(cx, cy, 0.8); break;
      case '0': vp.fit(); break;
      case '/': app.toolbar.searchField.focus(); break;
      case 'Escape':
        if (app.selected) app.select(null, false);
        else if (app.frames.length > 1) app.navigate(app.frames.length - 2);
        break;
      case 'Enter': case ' ': {
        const it = app.selected ? app.scene?.byId.get(app.selected) : undefined;
        if (!it) break;
        if (it.kind === 'group' || it.kind === 'open') app.toggleGroup(it.group!.id);
        else { const n = app.nodeOf(it.id); if (n?.subgraphs.length) app.openSubgraph(n, n.subgraphs[0].attribute); }
        break;
      }
      case 'ArrowUp': case 'ArrowDown': case 'ArrowLeft': case 'ArrowRight':
        if (e.shiftKey) {
          const d = 60;
          vp.panBy(e.key === 'ArrowLeft' ? d : e.key === 'ArrowRight' ? -d : 0, e.key === 'ArrowUp' ? d : e.key === 'ArrowDown' ? -d : 0);
        } else {
          const next = step(app, e.key);
          if (next) app.select(next, true);
        }
        break;
      default: return;
    }
    e.preventDefault();
  });
}

/** Arrow navigation: along edges in the flow direction, to the nearest neighbour across it. */
function step(app: InputTarget, key: string): string | null {
  const scene = app.scene;
  if (!scene) return null;
  const items = scene.items;
  const cur = app.selected ? scene.byId.get(app.selected) : undefined;
  if (!cur) return items.length ? items.reduce((a, b) => (a.y + a.x < b.y + b.x ? a : b)).id : null;
  const down = app.direction === 'DOWN';
  const forward = down ? 'ArrowDown' : 'ArrowRight';
  const back = down ? 'ArrowUp' : 'ArrowLeft';
  const centre = (b: SceneItem): [number, number] => [b.x + b.w / 2, b.y + b.h / 2];
  const [x0, y0] = centre(cur);
  if (key === forward || key === back) {
    const linked = scene.edges
      .filter((e) => (key === forward ? e.from === cur.id : e.to === cur.id))
      .map((e) => scene.byId.get(key === forward ? e.to : e.from))
      .filter((b): b is SceneItem => !!b && b.kind !== 'open');
    if (linked.length) return linked.sort((a, b) => dist(centre(a), [x0, y0]) - dist(centre(b), [x0, y0]))[0].id;
  }
  // Nearest item in the pressed direction.
  const dir = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[key]!;
  let best: SceneItem | null = null;
  let bestScore = Infinity;
  for (const it of items) {
    if (it === cur) continue;
    const [x, y] = centre(it);
    const along = (x - x0) * dir[0] + (y - y0) * dir[1];
    if (along <= 1) continue;
    const across = Math.abs((x - x0) * dir[1]) + Math.abs((y - y0) * dir[0]);
    const score = along + across * 3;
    if (score < bestScore) { bestScore = score; best = it; }
  }
  return best?.id ?? null;
}

function dist(a: [number, number], b: [number, number]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}
