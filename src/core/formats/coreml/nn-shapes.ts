import type { NeuralNetworkLayer } from './proto/neural_network_pb';
import { ImageFeatureType_ColorSpace as ColorSpace, type FeatureType } from './proto/feature_types_pb';

/** [C, H, W] of a blob under the rank-5 mapping ([Seq, Batch, C, H, W]; Seq and Batch left out). */
export type CHW = [number, number, number];

const prod = (xs: readonly (number | bigint)[]): number => xs.reduce<number>((a, d) => a * Number(d), 1);

/** The shape a layer defines for one of its weights, from the layer's own parameters; null when it defines none. */
export function layerWeightShape(layer: NeuralNetworkLayer, path: string): number[] | null {
  const l = layer.layer;
  const field = path.split('.').pop()!.replace(/\[\d+\]$/, '');
  const isBias = /bias/i.test(field) && !/Matrix/.test(field);
  switch (l.case) {
    case 'convolution': {
      const p = l.value;
      const k = p.kernelSize.length === 2 ? p.kernelSize.map(Number) : [3, 3];
      const groups = Number(p.nGroups) || 1;
      if (isBias) return [Number(p.outputChannels)];
      return p.isDeconvolution ? [Number(p.kernelChannels), Number(p.outputChannels) / groups, ...k] : [Number(p.outputChannels), Number(p.kernelChannels), ...k];
    }
    case 'convolution3d': {
      const p = l.value;
      if (isBias) return [p.outputChannels];
      return [p.outputChannels, p.inputChannels / (p.nGroups || 1), p.kernelDepth, p.kernelHeight, p.kernelWidth];
    }
    case 'innerProduct': return isBias ? [Number(l.value.outputChannels)] : [Number(l.value.outputChannels), Number(l.value.inputChannels)];
    case 'embedding': return isBias ? [Number(l.value.outputChannels)] : [Number(l.value.outputChannels), Number(l.value.inputDim)];
    case 'embeddingND': return isBias ? [Number(l.value.embeddingSize)] : [Number(l.value.embeddingSize), Number(l.value.vocabSize)];
    case 'batchnorm': return [Number(l.value.channels)];
    case 'bias': return l.value.shape.length ? l.value.shape.map(Number) : null;
    case 'scale': return (field === 'scale' ? l.value.shapeScale : l.value.shapeBias).map(Number);
    case 'loadConstant': case 'loadConstantND': return l.value.shape.map(Number);
    case 'batchedMatmul': return isBias ? [Number(l.value.weightMatrixSecondDimension)] : [Number(l.value.weightMatrixFirstDimension), Number(l.value.weightMatrixSecondDimension)];
    case 'layerNormalization': return l.value.normalizedShape.map(Number);
    case 'simpleRecurrent': case 'gru': case 'uniDirectionalLSTM': case 'biDirectionalLSTM': {
      const p = l.value;
      const inSize = Number(p.inputVectorSize), out = Number(p.outputVectorSize);
      if (/WeightMatrix$/.test(field) || field === 'weightMatrix') return [out, inSize];
      if (/RecursionMatrix$/.test(field) || field === 'recursionMatrix') return [out, out];
      return [out];
    }
    default: return null;
  }
}

/** [C, H, W] of an input feature, where the rank-5 mapping makes it known. */
export function featureCHW(t: FeatureType | undefined): CHW | null {
  const v = t?.Type;
  if (v?.case === 'imageType') {
    const c = v.value.colorSpace === ColorSpace.GRAYSCALE || v.value.colorSpace === ColorSpace.GRAYSCALE_FLOAT16 ? 1 : 3;
    return [c, Number(v.value.height), Number(v.value.width)];
  }
  if (v?.case === 'multiArrayType') {
    const s = v.value.shape.map(Number);
    if (s.length === 1) return [s[0], 1, 1];
    if (s.length === 3) return [s[0], s[1], s[2]];
  }
  return null;
}

function spatial(inp: number, k: number, s: number, padBefore: number, padAfter: number, same: boolean): number {
  return same ? Math.ceil(inp / s) : Math.floor((inp + padBefore + padAfter - k) / s) + 1;
}

