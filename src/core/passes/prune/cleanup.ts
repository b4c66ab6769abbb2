import type { GraphProto } from '../../formats/onnx/proto/onnx_pb';

/**
 * Drops initializers nothing reads any more and Identity/Constant nodes whose outputs nothing
 * reads (the leftovers of replacing a weight with a smaller copy). Other nodes are left alone.
 */
export function removeUnusedConstants(g: GraphProto): { initializers: number; nodes: number } {
  let removedNodes = 0;
  const graphOutputs = new Set(g.output.map((o) => o.name));
  for (;;) {
    const used = readNames(g);
    const before = g.node.length;
    g.node = g.node.filter((n) => {
      if (n.domain !== '' || (n.opType !== 'Identity' && n.opType !== 'Constant')) return true;
      return n.output.some((o) => used.has(o) || graphOutputs.has(o));
    });
    removedNodes += before - g.node.length;
    if (g.node.length === before) break;
  }
  const used = readNames(g);
  const before = g.initializer.length;
  const dropped = new Set(g.initializer.filter((t) => !used.has(t.name) && !graphOutputs.has(t.name)).map((t) => t.name));
  g.initializer = g.initializer.filter((t) => !dropped.has(t.name));
  // IR < 4 lists initializers as graph inputs too; a dropped weight leaves the input list with it.
  g.input = g.input.filter((i) => !dropped.has(i.name));
  return { initializers: before - g.initializer.length, nodes: removedNodes };
}

/** Every value name read by a node of the graph or of its subgraphs. */
function readNames(g: GraphProto): Set<string> {
  const out = new Set<string>();
  const visit = (graph: GraphProto) => {
    for (const n of graph.node) {
      for (const i of n.input) if (i) out.add(i);
      for (const a of n.attribute) {
        if (a.g) visit(a.g);
        for (const sub of a.graphs) visit(sub);
      }
    }
  };
  visit(g);
  return out;
}
