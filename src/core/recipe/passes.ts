/**
 * The passes a recipe can name, wired to their implementations. Per-node overrides become each
 * pass's exclude list: a node the recipe keeps in another precision is left alone by this pass.
 */
import type { Model } from '../formats/onnx/model';
import { nodeIds } from '../formats/onnx/node-id';
import { nodeLabel, type NodeSelection } from '../passes/common';
import { convertFp16 } from '../passes/fp16';
import { quantizeDynamic } from '../passes/quantize/dynamic';
import { quantizeStatic, staticCalibrationTensors } from '../passes/quantize/static';
import { quantizeInt4, quantizeInt8Weights } from '../passes/quantize/weight-only';
import { MinMaxCalibrator } from '../passes/calibrate/minmax';
import { EntropyCalibrator } from '../passes/calibrate/entropy';
import { PercentileCalibrator } from '../passes/calibrate/percentile';
import type { Calibrator } from '../passes/calibrate/calibrator';
import { magnitudePruneAsync } from '../passes/prune/magnitude';
import { channelPruneAsync } from '../passes/prune/channel';
import { calibrate } from '../runtime/calibration-run';
import { loadDataset } from '../runtime/data';
import type { Precision } from './schema';
import type { PassContext, PassRunner } from './run';
import { mixedPrecisionPass } from './mixed-precision-pass';
import { distillPass, finetunePass } from './train-passes';

type Options = Record<string, unknown>;

/** Node names (pass selections go by `nodeLabel`) of a recipe's node ids, looked up in `model`, then in the float model. */
function labelsOf(ids: string[], model: Model, ctx: PassContext): string[] {
  const lookup = (m: Model) => {
    const map = new Map<string, string>();
    const list = nodeIds(m.graph.nodes);
    m.graph.nodes.forEach((n, i) => map.set(list[i], nodeLabel(n)));
    return map;
  };
  const here = lookup(model);
  const base = model === ctx.floatModel ? here : lookup(ctx.floatModel);
  return ids.map((id) => here.get(id) ?? base.get(id) ?? id);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The pass's include/exclude options plus every node the overrides keep out of `precision`. */
function selection(model: Model, options: Options, ctx: PassContext, precision: Precision): NodeSelection {
  const kept = Object.entries(ctx.overrides).filter(([, o]) => o.precision !== precision).map(([id]) => id);
  const include = strings(options.include);
  return {
    includeNodes: include.length ? labelsOf(include, model, ctx) : undefined,
    excludeNodes: labelsOf([...strings(options.exclude), ...kept], model, ctx),
  };
}

function calibrator(name: unknown): Calibrator {
  if (name === 'entropy') return new EntropyCalibrator();
  if (name === 'percentile') return new PercentileCalibrator({});
  return new MinMaxCalibrator({});
}

const fp16: PassRunner = async (model, o, ctx) =>
  convertFp16(model, { ...selection(model, o, ctx, 'fp16'), keepIoTypes: o.keepIoTypes as boolean | undefined });

const quantize: PassRunner = async (model, o, ctx) => {
  const sel = selection(model, o, ctx, 'int8');
  const perChannel = o.perChannel as boolean | undefined;
  if (o.weights === 'int4') return quantizeInt4(model, sel);
  if (o.mode === 'dynamic') return quantizeDynamic(model, { ...sel, perChannel });
  if (o.mode === 'int8-weights') return quantizeInt8Weights(model, { ...sel, perChannel });
  const src = ctx.dataSource;
  if (!src) throw new Error(`${model.label}: static quantization needs calibration data (the recipe's "data")`);
  const data = await loadDataset(model, src.file, { scale: src.scale });
  const tensors = staticCalibrationTensors(model, sel);
  ctx.progress(`calibrating ${tensors.length} tensors on ${data.description}`);
  const cal = await calibrate(model, tensors, data, calibrator(o.calibration));
  return quantizeStatic(model, { ...sel, ranges: cal.ranges, perChannel, activationType: o.activations as 'uint8' | 'int8' | undefined });
};

const int4: PassRunner = async (model, o, ctx) =>
  quantizeInt4(model, { ...selection(model, o, ctx, 'int8'), blockSize: o.blockSize as number | undefined });

const prune: PassRunner = async (model, o, ctx) => {
  const sparsity = (o.sparsity as number | undefined) ?? 0.5;
  const exclude = labelsOf(strings(o.exclude), model, ctx);
  const onProgress = (m: string) => ctx.progress(m);
  return o.structured
    ? channelPruneAsync(model, { sparsity, exclude, onProgress, measureSizes: false })
    : magnitudePruneAsync(model, { sparsity, exclude, onProgress, measureSizes: false });
};

export const RECIPE_PASSES: Record<string, PassRunner> = {
  fp16, quantize, int4, prune, 'mixed-precision': mixedPrecisionPass, finetune: finetunePass, distill: distillPass,
};
