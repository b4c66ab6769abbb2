/**
 * Recipe validation like a language server: every problem carries its JSON path, a message and
 * the text range it belongs to, so the editor can underline it and the CLI can print line:column.
 * JSON and YAML recipes are checked alike, on the format-neutral tree of `tree.ts`.
 */
import { PASS_OPTIONS, RECIPE_SPEC, type Recipe, type Spec } from './schema';
import { child, parseRecipeText, treeValue, type RecipeFormat, type TreeNode as Node } from './tree';
import type { Model } from '../formats/onnx/model';
import { tensorByteLength } from '../formats/onnx/tensor';
import { nodeIds } from '../formats/onnx/node-id';

export type JsonPath = (string | number)[];

export interface RecipeProblem {
  severity: 'error' | 'warning';
  code: 'syntax' | 'type' | 'value' | 'required' | 'unknown-property' | 'unknown-option' | 'unknown-node' | 'unreachable-budget';
  path: JsonPath;
  message: string;
  /** Character range in the recipe text. */
  offset: number;
  length: number;
  /** 0-based. */
  line: number;
  column: number;
}

/** What validation may check against when the model is at hand. */
export interface ModelFacts {
  /** ViewNode ids of the main graph. */
  nodeNames: readonly string[];
  /** Bytes of float weights (initializers) in the model. */
  weightBytes?: number;
}

/** The facts of a loaded model (sizes from the tensors' shapes: external data is not read). */
export function modelFacts(model: Model): Required<ModelFacts> {
  return {
    nodeNames: nodeIds(model.graph.nodes),
    weightBytes: model.graph.proto.initializer.reduce((a, t) => a + tensorByteLength(t), 0),
  };
}

export interface RecipeValidation {
  /** The parsed recipe when there are no errors (warnings allowed). */
  recipe?: Recipe;
  problems: RecipeProblem[];
}

export function pathText(path: JsonPath): string {
  return '$' + path.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('');
}

class Checker {
  readonly problems: RecipeProblem[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(text: string, private readonly facts?: ModelFacts) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  report(severity: RecipeProblem['severity'], code: RecipeProblem['code'], path: JsonPath, message: string, offset: number, length: number): void {
    let lo = 0, hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.problems.push({ severity, code, path, message, offset, length, line: lo, column: offset - this.lineStarts[lo] });
  }

  private at(node: Node, severity: RecipeProblem['severity'], code: RecipeProblem['code'], path: JsonPath, message: string): void {
    this.report(severity, code, path, `${pathText(path)}: ${message}`, node.offset, node.length);
  }

  check(node: Node, spec: Spec, path: JsonPath): void {
    switch (spec.type) {
      case 'any': return;
      case 'string':
        if (node.type !== 'string') return this.at(node, 'error', 'type', path, `expected a string, got ${describe(node)}`);
        if (spec.enum && !spec.enum.includes(node.value)) {
          return this.at(node, 'error', 'value', path, `'${node.value}' is not one of ${spec.enum.map((e) => `'${e}'`).join(', ')}`);
        }
        if (spec.nodeName) this.checkNodeName(node, node.value, path);
        return;
      case 'number': {
        if (node.type !== 'number') return this.at(node, 'error', 'type', path, `expected a number, got ${describe(node)}`);
        const v = node.value as number;
        if (spec.integer && !Number.isInteger(v)) return this.at(node, 'error', 'value', path, `expected an integer, got ${v}`);
        if (spec.min !== undefined && v < spec.min) return this.at(node, 'error', 'value', path, `${v} is below the minimum ${spec.min}`);
        if (spec.max !== undefined && v > spec.max) return this.at(node, 'error', 'value', path, `${v} is above the maximum ${spec.max}`);
        if (spec.exclusiveMin !== undefined && v <= spec.exclusiveMin) return this.at(node, 'error', 'value', path, `must be greater than ${spec.exclusiveMin}, got ${v}`);
        if (spec.exclusiveMax !== undefined && v >= spec.exclusiveMax) return this.at(node, 'error', 'value', path, `must be less than ${spec.exclusiveMax}, got ${v}`);
        return;
      }
      case 'boolean':
        if (node.type !== 'boolean') this.at(node, 'error', 'type', path, `expected true or false, got ${describe(node)}`);
        return;
      case 'array':
        if (node.type !== 'array') return this.at(node, 'error', 'type', path, `expected an array, got ${describe(node)}`);
        node.children?.forEach((c, i) => this.check(c, spec.items, [...path, i]));
        return;
      case 'object': {
        if (node.type !== 'object') return this.at(node, 'error', 'type', path, `expected an object, got ${describe(node)}`);
        const seen = new Set<string>();
        for (const prop of node.children ?? []) {
          const [key, value] = prop.children ?? [];
          if (!key || !value) continue;
          const name = key.value as string;
          seen.add(name);
          const sub = spec.props[name] ?? spec.additional;
          if (!sub) {
            this.at(key, 'error', 'unknown-property', [...path, name], `unknown property '${name}'${suggest(name, Object.keys(spec.props))}`);
            continue;
          }
          this.check(value, sub, [...path, name]);
        }
        for (const r of spec.required ?? []) {
          if (!seen.has(r)) this.report('error', 'required', [...path, r], `${pathText(path)}: missing required property '${r}'`, node.offset, 1);
        }
        return;
      }
    }
  }

  checkNodeName(node: Node, name: string, path: JsonPath): void {
    if (!this.facts || this.facts.nodeNames.includes(name)) return;
    this.at(node, 'error', 'unknown-node', path, `the model has no node '${name}'${suggest(name, this.facts.nodeNames)}`);
  }
}

function describe(node: Node): string {
  return node.type === 'null' ? 'null' : node.type === 'string' ? `'${String(node.value).slice(0, 40)}'` : node.type === 'object' || node.type === 'array' ? `an ${node.type}` : `${node.type} ${node.value}`;
}

/** ", did you mean 'x'?" for the closest candidate by edit distance, when it is close. */
function suggest(name: string, candidates: readonly string[]): string {
  let best = '', bestD = Infinity;
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) >= bestD) continue;
    const d = editDistance(name, c, bestD);
    if (d < bestD) { bestD = d; best = c; }
  }
  return best && bestD <= Math.max(2, name.length / 3) ? `; did you mean '${best}'?` : '';
}

