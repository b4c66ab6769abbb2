import type { DescMessage, Message } from '@bufbuild/protobuf';
import type { AttributeInfo } from '../../graph/types';
import { attributesOf } from './reflect';
import { labelText } from './nn-view';
import { TreeEnsembleParameters_TreeNode_TreeNodeBehavior as Behavior, type TreeEnsembleParameters } from './proto/classic_pb';
import { ModelSchema, type Model } from './proto/model_pb';

/** The params message of the model's type and its schema (for reflection). */
export function modelTypeParams(m: Model): { desc: DescMessage; msg: Message } | undefined {
  const t = m.Type;
  if (!t.case) return undefined;
  const f = ModelSchema.fields.find((x) => x.localName === t.case);
  return f?.fieldKind === 'message' ? { desc: f.message, msg: t.value as Message } : undefined;
}

/** Class labels of any classifier type (string or int64 labels), in order. */
export function classLabels(msg: unknown): string[] {
  const labels = (msg as { ClassLabels?: { case?: string; value?: { vector: (string | bigint)[] } } }).ClassLabels;
  return labels?.case ? labels.value!.vector.map(String) : [];
}

/**
 * A classic model (tree ensemble, GLM, SVM, encoder, vectorizer...) summarized as the attributes
 * of its one node: the counts that describe its size first (trees, nodes, leaves, classes,
 * weights), then its set parameters with long lists shortened.
 */
export function classicAttributes(m: Model): AttributeInfo[] {
  const p = modelTypeParams(m);
  if (!p) return [];
  const t = m.Type;
  const facts: AttributeInfo[] = [];
  const fact = (name: string, value: string | number) => facts.push({ name, type: 'summary', value: String(value) });
  if (t.case === 'treeEnsembleClassifier' || t.case === 'treeEnsembleRegressor') {
    const s = treeStats(t.value.treeEnsemble);
    fact('trees', s.trees);
    fact('nodes', s.nodes);
    fact('leaves', s.leaves);
    fact('max depth', s.maxDepth);
    fact('prediction dimensions', Number(t.value.treeEnsemble?.numPredictionDimensions ?? 0));
  } else if (t.case === 'glmClassifier' || t.case === 'glmRegressor') {
    fact('weights', `${t.value.weights.length} × ${t.value.weights[0]?.value.length ?? 0}`);
  } else if (t.case === 'supportVectorClassifier' || t.case === 'supportVectorRegressor') {
    const sv = t.value.supportVectors;
    fact('support vectors', sv.case ? sv.value.vectors.length : 0);
    fact('kernel', t.value.kernel?.kernel.case ?? 'none');
  } else if (t.case === 'oneHotEncoder') {
    const c = t.value.CategoryType;
    fact('categories', c.case ? c.value.vector.length : 0);
  } else if (t.case === 'dictVectorizer') {
    const c = t.value.Map;
    fact('keys', c.case ? c.value.vector.length : 0);
  } else if (t.case === 'featureVectorizer') {
    fact('inputs', t.value.inputList.map((c) => `${c.inputColumn}[${c.inputDimensions}]`).join(', '));
  } else if (t.case === 'kNearestNeighborsClassifier') {
    fact('samples', t.value.nearestNeighborsIndex?.floatSamples.length ?? 0);
  }
  const labels = classLabels(p.msg);
  if (labels.length) {
    fact('classes', labels.length);
    fact('labels', labelText(labels));
  }
  // Reflection of everything else; the tree node list is summarized above.
  const rest = attributesOf(p.desc, p.msg, (f) => f.name === 'treeEnsemble' || f.oneof?.name === 'ClassLabels');
  if (t.case === 'treeEnsembleClassifier' || t.case === 'treeEnsembleRegressor') {
    const base = t.value.treeEnsemble?.basePredictionValue ?? [];
    if (base.length) rest.push({ name: 'basePredictionValue', type: 'double[]', value: `[${base.slice(0, 8).join(', ')}${base.length > 8 ? ', ...' : ''}]` });
  }
  return [...facts, ...rest];
}

export interface TreeStats { trees: number; nodes: number; leaves: number; maxDepth: number }

export function treeStats(e: TreeEnsembleParameters | undefined): TreeStats {
  const nodes = e?.nodes ?? [];
  const byTree = new Map<bigint, Map<bigint, (typeof nodes)[number]>>();
  let leaves = 0;
  for (const n of nodes) {
    let tree = byTree.get(n.treeId);
    if (!tree) byTree.set(n.treeId, (tree = new Map()));
    tree.set(n.nodeId, n);
    if (n.nodeBehavior === Behavior.LeafNode) leaves++;
  }
  let maxDepth = 0;
  for (const tree of byTree.values()) {
    const children = new Set<bigint>();
    for (const n of tree.values()) if (n.nodeBehavior !== Behavior.LeafNode) { children.add(n.trueChildNodeId); children.add(n.falseChildNodeId); }
    const roots = [...tree.keys()].filter((id) => !children.has(id));
    // Iterative depth-first walk; a malformed tree with a cycle stops at the node count.
    const stack: [bigint, number][] = roots.map((r) => [r, 1]);
    let steps = 0;
    while (stack.length > 0 && steps++ <= tree.size) {
      const [id, depth] = stack.pop()!;
      const n = tree.get(id);
      if (!n) continue;
      if (depth > maxDepth) maxDepth = depth;
      if (n.nodeBehavior !== Behavior.LeafNode) stack.push([n.trueChildNodeId, depth + 1], [n.falseChildNodeId, depth + 1]);
    }
  }
  return { trees: byTree.size, nodes: nodes.length, leaves, maxDepth };
}

/** Numeric parameters of a classic model and their storage (doubles in the file, floats for kNN samples). */
export function classicParameters(m: Model): { count: number; dtype: string } {
  const t = m.Type;
  switch (t.case) {
    case 'treeEnsembleClassifier': case 'treeEnsembleRegressor': {
      // One threshold per branch node, one value per leaf contribution, plus the base values.
      let n = t.value.treeEnsemble?.basePredictionValue.length ?? 0;
      for (const node of t.value.treeEnsemble?.nodes ?? []) n += node.nodeBehavior === Behavior.LeafNode ? node.evaluationInfo.length : 1;
      return { count: n, dtype: 'float64' };
    }
    case 'glmClassifier': case 'glmRegressor':
      return { count: t.value.weights.reduce((a, w) => a + w.value.length, 0) + t.value.offset.length, dtype: 'float64' };
    case 'supportVectorClassifier': case 'supportVectorRegressor': {
      const sv = t.value.supportVectors;
      let n = 0;
      if (sv.case === 'denseSupportVectors') for (const v of sv.value.vectors) n += v.values.length;
      if (sv.case === 'sparseSupportVectors') for (const v of sv.value.vectors) n += v.nodes.length;
      const coeffs = t.case === 'supportVectorClassifier' ? t.value.coefficients.reduce((a, c) => a + c.alpha.length, 0) : t.value.coefficients?.alpha.length ?? 0;
      return { count: n + coeffs, dtype: 'float64' };
    }
    case 'kNearestNeighborsClassifier':
      return { count: (t.value.nearestNeighborsIndex?.floatSamples ?? []).reduce((a, s) => a + s.vector.length, 0), dtype: 'float32' };
    case 'scaler': return { count: t.value.scaleValue.length + t.value.shiftValue.length, dtype: 'float64' };
    default: return { count: 0, dtype: 'float64' };
  }
}
