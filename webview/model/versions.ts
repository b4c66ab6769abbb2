/**
 * The versions of an edited model the page has shown (an edit, undo, redo), and the graphs and
 * drawable models of the last few: undo and redo go back to a version shown before, so its
 * GraphModel (grouping and sizing 10,000 nodes: most of the page's time on a version) is taken
 * from here instead of built again. A version number names one graph within one edit session;
 * what is kept is dropped whenever the page is given a graph without its number (the file
 * loaded again, a whole graph).
 */
import { viewGraphOf } from '../../src/core/graph/packed';
import type { ViewGraph } from '../../src/core/graph/types';
import { applyViewGraphDelta } from '../../src/core/graph/view-delta';
import type { HostToWebview } from '../messages';
import type { GraphModel } from '../../src/core/graph/graph-model';

/** Versions kept (the worker keeps the view graphs of 4: src/worker/edit-sessions.ts). */
const KEPT = 4;

export class Versions {
  /** Versions shown, and the last one's time from message to frame (ms): for the benchmark and tests. */
  shown = 0;
  ms = 0;
  private readonly kept = new Map<number, GraphModel>();

  /**
   * The graph a model message shows. A delta applies to the version on the page (the host sends
   * one only from it): `root` and `model`, its graph and drawable model, are kept as version `from`.
   */
  graphOf(m: Extract<HostToWebview, { type: 'model' | 'modelDelta' }>, root: ViewGraph | undefined, model: GraphModel | null): ViewGraph {
    if (m.type === 'model') {
      this.kept.clear();
      return viewGraphOf(m.graph);
    }
    if (!root) throw new Error('an edit arrived before the model it applies to');
    if (model?.graph === root) this.keep(m.delta.from, model);
    return this.kept.get(m.delta.to)?.graph ?? applyViewGraphDelta(root, m.delta);
  }

  /** The kept model of `graph` (a version shown before), if built with the same constants setting. */
  modelOf(graph: ViewGraph, showConstants: boolean): GraphModel | undefined {
    for (const model of this.kept.values()) if (model.graph === graph && model.options.showConstants === showConstants) return model;
    return undefined;
  }

  drawn(ms: number): void {
    this.shown++;
    this.ms = ms;
  }

  private keep(version: number, model: GraphModel): void {
    this.kept.delete(version);
    this.kept.set(version, model);
    if (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value as number);
  }
}
