import type { NodeProto, TensorProto } from '../../formats/onnx/proto/onnx_pb';
import { attr, type Graph, type Model } from '../../formats/onnx/model';
import { elementCount, tensorByteLength } from '../../formats/onnx/tensor';
import { makeTensor } from '../../formats/onnx/build';
import { bitsPerElement, isFloat, dtypeName, type DType } from '../../tensor/dtypes';
import { toFloat32 } from '../../tensor/views';

/** A value whose contents are fixed in the file: an initializer, or a Constant/Identity chain ending in one. */
export interface ConstantValue {
  /** The initializer or Constant node tensor holding the data. */
  tensor: TensorProto;
  dims: number[];
}

/** Resolves a value name to constant data, following Identity nodes and Constant 'value' tensors. */
export function resolveConstant(graph: Graph, name: string): ConstantValue | undefined {
  for (let hops = 0; hops < 16 && name; hops++) {
    const init = graph.initializer(name);
    if (init) return { tensor: init, dims: init.dims.map(Number) };
    const p = graph.producer(name);
    if (!p) return undefined;
    if (p.opType === 'Identity' && p.domain === '') { name = p.input[0]; continue; }
    if (p.opType === 'Constant' && p.domain === '') {
      const v = attr(p, 'value');
      if (v && typeof v === 'object' && (v as TensorProto).$typeName === 'onnx.TensorProto') {
        const t = v as TensorProto;
        return { tensor: t, dims: t.dims.map(Number) };
      }
      return undefined;
    }
    return undefined;
  }
  return undefined;
}

/** A Constant node with a scalar-valued attribute (value_float/value_int): broadcasts like a scalar. */
export function isScalarConstantNode(node: NodeProto | undefined): boolean {
  if (!node || node.opType !== 'Constant') return false;
  return node.attribute.some((a) => a.name === 'value_float' || a.name === 'value_int');
}

/** float32 elements of a float constant (float16/bfloat16 widened; a copy unless already float32). */
export function constantFloats(model: Model, c: ConstantValue): Float32Array {
  if (!isFloat(c.tensor.dataType)) throw new Error(`tensor '${c.tensor.name}' is ${dtypeName(c.tensor.dataType)}, not a float type`);
  return toFloat32(c.tensor.dataType, model.tensorData(c.tensor));
}

/** Raw little-endian bytes of a fixed-width constant (from raw_data, typed fields or external data). */
export function constantBytes(model: Model, t: TensorProto): Uint8Array {
  const data = model.tensorData(t);
  if (Array.isArray(data)) throw new Error(`tensor '${t.name}' holds strings`);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return bytes.subarray(0, tensorByteLength(t));
}

/**
 * Copies a tensor keeping only the listed indices along each given axis (other axes whole).
 * Works on the bytes, so any data type of 8 bits or more per element is kept exactly.
 */
export function sliceTensor(model: Model, src: ConstantValue, keep: Map<number, number[]>, name: string): TensorProto {
  const bits = bitsPerElement(src.tensor.dataType);
  if (bits < 8 || bits % 8 !== 0) throw new Error(`tensor '${src.tensor.name}' (${dtypeName(src.tensor.dataType)}) cannot be sliced by element`);
  const elem = bits / 8;
  const dims = src.dims;
  const bytes = constantBytes(model, src.tensor);
  let cur = bytes;
  let curDims = dims.slice();
  for (const [axis, indices] of [...keep.entries()].sort((a, b) => a[0] - b[0])) {
    const outer = curDims.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = curDims.slice(axis + 1).reduce((a, b) => a * b, 1) * elem;
    const n = curDims[axis];
    const out = new Uint8Array(outer * indices.length * inner);
    // Copy runs of consecutive kept indices at once: most of a pruned tensor is long runs.
    const runs: [number, number][] = [];
    for (const i of indices) {
      const last = runs[runs.length - 1];
      if (last && last[1] === i) last[1]++;
      else runs.push([i, i + 1]);
    }
    let o = 0;
    for (let a = 0; a < outer; a++) {
      const base = a * n * inner;
      for (const [from, to] of runs) {
        out.set(cur.subarray(base + from * inner, base + to * inner), o);
        o += (to - from) * inner;
      }
    }
    cur = out;
    curDims = curDims.slice();
    curDims[axis] = indices.length;
  }
  const t = makeTensor(name, dtypeName(src.tensor.dataType) as DType, curDims, cur);
  return t;
}

/** Element count of a constant from its dims. */
export function constantSize(c: ConstantValue): number {
  return elementCount(c.tensor);
}
