/**
 * Which groups start expanded: the largest first, while the number of drawn items stays within a
 * budget. Copies of a repeated block at one depth open together or not at all, so identical
 * layers look identical.
 */
import type { ViewGroup } from './hierarchy';
import type { GraphModel } from './graph-model';

/** Expands groups of `model` on top of `start` while at most `budget` items would be drawn. */
export function initialExpansion(model: GraphModel, budget: number, start: ReadonlySet<string> = new Set()): Set<string> {
  const h = model.hierarchy;
  const expanded = new Set(start);
  let visible = model.countVisible(expanded);
  // Copies of a block by signature and depth.
  const copies = new Map<string, ViewGroup[]>();
  for (const g of h.groups.values()) {
    if (!g.repeat || g.part) continue;
    const key = unitKey(g);
    let list = copies.get(key);
    if (!list) copies.set(key, (list = []));
    list.push(g);
  }
  const rejected = new Set<string>();
  const isOpen = (id: string | null): boolean => id === '' || (id !== null && expanded.has(id));
  for (;;) {
    // Units whose groups are all on the frontier (collapsed, parent open).
    const units = new Map<string, ViewGroup[]>();
    for (const g of h.groups.values()) {
      if (g.id === '' || expanded.has(g.id) || !isOpen(g.parent)) continue;
      const key = unitKey(g);
      if (rejected.has(key) || units.has(key)) continue;
      const members = copies.get(key) ?? [g];
      if (members.every((c) => !expanded.has(c.id) && isOpen(c.parent))) units.set(key, members);
    }
    let best: { key: string; members: ViewGroup[]; grow: number; size: number } | null = null;
    for (const [key, members] of units) {
      const grow = members.reduce((s, g) => s + g.nodes.length + g.groups.length - 1, 0);
      if (visible + grow > budget) { rejected.add(key); continue; }
      const size = members[0].size;
      if (!best || size > best.size) best = { key, members, grow, size };
    }
    if (!best) return expanded;
    for (const g of best.members) expanded.add(g.id);
    visible += best.grow;
  }
}

/** Copies open together; parts of a split flat group do not count as copies (their likeness is chance). */
function unitKey(g: ViewGroup): string {
  return g.repeat && !g.part ? `${g.depth}:${g.signature}` : `#${g.id}`;
}
