import * as assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { NodeProto, TensorProto } from '../../../../src/core/formats/onnx/proto/onnx_pb';
import { makeValueInfo } from '../../../../src/core/formats/onnx/build';
import { encodeModelProto } from '../../../../src/core/formats/onnx/codec';
import type { Model } from '../../../../src/core/formats/onnx/model';
import { vjpModel } from '../../../../src/core/passes/train/gradient-graph';
import { buildModel } from '../../../helpers/onnx-models';

/** One input of a gradient-check case: float values (random when omitted) or an integer tensor. */
export interface CaseInput {
  name: string;
  dims: number[];
  /** Declared shape when it differs from dims (symbolic batch: ['N', 3, 4]). */
  declared?: (number | string)[];
  values?: ArrayLike<number>;
  int64?: number[];
}

export interface GradCase {
  nodes: NodeProto[];
  inputs: CaseInput[];
  consts?: TensorProto[];
  outputs: string[];
  wrt: string[];
  dtype?: 'float32' | 'float64';
  opset?: number;
  /** Finite-difference step; large steps are exact for ops linear in the input (Conv, pooling). */
  step?: number;
  /** Largest allowed norm-wise relative error (default 1e-6 for float64, 2e-3 for float32). */
  tolerance?: number;
  /** Coordinates checked per input (default: all, up to 64). */
  samples?: number;
}

let seed = 12345;
function rand(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
}

/** Values in ±[0.1, 1] (away from 0, where Relu-like kinks sit). */
export function randomValues(n: number, lo = 0.1): number[] {
  return Array.from({ length: n }, () => (rand() < 0.5 ? -1 : 1) * (lo + (1 - lo) * rand()));
}

const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function tensor(dtype: 'float32' | 'float64', values: ArrayLike<number>, dims: number[]): ort.Tensor {
  return dtype === 'float64' ? new ort.Tensor('float64', Float64Array.from(values), dims) : new ort.Tensor('float32', Float32Array.from(values), dims);
}

async function session(model: Model): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModelProto(model.proto), { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
}

/**
 * Checks the backward graph of `c.nodes` against central finite differences of
 * L = sum_k <Y_k, R_k> (R random), computed in float64 from the forward model's outputs.
 * Returns the worst norm-wise relative error.
 */
export async function gradCheck(c: GradCase): Promise<number> {
  const dtype = c.dtype ?? 'float64';
  const floatInputs = c.inputs.filter((i) => !i.int64);
  const values = new Map(floatInputs.map((i) => [i.name, Float64Array.from(i.values ?? randomValues(count(i.dims)))]));
  const model = buildModel(
    c.nodes,
    c.inputs.map((i) => makeValueInfo(i.name, i.int64 ? 'int64' : dtype, i.declared ?? i.dims)),
    c.outputs.map((o) => makeValueInfo(o, dtype, undefined)),
    c.consts ?? [], c.opset ?? 17,
  );
  const feeds = (override?: Map<string, Float64Array>) => {
    const out: Record<string, ort.Tensor> = {};
    for (const i of c.inputs) {
      out[i.name] = i.int64 ? new ort.Tensor('int64', BigInt64Array.from(i.int64, BigInt), i.dims) : tensor(dtype, (override ?? values).get(i.name)!, i.dims);
    }
    return out;
  };
  const forward = await session(model);
  const base = await forward.run(feeds());
  const seeds = new Map(c.outputs.map((o) => [o, Float64Array.from(randomValues(base[o].data.length, 0))]));
  const objective = async (v: Map<string, Float64Array>) => {
    const r = await forward.run(feeds(v));
    let total = 0;
    for (const o of c.outputs) {
      const y = r[o].data as Float32Array | Float64Array;
      const s = seeds.get(o)!;
      for (let i = 0; i < y.length; i++) total += y[i] * s[i];
    }
    return total;
  };
  const vjp = vjpModel(model, c.wrt);
  const backward = await session(vjp.model);
  const bfeeds = feeds();
  for (const o of c.outputs) bfeeds[vjp.seeds.get(o)!] = tensor(dtype, seeds.get(o)!, base[o].dims as number[]);
  const grads = await backward.run(bfeeds);
  const step = c.step ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  let worst = 0;
  for (const w of c.wrt) {
    const analytic = grads[vjp.grads.get(w)!].data as Float32Array | Float64Array;
    const x = values.get(w)!;
    assert.equal(analytic.length, x.length, `gradient of ${w} has ${analytic.length} values, expected ${x.length}`);
    const n = Math.min(x.length, c.samples ?? 64);
    const picks = n === x.length ? [...x.keys()] : Array.from({ length: n }, () => Math.floor(rand() * x.length));
    let num = 0;
    let den = 0;
    for (const i of picks) {
      const v = new Map(values);
      const plus = Float64Array.from(x); plus[i] += step; v.set(w, plus);
      const lp = await objective(v);
      const minus = Float64Array.from(x); minus[i] -= step; v.set(w, minus);
      const lm = await objective(v);
      const fd = (lp - lm) / (2 * step);
      num += (fd - analytic[i]) ** 2;
      den += fd * fd;
    }
    const err = Math.sqrt(num / Math.max(den, 1e-30));
    worst = Math.max(worst, err);
    const tol = c.tolerance ?? (dtype === 'float64' ? 1e-6 : 2e-3);
    assert.ok(err <= tol, `d/d${w}: relative error ${err.toExponential(2)} > ${tol} (${c.nodes.map((n) => n.opType).join(',')})`);
  }
  await forward.release();
  await backward.release();
  return worst;
}
