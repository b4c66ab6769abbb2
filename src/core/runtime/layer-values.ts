import type { LayerProfile } from './types';
import { valueRecord } from '../graph/types';

/** A node of the displayed graph: its id there and the model's own name for it. */
export interface NamedNode {
  id: string;
  name: string;
}

/**
 * Per-node latency in ms keyed by the displayed graph's node ids, from a profile taken at opt
 * level 'disabled' (whose names are the model's own). Nodes the profile does not name are left out.
 */
export function latencyByNodeId(profile: LayerProfile, nodes: readonly NamedNode[]): Record<string, number> {
  const byName = new Map<string, string[]>();
  for (const n of nodes) if (n.name) byName.set(n.name, [...(byName.get(n.name) ?? []), n.id]);
  const out = valueRecord<number>();
  for (const p of profile.nodes) {
    const ids = byName.get(p.name);
    // Duplicate names cannot be told apart in ORT's profile: leave them out rather than guess.
    if (ids?.length === 1) out[ids[0]] = p.meanUs / 1000;
  }
  return out;
}
