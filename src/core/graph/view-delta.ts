/**
 * What changed between two view graphs of one model (an edit, its undo or redo): the run of main
 * graph nodes that differs, between the nodes both keep at the start and at the end, and the
 * inputs, outputs and values that differ. An edit touches a few nodes, so the delta of a
 * 10,000-node model is a few kB where the whole graph is 1.5 MB: the worker sends it and the
 * page applies it to the graph it shows (`applyViewGraphDelta` gives a graph JSON-equal to `to`).
 * Shared with the webview.
 */
import type { TensorInfo, ViewGraph, ViewNode } from './types';
import { valueRecord } from './types';

export interface ViewGraphDelta {
  /** The version of the graph the delta applies to, and the version it makes (the edit session's version numbers). */
  from: number;
  to: number;
  name?: string;
  /** `nodes[start, start + removed)` of the old graph are replaced by `nodes`. */
  start: number;
  removed: number;
  nodes: ViewNode[];
  inputs?: TensorInfo[];
  outputs?: TensorInfo[];
  /** Values whose type or shape is new or changed, and the names of values no longer there. */
  values: Record<string, TensorInfo>;
  deletedValues: string[];
}

/** The delta that turns `a` (version `from`) into `b` (version `to`). */
export function viewGraphDelta(a: ViewGraph, b: ViewGraph, from: number, to: number): ViewGraphDelta {
  const na = a.nodes, nb = b.nodes;
  let start = 0;
  while (start < na.length && start < nb.length && same(na[start], nb[start])) start++;
  let tail = 0;
  while (tail < na.length - start && tail < nb.length - start && same(na[na.length - 1 - tail], nb[nb.length - 1 - tail])) tail++;
  const delta: ViewGraphDelta = { from, to, start, removed: na.length - start - tail, nodes: nb.slice(start, nb.length - tail), values: valueRecord(), deletedValues: [] };
  if (a.name !== b.name) delta.name = b.name;
  if (!same(a.inputs, b.inputs)) delta.inputs = b.inputs;
  if (!same(a.outputs, b.outputs)) delta.outputs = b.outputs;
  for (const k of Object.keys(b.values)) if (!(k in a.values) || !same(a.values[k], b.values[k])) delta.values[k] = b.values[k];
  for (const k of Object.keys(a.values)) if (!(k in b.values)) delta.deletedValues.push(k);
  return delta;
}

/** `g` with the delta applied: a new graph sharing the unchanged nodes and tensors with `g`. */
export function applyViewGraphDelta(g: ViewGraph, d: ViewGraphDelta): ViewGraph {
  if (d.start + d.removed > g.nodes.length) throw new Error(`the graph delta replaces nodes ${d.start}..${d.start + d.removed} of a graph of ${g.nodes.length}`);
  const nodes = g.nodes.slice(0, d.start).concat(d.nodes, g.nodes.slice(d.start + d.removed));
  const values = Object.assign(valueRecord(), g.values, d.values);
  for (const k of d.deletedValues) delete values[k];
  return { name: d.name ?? g.name, nodes, inputs: d.inputs ?? g.inputs, outputs: d.outputs ?? g.outputs, values };
}

/** Deep equality of JSON-like values (view graph parts: plain objects, arrays, strings, numbers). */
function same(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!same(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(y)) return false;
  const kx = Object.keys(x), ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (const k of kx) {
    const vy = (y as Record<string, unknown>)[k];
    // An absent key and one set to undefined both vanish in JSON.
    if (!same((x as Record<string, unknown>)[k], vy) || (vy === undefined && !(k in y))) return false;
  }
  return true;
}
