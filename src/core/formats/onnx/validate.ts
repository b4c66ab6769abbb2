import type { GraphProto } from './proto/onnx_pb';
import { outerReads, type Model } from './model';

/**
 * Why a model's graph is not well formed, as ONNX's checker sees it: every value a node reads is
 * defined before (a graph input, an initializer, an earlier node's output, or an enclosing
 * graph's value for a subgraph), every value is defined once, every graph output is defined,
 * input and output names are unique, the nodes can be ordered (no cycle), and every node's domain
 * has an opset. Empty when the graph is well formed. Weights are not read (check.ts does that).
 */
export function graphProblems(model: Model): string[] {
  const problems: string[] = [];
  const domains = new Set(model.proto.opsetImport.map((o) => (o.domain === 'ai.onnx' ? '' : o.domain)));
  const functions = new Set(model.proto.functions.map((f) => `${f.domain}:${f.name}`));
  checkGraph(model.graph.proto, new Set(), problems, (domain, op) => {
    const d = domain === 'ai.onnx' ? '' : domain;
    if (!domains.has(d) && !functions.has(`${domain}:${op}`)) problems.push(`node ${op} uses domain '${d}', which the model imports no opset for`);
  });
  if (model.graph.proto.output.length === 0) problems.push('the graph has no outputs');
  try {
    model.graph.topologicalOrder();
  } catch (e) {
    problems.push((e as Error).message);
  }
  return problems;
}

function checkGraph(g: GraphProto, outer: ReadonlySet<string>, problems: string[], checkDomain: (domain: string, op: string) => void): void {
  const where = g.name ? `graph '${g.name}'` : 'the graph';
  const defined = new Set<string>();
  const define = (name: string, what: string): void => {
    if (!name) return;
    if (defined.has(name)) problems.push(`${where}: '${name}' (${what}) is defined more than once`);
    defined.add(name);
  };
  const inits = new Set(g.initializer.map((t) => t.name));
  for (const i of g.input) if (!inits.has(i.name)) define(i.name, 'a graph input');
  for (const t of g.initializer) define(t.name, 'an initializer');
  for (const s of g.sparseInitializer) define(s.values?.name ?? '', 'a sparse initializer');
  unique(g.input.map((i) => i.name), `${where}: input`, problems);
  unique(g.output.map((o) => o.name), `${where}: output`, problems);
  // Producers first: a read of a value produced later is an order problem, reported by the cycle check.
  const produced = new Set<string>();
  for (const n of g.node) for (const o of n.output) if (o) produced.add(o);
  for (const n of g.node) {
    const label = `node '${n.name || n.opType}' (${n.opType})`;
    for (const i of n.input) {
      if (i && !defined.has(i) && !produced.has(i) && !outer.has(i)) problems.push(`${where}: ${label} reads '${i}', which nothing defines`);
    }
    for (const o of n.output) define(o, `output of ${label}`);
    checkDomain(n.domain, n.opType);
    for (const a of n.attribute) {
      for (const sub of a.g ? [a.g, ...a.graphs] : a.graphs) {
        const visible = new Set([...outer, ...defined, ...produced]);
        for (const r of outerReads(sub)) if (!visible.has(r)) problems.push(`${where}: the '${a.name}' body of ${label} reads '${r}', which nothing defines`);
        checkGraph(sub, visible, problems, checkDomain);
      }
    }
  }
  for (const o of g.output) if (!defined.has(o.name) && !outer.has(o.name)) problems.push(`${where}: output '${o.name}' is not produced by any node`);
}

function unique(names: string[], what: string, problems: string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) problems.push(`${what} '${n}' is listed more than once`);
    seen.add(n);
  }
}
