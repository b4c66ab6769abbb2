/** The inspector: the selected node's fields, its tensors and (fetched on demand) weight statistics. */
import type { NodeDetails, TensorInfo, ViewGraph, ViewNode, WeightStats } from '../../src/core/graph/types';
import type { MeasuredPeakRss, WebviewToHost } from '../messages';
import { nodeFacts } from './node-facts';
import type { ViewGroup } from '../../src/core/graph/hierarchy';
import { CATEGORY_LABEL, formatShape, opCategory, shortShape } from '../../src/core/graph/ops';
import { quantText } from '../model/quant';
import { clear, h, svg } from './dom';
import { formatBytes, formatCount, formatInteger, formatNumber, formatPercent } from '../../src/core/base/units';

export interface InspectorActions {
  openSubgraph(node: ViewNode, attribute: string): void;
  reveal(valueOrNode: string): void;
  /** Posts to the extension: a node's edits (Edit node...), opening a source file at a line (Go to source). */
  post(m: WebviewToHost): void;
}

export class Inspector {
  readonly el = h('div', { class: 'inspector', role: 'region', 'aria-label': 'Node inspector' });
  private statsHost: HTMLElement | null = null;
  /** Memory and source of the node shown, once its details arrive. */
  private factsHost: HTMLElement | null = null;
  /** The model can be edited: nodes offer their edits. */
  editable = false;

  constructor(private actions: InspectorActions) {
    this.empty();
  }

  empty(): void {
    clear(this.el);
    this.el.append(h('p', { class: 'hint' }, 'Select a node to see its attributes, tensors and weights. Arrow keys move along the graph; Enter opens a group.'));
  }

  showGroup(g: ViewGroup, composition: [string, number][]): void {
    clear(this.el);
    this.el.append(
      h('h2', {}, h('span', { class: 'clip', title: g.label }, ...breakable(g.label))),
      table([
        ['Scope', g.id],
        ['Nodes', String(g.size)],
        ['Weights', formatBytes(g.weightBytes)],
        g.repeat ? ['Repeated block', `${g.repeat.index + 1} of ${g.repeat.count} identical (first: ${g.repeat.first})`] : null,
      ]),
      h('h3', {}, 'Ops inside'),
      table(composition.map(([c, n]) => [CATEGORY_LABEL[c as keyof typeof CATEGORY_LABEL] ?? c, String(n)])),
    );
  }

  /** `notes`: the active overlay's lines about this node (a diff's counterpart and figures). */
  showNode(n: ViewNode, graph: ViewGraph, notes?: string[]): void {
    clear(this.el);
    const weightNames = new Set(n.weights.map((w) => w.name));
    const tensorRow = (name: string): HTMLElement => {
      const info: TensorInfo | undefined = n.weights.find((w) => w.name === name) ?? graph.values[name];
      const link = h('a', { href: '#', class: 'tensor clip', title: name ? `${name}: find in graph` : '' }, ...breakable(name || '(omitted)'));
      link.addEventListener('click', (e) => { e.preventDefault(); if (name) this.actions.reveal(name); });
      const weight = n.weights.find((w) => w.name === name);
      const type = info ? `${info.dtype} ${shortShape(info.shape)}${weight?.value !== undefined ? ` = ${weight.value}` : ''}` : '';
      return h('tr', {}, h('td', {}, link), h('td', { class: 'mono', title: info ? `${info.dtype} ${formatShape(info.shape)}` : '' }, type),
        h('td', { class: 'muted' }, weightNames.has(name) ? 'weight' : ''));
    };
    this.el.append(
      h('h2', {}, h('span', { class: 'clip', title: n.opType }, ...breakable(n.opType)), h('span', { class: `cat cat-${opCategory(n.opType)}` }, CATEGORY_LABEL[opCategory(n.opType)])),
      table([
        ['Name', n.name || '(unnamed)'],
        ['Domain', n.domain || 'ai.onnx'],
        n.scope.length ? ['Scope', n.scope.join(' › ')] : null,
        n.weightBytes ? ['Weights', formatBytes(n.weightBytes)] : null,
        n.macs !== undefined ? ['MACs', `${formatCount(n.macs)} (${formatInteger(n.macs)})`] : null,
      ]),
      this.factsHost = h('div', { class: 'node-facts' }),
    );
    if (notes?.length) this.el.append(h('h3', {}, 'Compared'), h('ul', { class: 'notes' }, ...notes.map((line) => h('li', {}, line))));
    if (n.attributes.length) {
      this.el.append(h('h3', {}, 'Attributes'), table(n.attributes.map((a) => [a.name, a.value]), true));
    }
    this.el.append(h('h3', {}, 'Inputs'), h('table', { class: 'kv tensors' }, ...n.inputs.map(tensorRow)));
    this.el.append(h('h3', {}, 'Outputs'), h('table', { class: 'kv tensors' }, ...n.outputs.map(tensorRow)));
    // Quantized activations (TFLite tensors); weights show theirs with their statistics.
    const quantized = [...n.inputs, ...n.outputs].filter((v, i, all) => v && !weightNames.has(v) && all.indexOf(v) === i && graph.values[v]?.quant);
    if (quantized.length) {
      this.el.append(h('h3', {}, 'Quantization'), table(quantized.map((v) => [v, quantText(graph.values[v].quant!)]), true));
    }
    if (this.editable) {
      const b = h('vscode-button', { secondary: true, class: 'edit-node', title: 'Rename, set an attribute, bypass or delete (undo with Ctrl+Z)' }, 'Edit node...');
      b.addEventListener('click', () => this.actions.post({ type: 'command', command: 'edgewise.editModel', nodeId: n.id }));
      this.el.append(b);
    }
    for (const s of n.subgraphs) {
      const b = h('vscode-button', { secondary: true }, `Open ${s.attribute} (${s.graph.nodes.length} nodes)`);
      b.addEventListener('click', () => this.actions.openSubgraph(n, s.attribute));
      this.el.append(b);
    }
    if (n.weights.length) {
      this.statsHost = h('div', { class: 'weights' }, h('p', { class: 'muted' }, 'Loading weight statistics…'));
      this.el.append(h('h3', {}, 'Weights'), this.statsHost);
    } else {
      this.statsHost = null;
    }
  }

