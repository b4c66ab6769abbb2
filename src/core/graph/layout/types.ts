/**
 * A layout request and its answer. The webview describes each expanded group as a flat graph of
 * its direct members (expanded children nested, with ports where edges cross their border); the
 * worker process lays groups out bottom-up with elkjs (elk-layout.ts) and returns absolute geometry.
 */

export type Direction = 'DOWN' | 'RIGHT';

/** One member of an expanded group: a node, a graph input/output, a collapsed or an expanded group. */
export interface LayoutItem {
  id: string;
  w: number;
  h: number;
  /** Present when the item is an expanded group: its own members, laid out first. */
  sub?: LayoutGroup;
}

/** An edge between two members of one group; ports name the value crossing an expanded member's border. */
export interface LayoutEdge {
  from: string;
  /** Value name of the out-port when `from` is an expanded group. */
  fromPort?: string;
  to: string;
  toPort?: string;
  /** The value carried (for labels). */
  value: string;
}

export interface LayoutGroup {
  id: string;
  items: LayoutItem[];
  edges: LayoutEdge[];
  /** Values entering from outside: edges inside may start from `^in:<value>`. */
  inPorts: string[];
  /** Values leaving: edges inside may end at `^out:<value>`. */
  outPorts: string[];
  /**
   * The expanded group's title (label and subtitle) size. Top-to-bottom, it is laid out as a box
   * in the first layer, left of the in-ports, so edges entering the group never cross it.
   */
  title?: { w: number; h: number };
}

export interface Box { x: number; y: number; w: number; h: number }

export interface EdgeGeometry {
  /** Flat [x0, y0, x1, y1, ...] in absolute coordinates. */
  points: number[];
  from: string;
  to: string;
  value: string;
  /** True when the edge ends at a real item (draw an arrowhead), false when it continues through a port. */
  arrow: boolean;
  /** True for the segment leaving the producer (carries the shape label). */
  head: boolean;
  /** The group whose layout holds the edge ('' for the root). */
  group: string;
}

export interface LayoutResult {
  /** Absolute box of every item (nodes, io, collapsed and expanded groups) by id. */
  boxes: Record<string, Box>;
  /** Absolute box of each expanded group's title, by item id (`G:<group>`). */
  titles: Record<string, Box>;
  edges: EdgeGeometry[];
  width: number;
  height: number;
  /** Time spent in elkjs and groups laid out vs taken from the cache. */
  elkMs: number;
  laidOut: number;
  cached: number;
  /** When the worker's layout thread made it (absent for a layout made elsewhere: the page's quick layout, a test's). */
  thread?: LayoutThreadTiming;
}

/** A layout's times in the worker's layout thread, epoch ms (`performance.timeOrigin + performance.now()`, comparable across processes). */
export interface LayoutThreadTiming {
  /** The thread had loaded elkjs (the same for every layout of one thread). */
  readyAt: number;
  /** The request reached the thread, its layout began (after those queued before it), and ended. */
  receivedAt: number;
  startAt: number;
  endAt: number;
}

/** Space above an expanded group's members for its title bar. */
export const GROUP_HEADER = 30;
export const GROUP_PAD = 14;
