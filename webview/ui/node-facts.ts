/**
 * The inspector's sections from a node's details: its activation memory (output and live bytes,
 * the peak and the tensors making it, beside the measured peak RSS when a benchmark measured it)
 * and where it came from (the exporter's module and stack trace, with "Go to source").
 */
import type { NodeDetails, NodeMemoryDetails, SourceFrame } from '../../src/core/graph/types';
import type { MeasuredPeakRss } from '../messages';
import { formatBytes, formatInteger, formatPercent } from '../../src/core/base/units';
import { h } from './dom';

export interface FactActions {
  /** Asks the extension to open a frame's file at its line (the page reads no files). */
  openSource(frame: SourceFrame): void;
  /** Selects a node by id (the one at the peak). */
  revealNode(nodeId: string): void;
}

/** The sections for `d`; none for a node its details say nothing more about. */
export function nodeFacts(d: NodeDetails, peakRss: MeasuredPeakRss | undefined, actions: FactActions): HTMLElement[] {
  return [...(d.memory ? memorySection(d.nodeId, d.memory, peakRss, actions) : []), ...(d.source?.length || d.module ? sourceSection(d, actions) : [])];
}

function memorySection(nodeId: string, m: NodeMemoryDetails, peakRss: MeasuredPeakRss | undefined, actions: FactActions): HTMLElement[] {
  const atPeak = m.peakNode === nodeId;
  const peakLink = m.peakNode && !atPeak ? link(m.peakNode, `Select ${m.peakNode}`, () => actions.revealNode(m.peakNode!)) : null;
  const rows: [string, string | Node][] = [
    ['Output', formatBytes(m.outputBytes)],
    ['Live activations', `${formatBytes(m.liveBytes)}${m.peakBytes > 0 ? ` · ${formatPercent(m.liveBytes / m.peakBytes)} of the peak` : ''}`],
    ['Peak', atPeak ? `${formatBytes(m.peakBytes)}, while this node runs` : h('span', {}, `${formatBytes(m.peakBytes)} while `, peakLink ?? '(no node)', ' runs')],
    ['Measured peak RSS', peakRss
      ? `${formatBytes(peakRss.bytes)} (${peakRss.how}; weights, runtime and buffers too)`
      : 'not measured: Benchmark Model measures it'],
    ['Order', `node ${formatInteger(m.index + 1)} of ${formatInteger(m.nodes)} in execution order`],
  ];
  const out = [h('h3', {}, 'Memory'), kv(rows)];
  if (m.peakTensors.length) {
    const more = m.peakTensorCount - m.peakTensors.length;
    out.push(h('h3', {}, 'Tensors at the peak'), kv([
      ...m.peakTensors.map((t): [string, string] => [t.name, formatBytes(t.bytes)]),
      ...(more > 0 ? [[`${formatInteger(more)} more`, ''] as [string, string]] : []),
    ], 'peak-tensors'));
  }
  const notes = [
    m.symbolicDims.length ? `Symbolic dimensions counted as 1: ${m.symbolicDims.join(', ')}.` : '',
    m.unknownTensors ? `${formatInteger(m.unknownTensors)} activations of unknown size counted as 0.` : '',
  ].filter(Boolean);
  if (notes.length) out.push(h('p', { class: 'muted small' }, notes.join(' ')));
  return out;
}

function sourceSection(d: NodeDetails, actions: FactActions): HTMLElement[] {
  const frames = d.source ?? [];
  const out: HTMLElement[] = [h('h3', {}, 'Source')];
  if (d.module) out.push(kv([['Module', d.module.className ? `${d.module.path} (${shortClass(d.module.className)})` : d.module.path]]));
  // The model's own code: the innermost frame outside installed packages (torch's nn modules).
  const target = [...frames].reverse().find((f) => !f.library) ?? frames[frames.length - 1];
  if (target) {
    const go = h('vscode-button', { class: 'go-to-source', title: `${target.file}:${target.line}` }, `Go to source (${basename(target.file)}:${target.line})`);
    go.addEventListener('click', () => actions.openSource(target));
    out.push(go, h('ol', { class: 'frames', 'aria-label': 'Stack trace, outermost call first' }, ...frames.map((f) =>
      h('li', { class: f.library ? 'muted' : '' },
        link(`${f.function} · ${basename(f.file)}:${f.line}`, `${f.file}:${f.line}`, () => actions.openSource(f)),
        f.code ? h('div', { class: 'mono clip code' }, f.code) : ''))));
  }
  return out;
}

function kv(rows: [string, string | Node][], extra = ''): HTMLElement {
  return h('table', { class: `kv ${extra}` }, ...rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))));
}

function link(text: string, title: string, onClick: () => void): HTMLElement {
  const a = h('a', { href: '#', class: 'tensor', title }, text);
  a.addEventListener('click', (e) => { e.preventDefault(); onClick(); });
  return a;
}

function basename(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}

/** 'torch.nn.modules.linear.Linear' -> 'Linear'. */
function shortClass(name: string): string {
  return name.split('.').pop() || name;
}