function editDistance(a: string, b: string, cap: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, cur[j]);
    }
    if (rowMin >= cap) return cap;
    prev = cur;
  }
  return prev[b.length];
}

export function validateRecipe(text: string, facts?: ModelFacts, format: RecipeFormat = 'json'): RecipeValidation {
  const checker = new Checker(text, facts);
  const { root, syntax } = parseRecipeText(text, format);
  for (const e of syntax) checker.report(e.severity, 'syntax', [], e.message, e.offset, e.length);
  if (!root) return { problems: checker.problems };
  checker.check(root, RECIPE_SPEC, []);
  const passes = child(root, 'passes')?.value;
  passes?.children?.forEach((step, i) => {
    const name = child(step, 'pass')?.value.value;
    const options = child(step, 'options')?.value;
    const known = typeof name === 'string' ? PASS_OPTIONS[name] : undefined;
    if (!known || options?.type !== 'object') return;
    for (const prop of options.children ?? []) {
      const [key, value] = prop.children ?? [];
      if (!key || !value) continue;
      const path = ['passes', i, 'options', key.value as string];
      const spec = known[key.value as string];
      if (!spec) checker.report('error', 'unknown-option', path, `${pathText(path)}: '${name}' has no option '${key.value}'${suggest(key.value, Object.keys(known))}`, key.offset, key.length);
      else checker.check(value, spec, path);
    }
  });
  for (const prop of child(root, 'overrides')?.value.children ?? []) {
    const key = prop.children?.[0];
    if (key) checker.checkNodeName(key, key.value as string, ['overrides', key.value as string]);
  }
  checkBudgets(root, checker, facts);
  checkPassNeeds(root, checker);
  for (const key of ['data', 'eval']) checkNormalisation(child(root, key)?.value, key, checker);
  const hasErrors = checker.problems.some((p) => p.severity === 'error');
  checker.problems.sort((a, b) => a.offset - b.offset);
  return { recipe: hasErrors ? undefined : (JSON.parse(JSON.stringify(treeValue(root))) as Recipe), problems: checker.problems };
}

/** Budgets that no pass in the recipe could meet, or that lack what they are measured with. */
function checkBudgets(root: Node, checker: Checker, facts?: ModelFacts): void {
  const budgets = child(root, 'budgets')?.value;
  if (budgets?.type !== 'object') return;
  const passNames = (child(root, 'passes')?.value.children ?? []).map((s) => child(s, 'pass')?.value.value as string);
  const hasLabels = ['eval', 'data'].some((k) => child(child(root, k)?.value, 'labels'));
  const drop = child(budgets, 'maxAccuracyDrop');
  const flag = (n: Node, key: string, message: string) => checker.report('error', 'unreachable-budget', ['budgets', key], `${pathText(['budgets', key])}: ${message}`, n.offset, n.length);
  if (drop && !hasLabels) flag(drop.key, 'maxAccuracyDrop', 'an accuracy budget needs labels ("eval": {"labels": ...} or "data": {"labels": ...})');
  const exported = passNames.includes('export');
  for (const key of ['maxFlashBytes', 'maxArenaBytes']) {
    const b = child(budgets, key);
    if (b && !exported) flag(b.key, key, 'flash and arena budgets are checked on a TFLite export: add {"pass": "export"} as the last pass');
  }
  const ram = child(budgets, 'maxRamBytes');
  if (ram && exported) flag(ram.key, 'maxRamBytes', 'peak RAM is measured for ONNX models; for the exported .tflite use "maxArenaBytes" (TFLite Micro\'s tensor arena)');
  const cos = child(budgets, 'minCosine');
  if (cos && cos.value.value === 1 && passNames.some((p) => p && p !== 'prune')) flag(cos.value, 'minCosine', 'cosine 1 is only met by an unchanged model; every pass here changes the outputs');
  const size = child(budgets, 'maxSizeBytes');
  if (size && facts?.weightBytes !== undefined && typeof size.value.value === 'number') {
    const smallest = facts.weightBytes / Math.max(1, ...(child(root, 'passes')?.value.children ?? []).map(shrinkFactor));
    if (size.value.value < smallest) {
      flag(size.value, 'maxSizeBytes', `${size.value.value} bytes is below ${Math.round(smallest)} bytes, the weights' size after the most these passes can shrink them`);
    }
  }
}

