import type { ModelSummary, TensorInfo } from '../../graph/types';
import { textType } from './compiled-view';
import type { MilTextBlock } from './compiled';
import { minimumOS } from './features';
import type { CoreMLModel } from './model';
import { valueRecord } from '../../graph/types';

const DTYPES: Record<string, string> = { Float16: 'float16', Float32: 'float32', Double: 'float64', Int32: 'int32', Int8: 'int8' };

/**
 * A compiled folder's summary, from metadata.json (inputs, outputs, spec version, op histogram)
 * and model.mil (ops). Weights are not counted: compiled weight files are not source data.
 */
export function compiledSummary(model: CoreMLModel): ModelSummary {
  const c = model.compiled!;
  const meta = c.metadata ?? {};
  const io = (key: string): TensorInfo[] => ((meta[key] as Record<string, string>[] | undefined) ?? []).map((f) => {
    const shape = typeof f.shape === 'string' ? (JSON.parse(f.shape) as number[]) : null;
    return { name: f.name, dtype: f.type === 'MultiArray' ? DTYPES[f.dataType] ?? f.dataType : (f.formattedType ?? f.type), shape, detail: f.formattedType };
  });
  const fn = c.program?.functions.find((f) => f.name === 'main') ?? c.program?.functions[0];
  const ops = valueRecord<number>();
  let nested = 0;
  const visit = (b: MilTextBlock, top: boolean): void => {
    for (const op of b.ops) {
      if (top) ops[op.op] = (ops[op.op] ?? 0) + 1;
      nested++;
      for (const inner of op.blocks) visit(inner, false);
    }
  };
  if (fn) visit(fn, true);
  const spec = Number(meta.specificationVersion ?? 0);
  const user = (meta.userDefinedMetadata as Record<string, string> | undefined) ?? {};
  const metadata: Record<string, string> = { compiled: 'a compiled model folder: coremldata.bin and the other compiled files are Apple\'s binary formats, not a source model; shown from model.mil and metadata.json' };
  for (const [k, v] of Object.entries(user)) metadata[k] = String(v);
  const availability = meta.availability as Record<string, string> | undefined;
  if (availability) metadata.availability = Object.entries(availability).map(([os, v]) => `${os} ${v}`).join(', ');
  const hist = meta.mlProgramOperationTypeHistogram as Record<string, number> | undefined;
  if (hist) metadata.operationHistogram = Object.entries(hist).map(([k, v]) => `${k} ${v}`).join(', ');
  if (c.opaqueFiles.length) metadata['not decoded'] = c.opaqueFiles.join(', ');
  const inputs = io('inputSchema');
  return {
    file: model.file,
    format: 'coreml',
    fileBytes: model.fileBytes,
    irVersion: null,
    producer: { name: user['com.github.apple.coremltools.version'] ? 'coremltools' : '', version: user['com.github.apple.coremltools.version'] ?? '' },
    opsets: {},
    inputs: inputs.length || !fn ? inputs : fn.inputs.map((i) => textType(i.name, i.type)),
    outputs: io('outputSchema'),
    nodes: fn?.ops.length ?? 0,
    nodesWithSubgraphs: nested,
    ops,
    initializers: { count: 0, bytes: 0 },
    parameters: 0,
    bytesByDtype: {},
    externalData: false,
    // Shapes of compiled ops are not worked out; a program without conv/matmul/linear has none to count.
    macs: Object.keys(ops).some((o) => /conv|matmul|linear|einsum/.test(o)) ? null : 0,
    metadata,
    coreml: {
      container: 'mlmodelc',
      specificationVersion: spec,
      minimumOS: minimumOS(spec),
      modelType: String((meta.modelType as { name?: string } | undefined)?.name ?? 'unknown').replace(/^MLModelType_/, ''),
      isUpdatable: meta.isUpdatable === '1',
      ...(fn ? { opset: fn.opset } : {}),
    },
  };
}