/** Output [C, H, W] of a layer from its inputs' shapes; null when unknown (or a layer this does not model). */
export function layerOutputCHW(layer: NeuralNetworkLayer, ins: (CHW | null)[]): CHW | null {
  const x = ins[0];
  const l = layer.layer;
  switch (l.case) {
    case 'convolution': {
      const p = l.value;
      if (p.outputShape.length === 2) return [Number(p.outputChannels), Number(p.outputShape[0]), Number(p.outputShape[1])];
      if (!x) return null;
      const k = p.kernelSize.length === 2 ? p.kernelSize.map(Number) : [3, 3];
      const s = p.stride.length === 2 ? p.stride.map(Number) : [1, 1];
      const d = p.dilationFactor.length === 2 ? p.dilationFactor.map(Number) : [1, 1];
      const pad = p.ConvolutionPaddingType.case === 'valid' ? p.ConvolutionPaddingType.value.paddingAmounts?.borderAmounts ?? [] : [];
      const same = p.ConvolutionPaddingType.case === 'same';
      const out = [0, 1].map((i) => {
        const ek = (k[i] - 1) * d[i] + 1;
        const before = Number(pad[i]?.startEdgeSize ?? 0), after = Number(pad[i]?.endEdgeSize ?? 0);
        if (p.isDeconvolution) return same ? x[i + 1] * s[i] : (x[i + 1] - 1) * s[i] + k[i] - before - after;
        return spatial(x[i + 1], ek, s[i], before, after, same);
      });
      return [Number(p.outputChannels), out[0], out[1]];
    }
    case 'pooling': {
      if (!x) return null;
      const p = l.value;
      if (p.globalPooling) return [x[0], 1, 1];
      const k = p.kernelSize.length === 2 ? p.kernelSize.map(Number) : [3, 3];
      const s = p.stride.length === 2 ? p.stride.map(Number) : [1, 1];
      const pt = p.PoolingPaddingType;
      const out = [0, 1].map((i) => {
        if (pt.case === 'same') return Math.ceil(x[i + 1] / s[i]);
        if (pt.case === 'includeLastPixel') {
          const pad = Number(pt.value.paddingAmounts[i] ?? 0);
          let o = Math.ceil((x[i + 1] + 2 * pad - k[i]) / s[i]) + 1;
          if (pad > 0 && (o - 1) * s[i] >= x[i + 1] + pad) o--;
          return o;
        }
        const b = pt.case === 'valid' ? pt.value.paddingAmounts?.borderAmounts[i] : undefined;
        return spatial(x[i + 1], k[i], s[i], Number(b?.startEdgeSize ?? 0), Number(b?.endEdgeSize ?? 0), false);
      });
      return [x[0], out[0], out[1]];
    }
    case 'innerProduct': return [Number(l.value.outputChannels), 1, 1];
    case 'embedding': return [Number(l.value.outputChannels), 1, 1];
    case 'flatten': return x ? [prod(x), 1, 1] : null;
    case 'concat': return ins.every((i) => i) && !l.value.sequenceConcat ? [ins.reduce((a, i) => a + i![0], 0), x![1], x![2]] : null;
    case 'reshape': {
      const t = l.value.targetShape.map(Number);
      return t.length >= 3 ? [t[t.length - 3], t[t.length - 2], t[t.length - 1]] : null;
    }
    case 'upsample': {
      const f = l.value.scalingFactor.length === 2 ? l.value.scalingFactor.map(Number) : [1, 1];
      return x ? [x[0], x[1] * f[0], x[2] * f[1]] : null;
    }
    case 'padding': {
      const b = l.value.paddingAmounts?.borderAmounts ?? [];
      const e = (i: number) => Number(b[i]?.startEdgeSize ?? 0) + Number(b[i]?.endEdgeSize ?? 0);
      return x ? [x[0], x[1] + e(0), x[2] + e(1)] : null;
    }
    case 'split': return x ? [x[0] / (Number(l.value.nOutputs) || 1), x[1], x[2]] : null;
    case 'activation': case 'batchnorm': case 'bias': case 'scale': case 'softmax': case 'lrn': case 'l2normalize': case 'mvn':
    case 'unary': case 'add': case 'multiply': case 'max': case 'min': case 'average': case 'copy': case 'clip': case 'clampedReLU':
      return x;
    default: return null;
  }
}

/**
 * Multiply-accumulates of a layer (one sequence step, batch 1): 0 for layers not counted, null when
 * a counted layer's shapes are unknown.
 */
export function layerMacs(layer: NeuralNetworkLayer, ins: (CHW | null)[], out: CHW | null): number | null {
  const l = layer.layer;
  switch (l.case) {
    case 'convolution': {
      const p = l.value;
      const k = p.kernelSize.length === 2 ? prod(p.kernelSize) : 9;
      if (p.isDeconvolution) {
        const x = ins[0];
        return x ? prod(x) * (Number(p.outputChannels) / (Number(p.nGroups) || 1)) * k : null;
      }
      return out ? prod(out) * Number(p.kernelChannels) * k : null;
    }
    case 'innerProduct': return Number(l.value.inputChannels) * Number(l.value.outputChannels);
    case 'batchedMatmul': {
      const p = l.value;
      if (Number(p.weightMatrixFirstDimension) === 0) return null; // two inputs: shapes come at run time
      return Number(p.weightMatrixFirstDimension) * Number(p.weightMatrixSecondDimension);
    }
    case 'simpleRecurrent': case 'gru': case 'uniDirectionalLSTM': case 'biDirectionalLSTM': {
      const p = l.value;
      const gates = l.case === 'simpleRecurrent' ? 1 : l.case === 'gru' ? 3 : 4;
      const dirs = l.case === 'biDirectionalLSTM' ? 2 : 1;
      const o = Number(p.outputVectorSize);
      return dirs * gates * o * (Number(p.inputVectorSize) + o);
    }
    default: return 0;
  }
}
