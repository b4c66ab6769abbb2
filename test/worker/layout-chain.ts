import type { LayoutGroup } from '../../src/core/graph/layout/types';

/** A layout request of a chain of `n` nodes of width `w` (a different `w` is a different shape), for the layout server's tests. */
export function chain(n: number, w = 80): LayoutGroup {
  const items = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, w, h: 40 }));
  return { id: '', items, edges: items.slice(1).map((it, i) => ({ from: `n${i}`, to: it.id, value: `v${i}` })), inPorts: [], outPorts: [] };
}
