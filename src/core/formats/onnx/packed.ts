import { clone, createFileRegistry, type DescMessage } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label, FieldDescriptorProto_Type, FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';
import { file_onnx, type TensorProto } from './proto/onnx_pb';
import { lengthDelimitedPayload } from '../../base/packed-fields';
import { EMPTY_LIST } from './empty-list';

/**
 * Fast handling of TensorProto's packed `float_data` (4) and `double_data` (10).
 *
 * The generic protobuf reader turns a packed float field into a JS array one element at a time
 * (about 15 MB/s here, and 8 bytes of heap per 4-byte float). Instead the codec decodes with a
 * variant of the schema that lacks those two fields, so they arrive as unknown fields holding
 * views of the wire bytes, and then turns each into a Float32Array/Float64Array: a view of the
 * file buffer where the payload is aligned, else one copy.
 * Encoding uses a variant that declares them as `bytes`, which has the same wire form as a
 * packed field, so the arrays are written as bytes (no per-element work) in canonical order.
 * Typed arrays are host-endian; ONNX is little-endian, as are the hosts Edgewise supports.
 */
const FIELDS = [
  { no: 4, key: 'floatData', Ctor: Float32Array },
  { no: 10, key: 'doubleData', Ctor: Float64Array },
] as const;

interface Schemas {
  decode: DescMessage;
  encode: DescMessage;
  decodeTensor: DescMessage;
  encodeTensor: DescMessage;
  encodeGraph: DescMessage;
}

type Variant = { model: DescMessage; tensor: DescMessage; graph: DescMessage };
let decodeVariant: Variant | undefined;
let encodeVariant: Variant | undefined;

function variant(edit: (fields: ReturnType<typeof tensorFields>) => void): Variant {
  const proto = clone(FileDescriptorProtoSchema, file_onnx.proto);
  edit(tensorFields(proto));
  const reg = createFileRegistry(proto, () => undefined);
  return { model: reg.getMessage('onnx.ModelProto')!, tensor: reg.getMessage('onnx.TensorProto')!, graph: reg.getMessage('onnx.GraphProto')! };
}

const decoding = (): Variant => (decodeVariant ??= variant((f) => {
  for (let i = f.length - 1; i >= 0; i--) if (FIELDS.some((x) => x.no === f[i].number)) f.splice(i, 1);
}));

const encoding = (): Variant => (encodeVariant ??= variant((f) => {
  for (const field of f) {
    if (!FIELDS.some((x) => x.no === field.number)) continue;
    field.type = FieldDescriptorProto_Type.BYTES;
    field.label = FieldDescriptorProto_Label.OPTIONAL;
    field.options = undefined;
  }
}));

/**
 * Each variant is made on first use (cloning the file's descriptor takes a few ms): a worker
 * that only opens a model for viewing, which a user waits for, never makes the encoding one.
 */
const schemas: Schemas = {
  get decode() { return decoding().model; },
  get decodeTensor() { return decoding().tensor; },
  get encode() { return encoding().model; },
  get encodeTensor() { return encoding().tensor; },
  get encodeGraph() { return encoding().graph; },
};

export function packedSchemas(): Schemas {
  return schemas;
}

function tensorFields(proto: ReturnType<typeof clone<typeof FileDescriptorProtoSchema>>) {
  const tensor = proto.messageType.find((m) => m.name === 'TensorProto');
  if (!tensor) throw new Error('onnx.proto has no TensorProto');
  return tensor.field;
}

/**
 * For each message type, its fields that can lead to a TensorProto (directly or through
 * graphs, nodes, attributes...), so walking a model skips value infos, shapes and strings.
 */
const tensorPaths = new Map<string, { local: string; oneof?: string }[]>();
const registry = createFileRegistry(file_onnx.proto, () => undefined);

function pathsOf(typeName: string): { local: string; oneof?: string }[] {
  const cached = tensorPaths.get(typeName);
  if (cached) return cached;
  const reaches = new Map<string, boolean>();
  const canReach = (desc: DescMessage): boolean => {
    const known = reaches.get(desc.typeName);
    if (known !== undefined) return known;
    reaches.set(desc.typeName, false); // cycles (graphs in attributes) resolve through other fields
    let yes = desc.typeName === 'onnx.TensorProto';
    for (const f of desc.fields) {
      const sub = f.fieldKind === 'message' || (f.fieldKind === 'list' && f.listKind === 'message') ? f.message : undefined;
      if (sub && (sub.typeName === 'onnx.TensorProto' || canReach(sub))) yes = true;
    }
    reaches.set(desc.typeName, yes);
    return yes;
  };
  const desc = registry.getMessage(typeName);
  const out: { local: string; oneof?: string }[] = [];
  if (desc) {
    for (const f of desc.fields) {
      const sub = f.fieldKind === 'message' || (f.fieldKind === 'list' && f.listKind === 'message') ? f.message : undefined;
      if (sub && (sub.typeName === 'onnx.TensorProto' || canReach(sub))) out.push({ local: f.localName, oneof: f.oneof?.localName });
    }
  }
  tensorPaths.set(typeName, out);
  return out;
}

