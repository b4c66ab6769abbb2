import type { Builder, Offset } from 'flatbuffers';
import {
  BuiltinOperator, BuiltinOptions, TensorType,
  type BufferData, type OptionsSpec, type QuantParams, type TfliteModelSpec,
} from '../../formats/tflite/writer';
import { opVersion } from './versions';

/**
 * Float32 values made when they are needed (a transposed weight): the file is written straight
 * from the ONNX weights, so a large model's weights are never held twice.
 */
export interface LazyFloat32 {
  readonly length: number;
  readonly byteLength: number;
  fill(out: Float32Array): void;
}

/** A float32 weight's raw little-endian bytes, read when needed: `read` copies bytes [offset, offset + into.byteLength). */
export interface RawF32 { dims: number[]; byteLength: number; read(offset: number, into: Uint8Array): void }

export function isLazyFloat(d: GraphTensor['data']): d is LazyFloat32 {
  // Typed arrays have a fill() too: only a plain object is lazy.
  return d !== undefined && !ArrayBuffer.isView(d) && typeof (d as LazyFloat32).fill === 'function';
}

/** The values of a float constant (a lazy one is computed now). */
export function floatValues(t: GraphTensor): Float32Array | undefined {
  if (t.data instanceof Float32Array) return t.data;
  if (!isLazyFloat(t.data)) return undefined;
  const out = new Float32Array(t.data.length);
  t.data.fill(out);
  return out;
}

/** A tensor of the TFLite graph being built. Constants keep their float values until a mode stores them. */
export interface GraphTensor {
  name: string;
  type: TensorType;
  shape: number[];
  /** Values of a constant: float32 weights (maybe lazy), int32 shapes/indices, or stored bytes (already in their final type). */
  data?: Float32Array | LazyFloat32 | Int32Array | BufferData;
  quant?: QuantParams;
}

export interface GraphOp {
  op: BuiltinOperator;
  inputs: number[];
  outputs: number[];
  /** The options table: a union member and the function that writes it. */
  options?: { type: BuiltinOptions; write(b: Builder): Offset };
  /** The ONNX node this op came from (for the report). */
  origin: string;
}

/**
 * The TFLite graph under construction: tensors, constants and operators in execution order.
 * Conversion builds it in float32; the export modes then rewrite constants and types in place.
 */
export class TfliteGraph {
  readonly tensors: GraphTensor[] = [];
  readonly ops: GraphOp[] = [];
  inputs: number[] = [];
  outputs: number[] = [];
  private readonly names = new Set<string>();

  /** A non-constant tensor; the name is made unique. */
  tensor(name: string, shape: number[], type: TensorType = TensorType.FLOAT32): number {
    this.tensors.push({ name: this.unique(name), type, shape: [...shape] });
    return this.tensors.length - 1;
  }

  /** A constant float32 tensor. */
  constF32(name: string, shape: number[], values: Float32Array | LazyFloat32): number {
    if (values.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`constant '${name}': ${values.length} values for shape [${shape}]`);
    const i = this.tensor(name, shape);
    this.tensors[i].data = values;
    return i;
  }

  /** A constant int32 tensor (shapes, axes, paddings, indices). */
  constI32(name: string, values: ArrayLike<number>, shape: number[] = [values.length]): number {
    const i = this.tensor(name, shape, TensorType.INT32);
    this.tensors[i].data = Int32Array.from(values);
    return i;
  }

  isConst(t: number): boolean {
    return this.tensors[t].data !== undefined;
  }

  add(op: BuiltinOperator, inputs: number[], outputs: number[], origin: string, options?: GraphOp['options']): GraphOp {
    const g: GraphOp = { op, inputs, outputs, origin, options };
    this.ops.push(g);
    return g;
  }

  /** Ops reading tensor `t`. */
  consumers(t: number): GraphOp[] {
    return this.ops.filter((o) => o.inputs.includes(t));
  }

  producer(t: number): GraphOp | undefined {
    return this.ops.find((o) => o.outputs.includes(t));
  }

  private unique(name: string): string {
    let n = name || 'tensor';
    for (let k = 1; this.names.has(n); k++) n = `${name}_${k}`;
    this.names.add(n);
    return n;
  }

  /** The writer's model: tensors with data get a buffer each, operator codes are deduplicated with their versions. */
  toSpec(description: string, metadata: TfliteModelSpec['metadata'] = []): TfliteModelSpec {
    const buffers: BufferData[] = [new Uint8Array(0)];
    const tensors = this.tensors.map((t) => {
      let buffer = 0;
      if (t.data !== undefined) {
        const d = t.data;
        if (d instanceof Float32Array || d instanceof Int32Array) buffers.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
        else if (isLazyFloat(d)) buffers.push({ byteLength: d.byteLength, write: (into) => d.fill(new Float32Array(into.buffer, into.byteOffset, d.length)) });
        else buffers.push(d);
        buffer = buffers.length - 1;
      }
      return { name: t.name, type: t.type, shape: t.shape, buffer, quant: t.quant };
    });
    const codes: { builtin: BuiltinOperator; version: number }[] = [];
    const operators = this.ops.map((o) => {
      const version = opVersion(o, this.tensors);
      let code = codes.findIndex((c) => c.builtin === o.op && c.version === version);
      if (code < 0) code = codes.push({ builtin: o.op, version }) - 1;
      return { opcode: code, inputs: o.inputs, outputs: o.outputs, options: o.options as OptionsSpec | undefined };
    });
    const io = (list: number[]) => list.map((t) => ({ name: this.tensors[t].name, tensor: t }));
    return {
      description, operatorCodes: codes, tensors, inputs: this.inputs, outputs: this.outputs, operators, buffers, metadata,
      signature: { inputs: io(this.inputs), outputs: io(this.outputs) },
    };
  }
}

/** Bytes a constant occupies in the file. */
export function dataBytes(t: GraphTensor): number {
  return t.data === undefined ? 0 : t.data.byteLength;
}
