/**
 * The static INT8 QDQ pass as a LayerQuantizer: calibrates once, then builds any subset of layers
 * in INT8 from the same ranges, with the pass's own float -> dequantized tensor mapping.
 */
import type { Model } from '../formats/onnx/model';
import { nodeIds } from '../formats/onnx/node-id';
import { nodeLabel, PassError } from '../passes/common';
import { quantizeStatic, staticCalibrationTensors, type RangeTable, type StaticOptions } from '../passes/quantize/static';
import { calibrate } from '../runtime/calibration-run';
import { MinMaxCalibrator } from '../passes/calibrate/minmax';
import type { Calibrator } from '../passes/calibrate/calibrator';
import type { Dataset } from '../runtime/data';
import type { LayerQuantizer, QuantizedModel } from './quantizer';
import { valueRecord } from '../graph/types';

export type StaticSettings = Omit<StaticOptions, 'ranges' | 'includeNodes' | 'excludeNodes'>;

export class StaticLayerQuantizer implements LayerQuantizer {
  readonly layers: string[];
  private readonly labelOf = new Map<string, string>();
  private readonly cache = new Map<string, QuantizedModel>();

  private constructor(private readonly model: Model, private readonly ranges: RangeTable, private readonly settings: StaticSettings, readonly weightBytes: Record<string, number>) {
    const ids = nodeIds(model.graph.nodes);
    const idOfLabel = new Map<string, string>();
    model.graph.nodes.forEach((n, i) => { idOfLabel.set(nodeLabel(n), ids[i]); this.labelOf.set(ids[i], nodeLabel(n)); });
    const full = quantizeStatic(model, { ...settings, ranges });
    this.layers = full.report.quantized.map((q) => idOfLabel.get(q.node)).filter((x): x is string => !!x);
  }

  /** Calibrates on `data` (min/max by default) and prepares builds. */
  static async create(model: Model, data: Dataset, settings: StaticSettings = {}, calibrator: Calibrator = new MinMaxCalibrator()): Promise<StaticLayerQuantizer> {
    const tensors = staticCalibrationTensors(model, settings);
    const { ranges } = await calibrate(model, tensors, data, calibrator);
    return new StaticLayerQuantizer(model, ranges, settings, {});
  }

  async build(int8Layers: ReadonlySet<string>): Promise<QuantizedModel> {
    const chosen = this.layers.filter((l) => int8Layers.has(l));
    if (chosen.length === 0) return { model: this.model, tensorMap: {} };
    const key = chosen.join('\u0000');
    const hit = this.cache.get(key);
    if (hit) return hit;
    let built;
    try {
      built = quantizeStatic(this.model, { ...this.settings, ranges: this.ranges, includeNodes: chosen.map((l) => this.labelOf.get(l)!) });
    } catch (e) {
      // Some ops (same-scale ones such as Flatten) are quantized only next to a quantized neighbour.
      if (e instanceof PassError && /nothing to quantize/.test(e.message)) return { model: this.model, tensorMap: {} };
      throw e;
    }
    const { model, report } = built;
    const tensorMap = valueRecord<string>();
    for (const t of report.tensors) if (t.kind === 'activation' && t.dequantized) tensorMap[t.float] = t.dequantized;
    const out = { model, tensorMap };
    if (this.cache.size < 4) this.cache.set(key, out);
    return out;
  }
}