/** Calls `fn` on every TensorProto in a decoded message tree (initializers, attributes, subgraphs...). */
export function forEachTensor(root: object, fn: (t: TensorProto) => void): void {
  const stack: Record<string, unknown>[] = [root as Record<string, unknown>];
  while (stack.length > 0) {
    const o = stack.pop()!;
    const typeName = o.$typeName as string;
    if (typeName === 'onnx.TensorProto') fn(o as unknown as TensorProto);
    for (const { local, oneof } of pathsOf(typeName)) {
      let v: unknown;
      if (oneof) {
        const one = o[oneof] as { case?: string; value?: unknown } | undefined;
        v = one?.case === local ? one.value : undefined;
      } else v = o[local];
      if (Array.isArray(v)) for (let i = 0; i < v.length; i++) stack.push(v[i]);
      else if (v && typeof v === 'object') stack.push(v as Record<string, unknown>);
    }
  }
}

/** After a decode with the `decode` schema: moves the packed fields from unknown into typed arrays. */
export function adoptPackedFields(t: TensorProto): void {
  const unknown = t.$unknown;
  for (const { no, key, Ctor } of FIELDS) {
    (t as Record<string, unknown>)[key] = [];
    if (!unknown || !unknown.some((u) => u.no === no)) continue;
    const parts: Uint8Array[] = [];
    for (const u of unknown) {
      if (u.no !== no) continue;
      if (u.wireType === 2) parts.push(lengthDelimitedPayload(u.data));
      else if (u.wireType === (Ctor === Float32Array ? 5 : 1)) parts.push(u.data);
      else throw new Error(`TensorProto field ${no} has wire type ${u.wireType}`);
    }
    const total = parts.reduce((s, p) => s + p.length, 0);
    if (total % Ctor.BYTES_PER_ELEMENT !== 0) throw new Error(`TensorProto field ${no} holds ${total} bytes, not a whole number of values`);
    const only = parts.length === 1 ? parts[0] : undefined;
    if (only && only.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) {
      // Aligned in the file buffer: a view, like raw_data.
      (t as Record<string, unknown>)[key] = new Ctor(only.buffer as ArrayBuffer, only.byteOffset, total / Ctor.BYTES_PER_ELEMENT);
      continue;
    }
    const out = Buffer.allocUnsafeSlow(total); // its own ArrayBuffer at offset 0, not zero-filled
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    (t as Record<string, unknown>)[key] = new Ctor(out.buffer, 0, total / Ctor.BYTES_PER_ELEMENT);
  }
  if (unknown) {
    const rest = unknown.filter((u) => !FIELDS.some((f) => f.no === u.no));
    if (rest.length > 0) t.$unknown = rest;
    else delete t.$unknown;
  }
}

/**
 * Before an encode with the `encode` schema: replaces the arrays by their little-endian bytes
 * (or nothing, when empty); `restore()` puts the arrays back. Flat lists, not a closure per
 * tensor: a model can hold hundreds of thousands of small ones, nearly all with both lists empty,
 * and those cost one slot each (an empty list comes back as a new empty list, or the shared one).
 */
export class PackedBytesExposure {
  private readonly recs: Record<string, unknown>[] = [];
  private readonly keys: string[] = [];
  private readonly values: unknown[] = [];
  /** Tensors whose list under FIELDS[i].key was an own empty array ([0]) or the shared one ([1]). */
  private readonly emptied = FIELDS.map(() => [[], []] as [Record<string, unknown>[], Record<string, unknown>[]]);

  expose(t: TensorProto): void {
    const rec = t as Record<string, unknown>;
    for (let f = 0; f < FIELDS.length; f++) {
      const { key, Ctor } = FIELDS[f];
      if (!Object.prototype.hasOwnProperty.call(rec, key)) continue; // not written: nothing to do
      const saved = rec[key] as ArrayLike<number> | undefined;
      if (Array.isArray(saved) && saved.length === 0) {
        this.emptied[f][(saved as unknown) === EMPTY_LIST ? 1 : 0].push(rec);
        rec[key] = undefined;
        continue;
      }
      let bytes: Uint8Array | undefined;
      if (saved && saved.length > 0) {
        const typed = saved instanceof Ctor ? saved : Ctor.from(saved as ArrayLike<number>);
        bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
      }
      this.recs.push(rec);
      this.keys.push(key);
      this.values.push(saved);
      rec[key] = bytes;
    }
  }

  restore(): void {
    for (let i = 0; i < this.recs.length; i++) this.recs[i][this.keys[i]] = this.values[i];
    this.recs.length = this.keys.length = this.values.length = 0;
    this.emptied.forEach(([own, shared], f) => {
      for (const rec of own) rec[FIELDS[f].key] = [];
      for (const rec of shared) rec[FIELDS[f].key] = EMPTY_LIST;
      own.length = shared.length = 0;
    });
  }
}
