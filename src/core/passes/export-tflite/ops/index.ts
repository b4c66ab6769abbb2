import type { ConvertContext } from '../context';
import { convertConv, convertConvTranspose } from './conv';
import { convertGemm, convertMatMul } from './dense';
import { convertBinary, convertClip, convertPRelu, convertUnary } from './elementwise';
import { convertBatchNorm, convertLayerNorm } from './norm';
import { convertGlobalPool, convertPool, convertReduce, convertResize, convertSoftmax } from './pool';
import {
  convertCast, convertConcat, convertGather, convertIdentity, convertPad, convertReshape, convertSlice, convertSplit, convertTranspose,
} from './shape';

export type Converter = (ctx: ConvertContext) => void;

/** ONNX op type (default domain) -> its converter. */
export const CONVERTERS: Record<string, Converter> = {
  Conv: convertConv, ConvTranspose: convertConvTranspose,
  Gemm: convertGemm, MatMul: convertMatMul,
  Add: convertBinary, Sub: convertBinary, Mul: convertBinary, Div: convertBinary, Pow: convertBinary, Max: convertBinary, Min: convertBinary,
  Relu: convertUnary, Sigmoid: convertUnary, Tanh: convertUnary, HardSwish: convertUnary, Gelu: convertUnary, LeakyRelu: convertUnary,
  Sqrt: convertUnary, Exp: convertUnary, Neg: convertUnary, Abs: convertUnary, Elu: convertUnary, Log: convertUnary, Erf: convertUnary,
  Clip: convertClip, PRelu: convertPRelu,
  MaxPool: convertPool, AveragePool: convertPool, GlobalAveragePool: convertGlobalPool, GlobalMaxPool: convertGlobalPool,
  ReduceMean: convertReduce, ReduceMax: convertReduce, ReduceMin: convertReduce, ReduceSum: convertReduce, ReduceProd: convertReduce,
  Softmax: convertSoftmax, LogSoftmax: convertSoftmax, Resize: convertResize,
  BatchNormalization: convertBatchNorm, LayerNormalization: convertLayerNorm,
  Reshape: convertReshape, Flatten: convertReshape, Squeeze: convertReshape, Unsqueeze: convertReshape,
  Transpose: convertTranspose, Identity: convertIdentity, Dropout: convertIdentity, Cast: convertCast,
  Concat: convertConcat, Split: convertSplit, Slice: convertSlice, Pad: convertPad, Gather: convertGather,
};