  /** `peakRss`: the model's measured peak RSS, shown beside the node's activation memory. */
  showDetails(d: NodeDetails, peakRss?: MeasuredPeakRss): void {
    this.factsHost?.replaceChildren(...nodeFacts(d, peakRss, {
      openSource: (f) => this.actions.post({ type: 'openSource', file: f.file, line: f.line }),
      revealNode: (id) => this.actions.reveal(id),
    }));
    if (!this.statsHost) return;
    clear(this.statsHost);
    for (const w of d.weights) {
      this.statsHost.append(h('div', { class: 'weight' },
        h('div', { class: 'weight-title' }, h('span', { class: 'mono clip', title: w.name }, ...breakable(w.name))),
        table([
          ['Type', `${w.dtype} ${formatShape(w.shape)}`],
          ['Size', `${formatBytes(w.bytes)} · ${formatInteger(w.elements)} elements`],
          ...(w.quant ? [['Quantization', quantText(w.quant)] as [string, string]] : []),
          ...(w.stats ? statRows(w.stats) : [['Statistics', 'not numeric'] as [string, string]]),
        ]),
        w.stats ? histogram(w.stats) : null,
      ));
    }
  }

  showDetailsError(message: string): void {
    const host = this.statsHost ?? this.factsHost;
    if (!host) return;
    clear(host);
    host.append(h('p', { class: 'error' }, message));
  }
}

function statRows(s: WeightStats): [string, string][] {
  const f = (x: number): string => formatNumber(x, 4);
  return [['Min / max', `${f(s.min)} / ${f(s.max)}`], ['Mean ± std', `${f(s.mean)} ± ${f(s.std)}`], ['Zeros', formatPercent(s.sparsity, 2)]];
}

function histogram(s: WeightStats): Element {
  const counts = s.histogram.counts;
  const max = Math.max(1, ...counts);
  const W = 240, H = 48, bw = W / counts.length;
  const bars = counts.map((c, i) => svg('rect', { x: (i * bw).toFixed(1), y: (H - (H * c) / max).toFixed(1), width: (bw - 1).toFixed(1), height: ((H * c) / max).toFixed(1), class: 'bar' }));
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': `Histogram of values from ${s.histogram.min} to ${s.histogram.max}` }, ...bars);
  return h('div', { class: 'histogram' }, chart, h('div', { class: 'axis' }, h('span', {}, formatNumber(s.histogram.min)), h('span', {}, formatNumber(s.histogram.max))));
}

export function table(rows: ([string, string] | null)[], mono = false): HTMLElement {
  return h('table', { class: 'kv' }, ...rows.filter((r): r is [string, string] => r !== null).map(([k, v]) =>
    h('tr', {}, h('th', {}, h('span', { class: 'clip', title: k }, ...breakable(k))), h('td', { class: mono ? 'mono' : '' }, h('span', { class: 'clip', title: v }, ...breakable(v))))));
}

/**
 * Text with a line-break opportunity after each separator of a name ('/', '_', ':', '.' before a
 * letter), so 'Conv2d_0/fused_activation_function' wraps between its parts, never inside one.
 * Shown in a `.clip` element: at most three lines, then an ellipsis, the whole text on hover.
 */
export function breakable(text: string): (string | Node)[] {
  const parts = text.split(/(?<=[/_:]|\.(?=\D))/);
  const out: (string | Node)[] = [];
  parts.forEach((p, i) => { if (i > 0) out.push(h('wbr')); out.push(p); });
  return out;
}
