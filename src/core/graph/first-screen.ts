/**
 * The layout request of a graph's first screen, as the page makes it when a model opens: the
 * largest groups open while at most FIRST_SCREEN_BUDGET items are drawn, top to bottom, constants
 * hidden. The worker makes the same request from the same view graph and text metrics, to lay it
 * out while the page is still loading (worker/layout/ahead.ts).
 */
import { initialExpansion } from './expansion';
import { GraphModel, viewHierarchy } from './graph-model';
import { OWN_LAYOUT_MAX_ITEMS } from './layout/quick-layout';
import type { Direction, LayoutGroup } from './layout/types';
import { tableMeasure, type TextMetrics } from './text-metrics';
import type { ViewGraph } from './types';

export const FIRST_SCREEN_BUDGET = 400;
export const FIRST_DIRECTION: Direction = 'DOWN';
export const FIRST_SHOW_CONSTANTS = false;

/** The page's drawable model of `graph` with labels measured by `metrics`. */
export function firstScreenModel(graph: ViewGraph, metrics: TextMetrics, showConstants = FIRST_SHOW_CONSTANTS): GraphModel {
  return new GraphModel(graph, { showConstants, measure: tableMeasure(metrics) });
}

/** The groups open on the first screen. */
export function firstExpansion(model: GraphModel): Set<string> {
  return initialExpansion(model, FIRST_SCREEN_BUDGET);
}

/** The groups open on the first screen and its layout request. */
export function firstScreen(model: GraphModel): { expanded: Set<string>; tree: LayoutGroup } {
  const expanded = firstExpansion(model);
  return { expanded, tree: model.layoutTree(expanded) };
}

/**
 * Whether every group of `graph`, open or not, has few enough members for the page's own layout
 * (quick-layout.ts): then no screen of it needs elkjs. A group's members are its subgroups and its
 * own nodes, and the root's also the graph's inputs and outputs, as in GraphModel.layoutTree. Known
 * from the groups alone, without modelling the first screen (its labels measured).
 */
export function everyGroupFitsOwnLayout(graph: ViewGraph): boolean {
  const io = graph.inputs.length + graph.outputs.length;
  for (const g of viewHierarchy(graph, { showConstants: FIRST_SHOW_CONSTANTS }).groups.values()) {
    if (g.groups.length + g.nodes.length + (g.id === '' ? io : 0) > OWN_LAYOUT_MAX_ITEMS) return false;
  }
  return true;
}