/** `mean` and `std` go together, one value or one per channel each, as on the command line. */
function checkNormalisation(data: Node | undefined, key: string, checker: Checker): void {
  const mean = child(data, 'mean'), std = child(data, 'std');
  if (!mean === !std) {
    if (mean && std && mean.value.children?.length !== std.value.children?.length && mean.value.children?.length !== 1 && std.value.children?.length !== 1) {
      checker.report('error', 'value', [key, 'std'], `${pathText([key, 'std'])}: give one value or one per channel, as many as "mean" has`, std.value.offset, std.value.length);
    }
    return;
  }
  const [has, lacks] = mean ? ['mean', 'std'] : ['std', 'mean'];
  const at = (mean ?? std)!;
  checker.report('error', 'required', [key, lacks], `${pathText([key, has])}: needs "${lacks}" too (x * scale, then (x - mean) / std per channel)`, at.key.offset, at.key.length);
}

/** The most a step can divide the weights' size by: 4-bit weights or pruning 8, FP16 2, INT8 4. */
function shrinkFactor(step: Node): number {
  const pass = child(step, 'pass')?.value.value;
  const mode = child(child(step, 'options')?.value, 'mode')?.value.value ?? 'static';
  if (pass === 'prune' || (pass === 'quantize' && mode === 'int4')) return 8;
  if (pass === 'quantize' && mode === 'fp16') return 2;
  return pass === 'quantize' || pass === 'mixed-precision' ? 4 : 1;
}

/** What a pass needs from the rest of the recipe: data to calibrate on, a budget to search for, a sparsity. */
function checkPassNeeds(root: Node, checker: Checker): void {
  const budgets = child(root, 'budgets')?.value;
  const data = child(root, 'data')?.value;
  const steps = child(root, 'passes')?.value.children ?? [];
  steps.forEach((step, i) => {
    const name = child(step, 'pass');
    const options = child(step, 'options')?.value;
    const path = ['passes', i, 'pass'];
    const flag = (message: string) => checker.report('error', 'required', path, `${pathText(path)}: ${message}`, name!.value.offset, name!.value.length);
    if (name?.value.value === 'export') {
      if (i !== steps.length - 1) flag('export writes the .tflite, so it must be the last pass');
      const quantize = child(options, 'quantize')?.value.value;
      if (quantize === 'int8' && !data) flag('export with "quantize": "int8" calibrates on the recipe\'s "data"; add it');
      if (child(options, 'int8Io')?.value.value === true && quantize !== 'int8') flag('"int8Io" needs "quantize": "int8" (int8 inputs and outputs exist only in a full-integer model)');
      const output = child(root, 'output')?.value;
      if (typeof output?.value === 'string' && !output.value.toLowerCase().endsWith('.tflite')) {
        checker.report('error', 'required', ['output'], `$.output: an export pass writes a .tflite file, not '${output.value}'`, output.offset, output.length);
      }
      return;
    }
    if (name?.value.value === 'prune' && !child(options, 'sparsity')) flag('prune needs "sparsity" in its options (the share to remove, as --sparsity)');
    if (name?.value.value !== 'mixed-precision') return;
    if (!data) flag('mixed-precision calibrates and tunes on the recipe\'s "data"; add it');
    if (!['maxAccuracyDrop', 'minCosine'].some((k) => child(options, k) || child(budgets, k))) {
      flag('mixed-precision needs an accuracy budget: "maxAccuracyDrop" or "minCosine" in its options or in "budgets"');
    } else if ((child(options, 'maxAccuracyDrop') || (!child(options, 'minCosine') && child(budgets, 'maxAccuracyDrop'))) && data && !child(data, 'labels')) {
      flag('mixed-precision with maxAccuracyDrop tunes top-1 accuracy, which needs "labels" in "data"');
    }
  });
}
