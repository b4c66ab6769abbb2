import { EditError, type EditReport } from './types';
import { copyWith, subgraphReaders, type GraphDraft } from './draft';

/** Renames a value everywhere it appears (producer, readers, graph inputs/outputs, value_info, initializer). */
export function renameValue(d: GraphDraft, from: string, to: string): EditReport {
  checkNewName(from, to);
  if (!d.hasValue(from)) throw new EditError(`cannot rename '${from}': there is no value of that name`);
  const inside = subgraphReaders(d.nodes, from);
  if (inside.length) throw new EditError(`cannot rename '${from}': the subgraphs of ${inside.join(', ')} read it; rename inside If/Loop bodies is not supported`);
  if (d.hasValue(to) || d.nodes.some((n) => n.input.includes(to))) throw new EditError(`cannot rename '${from}' to '${to}': a value named '${to}' already exists`);
  const rename = <T extends { name: string }>(list: T[]): T[] => list.map((v) => (v.name === from ? copyWith(v, { name: to } as Partial<T>) : v));
  d.inputs = rename(d.inputs);
  d.outputs = rename(d.outputs);
  d.valueInfo = rename(d.valueInfo);
  d.initializers = rename(d.initializers);
  d.nodes = d.nodes.map((n) => (n.input.includes(from) || n.output.includes(from)
    ? copyWith(n, { input: n.input.map((x) => (x === from ? to : x)), output: n.output.map((x) => (x === from ? to : x)) })
    : n));
  return { description: `renamed '${from}' to '${to}'`, removedNodes: 0, addedNodes: 0 };
}

/** Gives a node a new name (unique among the graph's node names). */
export function renameNode(d: GraphDraft, id: string, to: string): EditReport {
  const i = d.nodeIndex(id);
  checkNewName(id, to);
  if (d.nodes.some((n, k) => k !== i && n.name === to)) throw new EditError(`cannot rename node '${id}' to '${to}': another node has that name`);
  d.nodes[i] = copyWith(d.nodes[i], { name: to });
  return { description: `renamed node '${id}' to '${to}'`, removedNodes: 0, addedNodes: 0 };
}

/** Renames a value when one has that name, else a node; `target` forces one. */
export function rename(d: GraphDraft, from: string, to: string, target?: 'value' | 'node'): EditReport {
  const asValue = target === 'value' || (target === undefined && d.hasValue(from));
  return asValue ? renameValue(d, from, to) : renameNode(d, from, to);
}

function checkNewName(from: string, to: string): void {
  if (!to.trim()) throw new EditError(`cannot rename '${from}': the new name is empty`);
  if (to === from) throw new EditError(`cannot rename '${from}': the new name is the same`);
}
