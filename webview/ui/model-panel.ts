/** The model panel: what the file is, what goes in and out, where the bytes are, which ops it uses. */
import type { ModelSummary } from '../../src/core/graph/types';
import { formatShape } from '../../src/core/graph/ops';
import { h } from './dom';
import { table } from './inspector';
import { formatBytes, formatInteger } from '../../src/core/base/units';

export function modelPanel(file: string, s: ModelSummary): HTMLElement {
  const ops = Object.entries(s.ops).sort((a, b) => b[1] - a[1]);
  const maxOp = Math.max(1, ...ops.map(([, n]) => n));
  const dtypes = Object.entries(s.bytesByDtype).sort((a, b) => b[1] - a[1]);
  return h('div', { class: 'model-panel', role: 'region', 'aria-label': 'Model summary' },
    h('h2', {}, file.split(/[\\/]/).pop() ?? file),
    table([
      ['Format', (s.format === 'coreml' ? 'Core ML' : s.format.toUpperCase()) + (s.irVersion !== null ? ` · IR ${s.irVersion}` : '')],
      ...(s.coreml ? ([
        ['Model type', `${s.coreml.modelType}${s.coreml.opset ? ` · ${s.coreml.opset}` : ''}${s.coreml.container === 'mlmodelc' ? ' · compiled (not a source model)' : ''}`],
        ['Spec version', `${s.coreml.specificationVersion}: ${s.coreml.minimumOS}`],
        ['Runs on', 'Apple\'s Core ML framework only (macOS, iOS): no benchmark or passes here'],
      ] as [string, string][]) : [['Opsets', Object.entries(s.opsets).map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', ')] as [string, string]]),
      ['Producer', `${s.producer.name} ${s.producer.version}`.trim() || '—'],
      ['File size', formatBytes(s.fileBytes)],
      ['Nodes', s.nodes === s.nodesWithSubgraphs ? String(s.nodes) : `${s.nodes} (${s.nodesWithSubgraphs} with subgraphs)`],
      ['Parameters', formatInteger(s.parameters)],
      ['Weights', `${formatBytes(s.initializers.bytes)} in ${s.initializers.count} tensors${s.externalData ? ' (external data)' : ''}`],
      s.macs !== null ? ['MACs', `${formatInteger(s.macs)}${s.macsNote ? ` (${s.macsNote})` : ''}`] : null,
    ]),
    h('h3', {}, 'Inputs'),
    table(s.inputs.map((t) => [t.name, `${t.dtype} ${formatShape(t.shape)}${t.detail ? ` · ${t.detail}` : ''}`]), true),
    h('h3', {}, 'Outputs'),
    table(s.outputs.map((t) => [t.name, `${t.dtype} ${formatShape(t.shape)}${t.detail ? ` · ${t.detail}` : ''}`]), true),
    h('h3', {}, 'Size by dtype'),
    table(dtypes.map(([d, b]) => [d, formatBytes(b)])),
    h('h3', {}, 'Ops'),
    h('table', { class: 'kv ops' }, ...ops.map(([op, n]) => {
      const bar = h('div', { class: 'bar' });
      bar.style.width = `${(100 * n) / maxOp}%`;
      return h('tr', {}, h('th', {}, op), h('td', { class: 'num' }, String(n)), h('td', { class: 'barcell' }, bar));
    })),
  );
}
