/**
 * A model's first screen laid out as soon as the worker has answered the open, while the page
 * loads and draws its quick first frame. The page then asks for the same request (core/graph/
 * first-screen.ts, with the text metrics the host gave both) and the layout thread answers it
 * from its layout cache, or right after this one if it still runs. elkjs's layout of the first
 * screen (cold, hundreds of ms on PP-OCR's) so no longer starts only when the page has drawn.
 * A first screen whose groups the page's own layout lays out as well needs no elkjs at all.
 */
import { everyGroupFitsOwnLayout, firstScreen, firstScreenModel, FIRST_DIRECTION } from '../../core/graph/first-screen';
import { OWN_LAYOUT_MAX_ITEMS, ownLayoutFits } from '../../core/graph/layout/quick-layout';
import { viewGraphOf, type PackedViewGraphText } from '../../core/graph/packed';
import type { TextMetrics } from '../../core/graph/text-metrics';
import type { LayoutThread } from './client';
import { trace } from '../../core/base/trace';
import { formatDuration } from '../../core/base/units';

/** Larger graphs are not laid out ahead (handlers/view.ts): unpacking and modelling them costs the worker more than the page's wait. */
const AHEAD_MAX_NODES = 5000;

/**
 * Whether a model of `nodes` nodes and `io` graph inputs and outputs may have a first screen for
 * elkjs. A group's members are nodes, groups of nodes, and the root's inputs and outputs, so in a
 * model of at most OWN_LAYOUT_MAX_ITEMS of them every group fits the page's own layout, and its
 * first screen is not even made here (tens of ms of the worker while the page draws).
 */
export function mayLayOutAhead(nodes: number, io: number): boolean {
  return nodes <= AHEAD_MAX_NODES && nodes + io > OWN_LAYOUT_MAX_ITEMS;
}

/**
 * Starts the layout; resolves whether it ran (false: failed or cancelled, which only loses the
 * head start). `signal`: the view closed (handlers/view.ts), and the layout would only delay the next.
 */
export async function layOutAhead(graph: PackedViewGraphText, metrics: TextMetrics, layout: LayoutThread, signal?: AbortSignal): Promise<boolean> {
  try {
    // Most models' groups all fit: their first screen is not modelled (tens of ms of this worker
    // while the page unpacks, lays out and draws the model, as cold code under load).
    const view = viewGraphOf(graph);
    if (everyGroupFitsOwnLayout(view)) {
      trace('first screen: not laid out ahead (every group fits the page\'s own layout)');
      return false;
    }
    const { tree } = firstScreen(firstScreenModel(view, metrics));
    if (ownLayoutFits(tree)) {
      trace('first screen: not laid out ahead (the page lays it out itself)');
      return false;
    }
    layout.prepare();
    trace('first screen: layout request made');
    const r = await layout.layout(tree, FIRST_DIRECTION, signal);
    trace(`first screen: laid out ahead (${r.laidOut} groups, elkjs ${formatDuration(r.elkMs)})`);
    return true;
  } catch (e) {
    trace(`first screen: not laid out ahead (${e instanceof Error ? e.message : String(e)})`);
    return false;
  }
}
