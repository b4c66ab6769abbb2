import * as fs from 'node:fs';
import * as path from 'node:path';
import { Builder } from 'flatbuffers';

/**
 * Builds small synthetic .tflite files with the official `flatbuffers` Builder, field ids taken
 * from schema.fbs independently of src/core/formats/tflite/schema.ts (slot numbers written out here).
 */
export interface TensorSpec {
  name: string;
  type: number; // TensorType code
  shape: number[];
  shapeSignature?: number[];
  buffer?: number;
  quant?: { scale: number[]; zeroPoint: number[]; axis?: number };
  isVariable?: boolean;
}

export interface OperatorSpec {
  opcode: number;
  inputs: number[];
  outputs: number[];
  /** BuiltinOptions union type and the int32 fields of its table, by field id. */
  options?: { type: number; ints: Record<number, number> };
}

export interface SubGraphSpec {
  name: string;
  tensors: TensorSpec[];
  inputs: number[];
  outputs: number[];
  operators: OperatorSpec[];
}

export interface BufferSpec {
  data?: Uint8Array;
  /** Stored outside the FlatBuffer: offset from the file start, size. */
  external?: { offset: bigint; size: bigint };
}

export interface ModelSpec {
  version?: number;
  description?: string;
  /** [deprecated_builtin_code, builtin_code, custom_code?] */
  operatorCodes: { deprecated: number; builtin: number; custom?: string }[];
  subgraphs: SubGraphSpec[];
  buffers: BufferSpec[];
  metadata?: { name: string; buffer: number }[];
}

function int32Vector(b: Builder, values: number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
  return b.endVector();
}

function offsetVector(b: Builder, offsets: number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const b = new Builder(1024);
  const codes = spec.operatorCodes.map((c) => {
    const custom = c.custom ? b.createString(c.custom) : 0;
    b.startObject(4);
    b.addFieldInt8(0, c.deprecated, 0);
    if (custom) b.addFieldOffset(1, custom, 0);
    b.addFieldInt32(3, c.builtin, 0);
    return b.endObject();
  });
  const subgraphs = spec.subgraphs.map((sg) => {
    const tensors = sg.tensors.map((t) => {
      const name = b.createString(t.name);
      const shape = int32Vector(b, t.shape);
      const sig = t.shapeSignature ? int32Vector(b, t.shapeSignature) : 0;
      let quant = 0;
      if (t.quant) {
        b.startVector(4, t.quant.scale.length, 4);
        for (let i = t.quant.scale.length - 1; i >= 0; i--) b.addFloat32(t.quant.scale[i]);
        const scale = b.endVector();
        b.startVector(8, t.quant.zeroPoint.length, 8);
        for (let i = t.quant.zeroPoint.length - 1; i >= 0; i--) b.addInt64(BigInt(t.quant.zeroPoint[i]));
        const zp = b.endVector();
        b.startObject(7);
        b.addFieldOffset(2, scale, 0);
        b.addFieldOffset(3, zp, 0);
        b.addFieldInt32(6, t.quant.axis ?? 0, 0);
        quant = b.endObject();
      }
      b.startObject(10);
      b.addFieldOffset(0, shape, 0);
      b.addFieldInt8(1, t.type, 0);
      b.addFieldInt32(2, t.buffer ?? 0, 0);
      b.addFieldOffset(3, name, 0);
      if (quant) b.addFieldOffset(4, quant, 0);
      if (t.isVariable) b.addFieldInt8(5, 1, 0);
      if (sig) b.addFieldOffset(7, sig, 0);
      return b.endObject();
    });
    const ops = sg.operators.map((op) => {
      const inputs = int32Vector(b, op.inputs);
      const outputs = int32Vector(b, op.outputs);
      let options = 0;
      if (op.options) {
        const ids = Object.keys(op.options.ints).map(Number);
        b.startObject(ids.length ? Math.max(...ids) + 1 : 0);
        for (const id of ids) b.addFieldInt32(id, op.options.ints[id], null);
        options = b.endObject();
      }
      b.startObject(13);
      b.addFieldInt32(0, op.opcode, 0);
      b.addFieldOffset(1, inputs, 0);
      b.addFieldOffset(2, outputs, 0);
      if (op.options) {
        b.addFieldInt8(3, op.options.type, 0);
        b.addFieldOffset(4, options, 0);
      }
      return b.endObject();
    });
    const tensorsVec = offsetVector(b, tensors);
    const inputs = int32Vector(b, sg.inputs);
    const outputs = int32Vector(b, sg.outputs);
    const opsVec = offsetVector(b, ops);
    const name = b.createString(sg.name);
    b.startObject(5);
    b.addFieldOffset(0, tensorsVec, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    b.addFieldOffset(3, opsVec, 0);
    b.addFieldOffset(4, name, 0);
    return b.endObject();
  });
  const buffers = spec.buffers.map((buf) => {
    const data = buf.data ? b.createByteVector(buf.data) : 0;
    b.startObject(3);
    if (data) b.addFieldOffset(0, data, 0);
    if (buf.external) {
      b.addFieldInt64(1, buf.external.offset, BigInt(0));
      b.addFieldInt64(2, buf.external.size, BigInt(0));
    }
    return b.endObject();
  });
  const metadata = (spec.metadata ?? []).map((m) => {
    const name = b.createString(m.name);
    b.startObject(2);
    b.addFieldOffset(0, name, 0);
    b.addFieldInt32(1, m.buffer, 0);
    return b.endObject();
  });
  const codesVec = offsetVector(b, codes);
  const subgraphsVec = offsetVector(b, subgraphs);
  const buffersVec = offsetVector(b, buffers);
  const metadataVec = offsetVector(b, metadata);
  const description = b.createString(spec.description ?? 'synthetic');
  b.startObject(8);
  b.addFieldInt32(0, spec.version ?? 3, 0);
  b.addFieldOffset(1, codesVec, 0);
  b.addFieldOffset(2, subgraphsVec, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffersVec, 0);
  b.addFieldOffset(6, metadataVec, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

export const repoRoot = path.resolve(__dirname, '../../../..');

/** A file from the shared fixtures beside the clone (CI), or beside the worktrees folder (development). */
export function sharedFixture(relative: string): string | null {
  for (const base of [path.resolve(repoRoot, '../shared/fixtures'), path.resolve(repoRoot, '../../shared/fixtures')]) {
    const file = path.join(base, relative);
    if (fs.existsSync(file)) return file;
  }
  return null;
}
