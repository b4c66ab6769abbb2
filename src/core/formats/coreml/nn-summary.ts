import { featureCHW, layerMacs, layerOutputCHW, type CHW } from './nn-shapes';
import { layerNetworks, layerOpType, layerWeights, type NetworkLike } from './nn-view';
import { weightStorage } from './nn-weights';
import type { FeatureDescription } from './proto/model_pb';
import { addWeight, type Counts } from './counts';

/** Layers, weights (by storage: float32, float16, linear/palettized N-bit) and MACs of a neural network. */
export function networkCounts(net: NetworkLike, inputs: FeatureDescription[], c: Counts): void {
  const shapes = new Map<string, CHW | null>(inputs.map((f) => [f.name, featureCHW(f.type)]));
  for (const pre of net.preprocessing) {
    if (pre.preprocessor.case === 'meanImage') {
      const n = pre.preprocessor.value.meanImage.length;
      addWeight(c, 'float32', n * 4, n);
    }
  }
  const visit = (n: NetworkLike, top: boolean): void => {
    for (const layer of n.layers) {
      if (top) {
        c.nodes++;
        const op = layerOpType(layer);
        c.ops[op] = (c.ops[op] ?? 0) + 1;
      }
      c.nodesWithSubgraphs++;
      for (const w of layerWeights(layer)) {
        const s = weightStorage(w.params);
        addWeight(c, s.dtype, s.bytes, w.shape ? w.shape.reduce((a, d) => a * d, 1) : s.elements);
      }
      const ins = layer.input.map((i) => shapes.get(i) ?? null);
      const out = top ? layerOutputCHW(layer, ins) : null;
      for (const o of layer.output) shapes.set(o, out);
      const macs = layerMacs(layer, ins, out);
      if (macs === null) c.macsUnknown++;
      else c.macs += macs;
      for (const { net: sub } of layerNetworks(layer)) visit(sub, false);
    }
  };
  visit(net, true);
}
