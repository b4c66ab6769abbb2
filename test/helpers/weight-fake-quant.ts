/**
 * Test-only LayerQuantizer: rounds the weights of chosen Conv/Gemm/MatMul layers to a symmetric
 * per-output-channel integer grid (kept in float), so the analysis runs on real error from real
 * ORT runs without depending on the quantization passes. Tensor names do not change.
 */
import { create } from '@bufbuild/protobuf';
import { GraphProtoSchema, ModelProtoSchema, type TensorProto } from '../../src/core/formats/onnx/proto/onnx_pb';
import { Model } from '../../src/core/formats/onnx/model';
import { makeTensor } from '../../src/core/formats/onnx/build';
import { toFloat32 } from '../../src/core/tensor/views';
import { nodeIds } from '../../src/core/formats/onnx/node-id';
import type { LayerQuantizer, QuantizedModel } from '../../src/core/analysis/quantizer';

export class WeightFakeQuantizer implements LayerQuantizer {
  readonly layers: string[];
  private readonly weightOf = new Map<string, TensorProto>();
  private readonly rounded = new Map<string, TensorProto>();
  private readonly identity: Record<string, string> = {};

  constructor(private readonly model: Model, private readonly bits = 8) {
    const g = model.graph;
    const ids = nodeIds(g.nodes);
    this.layers = [];
    g.nodes.forEach((n, i) => {
      const w = ['Conv', 'Gemm', 'MatMul'].includes(n.opType) ? g.initializer(n.input[1]) : undefined;
      if (!w || w.dims.length < 2) return;
      this.layers.push(ids[i]);
      this.weightOf.set(ids[i], w);
      for (const o of n.output) this.identity[o] = o;
    });
  }

  async build(int8Layers: ReadonlySet<string>): Promise<QuantizedModel> {
    const replace = new Map<string, TensorProto>();
    for (const l of int8Layers) {
      const w = this.weightOf.get(l);
      if (w) replace.set(w.name, this.roundedWeight(l, w));
    }
    const g = this.model.graph.proto;
    const graph = create(GraphProtoSchema, { ...g, initializer: g.initializer.map((t) => replace.get(t.name) ?? t) });
    const proto = create(ModelProtoSchema, { ...this.model.proto, graph });
    return { model: new Model(proto, this.model.source), tensorMap: this.identity };
  }

  private roundedWeight(layer: string, w: TensorProto): TensorProto {
    let r = this.rounded.get(layer);
    if (r) return r;
    const data = Float32Array.from(toFloat32(w.dataType, this.model.tensorData(w)));
    const channels = Number(w.dims[0]);
    const per = data.length / channels;
    const qmax = 2 ** (this.bits - 1) - 1;
    for (let c = 0; c < channels; c++) {
      let m = 0;
      for (let i = c * per; i < (c + 1) * per; i++) m = Math.max(m, Math.abs(data[i]));
      const scale = m / qmax || 1;
      for (let i = c * per; i < (c + 1) * per; i++) data[i] = Math.round(data[i] / scale) * scale;
    }
    r = makeTensor(w.name, 'float32', w.dims.map(Number), data);
    this.rounded.set(layer, r);
    return r;
  }
}
