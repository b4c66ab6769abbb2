import { attrInt } from '../../../formats/onnx/model';
import { attrFloat } from '../../common';
import { BuiltinOperator, BuiltinOptions } from '../../../formats/tflite/writer';
import { AddOptions, BatchMatMulOptions, FullyConnectedOptions } from '../../../formats/tflite/fbs/schema_generated';
import type { ConvertContext } from '../context';
import { identity, permuted, permutedRaw } from '../layout';
import { floatValues, type LazyFloat32 } from '../graph';
import { permuteArray } from '../../../tensor/permute';


/**
 * FULLY_CONNECTED with weights [N, K]. When the input is a flattened NHWC activation, the weights'
 * K axis is reordered once here so that no TRANSPOSE back to NCHW is needed before the flatten.
 */
function fullyConnected(ctx: ConvertContext, a: string, wNK: Float32Array | LazyFloat32, N: number, K: number, bias: Float32Array | undefined, out: string, keepDims: boolean): void {
  const av = ctx.value(a);
  let weights = wNK;
  const features = av.features;
  if (features) {
    weights = {
      length: N * K, byteLength: 4 * N * K, fill: (out: Float32Array) => {
        const src = floatValues({ name: '', type: 0, shape: [], data: wNK })!;
        for (let n = 0; n < N; n++) for (let j = 0; j < K; j++) out[n * K + j] = src[n * K + features[j]];
      },
    };
  }
  const x = av.features ? av.tensor : ctx.in(a, identity(ctx.shape(a).length));
  const act = ctx.fuseActivation(out);
  const y = ctx.out(act.out);
  const w = ctx.tg.constF32(`${ctx.label}/weights`, [N, K], weights);
  const b = ctx.tg.constF32(`${ctx.label}/bias`, [N], bias ?? new Float32Array(N));
  ctx.emit(BuiltinOperator.FULLY_CONNECTED, [x, w, b], [y], {
    type: BuiltinOptions.FullyConnectedOptions,
    write: (fb) => FullyConnectedOptions.createFullyConnectedOptions(fb, act.code, 0, keepDims, false, 0),
  });
}

/** Gemm: Y = alpha * A' B' + beta * C -> FULLY_CONNECTED (constant B) or BATCH_MATMUL (+ ADD). */
export function convertGemm(ctx: ConvertContext): void {
  const node = ctx.node;
  if (attrInt(node, 'transA', 0) !== 0) ctx.fail('transA=1: a transposed activation input has no FULLY_CONNECTED form');
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  const transB = attrInt(node, 'transB', 0) === 1;
  const raw = alpha === 1 ? ctx.constRawF32(node.input[1]) : undefined;
  const bc = raw ? undefined : ctx.constFloat(node.input[1]);
  if (!raw && !bc) return matmulOfActivations(ctx, transB);
  const [r, c] = raw?.dims ?? bc!.dims;
  const [N, K] = transB ? [r, c] : [c, r];
  // Straight from the ONNX bytes when nothing scales them; alpha scales a copy.
  const w: Float32Array | LazyFloat32 = raw
    ? permutedRaw(raw, [r, c], transB ? [0, 1] : [1, 0])
    : (transB ? bc!.values : permuteArray(bc!.values, [K, N], [1, 0])).map((v) => v * alpha);
  let bias: Float32Array | undefined;
  let addLater: Float32Array | undefined;
  const cIn = node.input[2] ? ctx.constFloat(node.input[2]) : undefined;
  if (node.input[2] && !cIn) ctx.fail('C computed at run time');
  if (cIn) {
    const scaled = cIn.values.map((v) => v * beta);
    if (cIn.values.length === N) bias = scaled;
    else if (cIn.values.length === 1) bias = new Float32Array(N).fill(scaled[0]);
    else addLater = scaled;
  }
  if (!addLater) return fullyConnected(ctx, node.input[0], w, N, K, bias, node.output[0], false);
  const mid = `${node.output[0]}_before_c`;
  ctx.types.set(mid, ctx.types.get(node.output[0])!);
  fullyConnected(ctx, node.input[0], w, N, K, undefined, mid, false);
  const cT = ctx.tg.constF32(`${ctx.label}/c`, ctx.shape(node.output[0]), addLater);
  ctx.emit(BuiltinOperator.ADD, [ctx.in(mid), cT], [ctx.out(node.output[0])], {
    type: BuiltinOptions.AddOptions, write: (fb) => AddOptions.createAddOptions(fb, 0, true),
  });
}

/** MatMul with a constant 2-D right side -> FULLY_CONNECTED (keep_num_dims), else BATCH_MATMUL. */
export function convertMatMul(ctx: ConvertContext): void {
  const node = ctx.node;
  const raw = ctx.constRawF32(node.input[1]);
  const bc = raw ? { dims: raw.dims } : ctx.constFloat(node.input[1]);
  const aShape = ctx.shape(node.input[0]);
  if (bc && bc.dims.length === 2 && aShape.length >= 2) {
    const [K, N] = bc.dims;
    const w = raw ? permutedRaw(raw, [K, N], [1, 0]) : permuted((bc as { values: Float32Array }).values, [K, N], [1, 0]);
    return fullyConnected(ctx, node.input[0], w, N, K, undefined, node.output[0], aShape.length > 2);
  }
  matmulOfActivations(ctx, false);
}

function matmulOfActivations(ctx: ConvertContext, adjY: boolean): void {
  const node = ctx.node;
  const [a, b] = [node.input[0], node.input[1]];
  const ra = ctx.shape(a).length;
  const rb = ctx.shape(b).length;
  if (ra < 2 || rb < 2) ctx.fail('BATCH_MATMUL needs inputs of rank 2 or more');
  if (node.opType === 'Gemm' && node.input[2]) ctx.fail('Gemm of two activations with a C input');
  const y = ctx.out(node.output[0]);
  ctx.emit(BuiltinOperator.BATCH_MATMUL, [ctx.in(a, identity(ra)), ctx.in(b, identity(rb))], [y], {
    type: BuiltinOptions.BatchMatMulOptions, write: (fb) => BatchMatMulOptions.createBatchMatMulOptions(fb, false, adjY, false),
  });
}
