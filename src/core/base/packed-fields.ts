import { clone, create, createFileRegistry, type DescFile, type DescMessage } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type DescriptorProto, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';

/**
 * Packed `repeated float`/`repeated double` fields decoded as typed arrays instead of JS arrays.
 *
 * The generic protobuf reader builds a JS array one element at a time (slow, and 8 bytes of heap
 * per 4-byte float). A codec made here decodes with a variant of the schema that lacks the listed
 * fields, so they arrive as unknown fields holding views of the wire bytes; `adopt` then turns each
 * into a Float32Array/Float64Array: a view of the file buffer where the payload is aligned, else
 * one copy. Typed arrays are host-endian; protobuf is little-endian, as are the supported hosts.
 */
export interface PackedField {
  /** Full message name, e.g. 'CoreML.Specification.WeightParams'. */
  message: string;
  no: number;
  /** The generated type's property name. */
  key: string;
  Ctor: Float32ArrayConstructor | Float64ArrayConstructor;
}

export interface PackedCodec {
  /** The root message of the variant schema to decode with. */
  decode: DescMessage;
  /** After decoding: moves every listed field from unknown fields into its typed array. */
  adopt(root: object): void;
}

export function packedCodec(root: DescMessage, fields: readonly PackedField[]): PackedCodec {
  const edited = new Map<string, FileDescriptorProto>();
  const variant = (file: DescFile): FileDescriptorProto => {
    let proto = edited.get(file.name);
    if (!proto) {
      proto = clone(FileDescriptorProtoSchema, file.proto);
      for (const f of fields) {
        const msg = findMessage(proto, f.message);
        if (msg) msg.field = msg.field.filter((x) => x.number !== f.no);
      }
      edited.set(file.name, proto);
    }
    return proto;
  };
  // Dependencies before dependents (the registry adds a descriptor set's files in order).
  const ordered: FileDescriptorProto[] = [];
  const seen = new Set<string>();
  const collect = (file: DescFile): void => {
    if (seen.has(file.proto.name)) return;
    seen.add(file.proto.name);
    for (const d of file.dependencies) collect(d);
    ordered.push(variant(file));
  };
  collect(root.file);
  const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
  const decode = registry.getMessage(root.typeName);
  if (!decode) throw new Error(`packed codec: no message ${root.typeName}`);
  const targets = new Map<string, PackedField[]>();
  for (const f of fields) targets.set(f.message, [...(targets.get(f.message) ?? []), f]);
  const walk = walker(decode, new Set(targets.keys()));
  return {
    decode,
    adopt(tree: object) {
      walk(tree, (msg, typeName) => adoptFields(msg, targets.get(typeName)!));
    },
  };
}

function findMessage(file: FileDescriptorProto, fullName: string): DescriptorProto | undefined {
  const prefix = file.package ? `${file.package}.` : '';
  if (!fullName.startsWith(prefix)) return undefined;
  let list = file.messageType;
  let found: DescriptorProto | undefined;
  for (const part of fullName.slice(prefix.length).split('.')) {
    found = list.find((m) => m.name === part);
    if (!found) return undefined;
    list = found.nestedType;
  }
  return found;
}

type Fields = { local: string; oneof?: string; kind: 'one' | 'list' | 'map' }[];

/**
 * A function that calls `visit` on every message of a target type in a decoded tree, following
 * only the fields that can lead to one (so shapes, strings and tree nodes are skipped).
 */
function walker(root: DescMessage, wanted: Set<string>) {
  const reach = new Map<string, boolean>();
  const canReach = (desc: DescMessage): boolean => {
    const known = reach.get(desc.typeName);
    if (known !== undefined) return known;
    reach.set(desc.typeName, false); // recursive types resolve through their other fields
    let yes = wanted.has(desc.typeName);
    for (const f of desc.fields) {
      const sub = messageOf(f);
      if (sub && canReach(sub)) yes = true;
    }
    reach.set(desc.typeName, yes);
    return yes;
  };
  canReach(root);
  const paths = new Map<string, Fields>();
  const pathsOf = (desc: DescMessage): Fields => {
    let p = paths.get(desc.typeName);
    if (!p) {
      p = [];
      paths.set(desc.typeName, p);
      for (const f of desc.fields) {
        const sub = messageOf(f);
        if (!sub || !reach.get(sub.typeName)) continue;
        p.push({ local: f.localName, oneof: f.oneof?.localName, kind: f.fieldKind === 'list' ? 'list' : f.fieldKind === 'map' ? 'map' : 'one' });
        pathsOf(sub);
      }
    }
    return p;
  };
  pathsOf(root);
  return (tree: object, visit: (msg: Record<string, unknown>, typeName: string) => void): void => {
    const stack: Record<string, unknown>[] = [tree as Record<string, unknown>];
    while (stack.length > 0) {
      const o = stack.pop()!;
      const typeName = o.$typeName as string;
      if (wanted.has(typeName)) visit(o, typeName);
      for (const { local, oneof, kind } of paths.get(typeName) ?? []) {
        let v: unknown;
        if (oneof) {
          const one = o[oneof] as { case?: string; value?: unknown } | undefined;
          v = one?.case === local ? one.value : undefined;
        } else v = o[local];
        if (!v) continue;
        if (kind === 'list') for (const x of v as Record<string, unknown>[]) stack.push(x);
        else if (kind === 'map') for (const x of Object.values(v as Record<string, Record<string, unknown>>)) stack.push(x);
        else stack.push(v as Record<string, unknown>);
      }
    }
  };
}

function messageOf(f: DescMessage['fields'][number]): DescMessage | undefined {
  if (f.fieldKind === 'message') return f.message;
  if (f.fieldKind === 'list' && f.listKind === 'message') return f.message;
  if (f.fieldKind === 'map' && f.mapKind === 'message') return f.message;
  return undefined;
}

function adoptFields(msg: Record<string, unknown>, fields: PackedField[]): void {
  const unknown = msg.$unknown as { no: number; wireType: number; data: Uint8Array }[] | undefined;
  for (const { no, key, Ctor } of fields) {
    msg[key] = [];
    if (!unknown || !unknown.some((u) => u.no === no)) continue;
    const parts: Uint8Array[] = [];
    for (const u of unknown) {
      if (u.no !== no) continue;
      if (u.wireType === 2) parts.push(lengthDelimitedPayload(u.data));
      else if (u.wireType === (Ctor === Float32Array ? 5 : 1)) parts.push(u.data);
      else throw new Error(`field ${no} of ${String(msg.$typeName)} has wire type ${u.wireType}`);
    }
    const total = parts.reduce((s, p) => s + p.length, 0);
    if (total % Ctor.BYTES_PER_ELEMENT !== 0) throw new Error(`field ${no} of ${String(msg.$typeName)} holds ${total} bytes, not a whole number of values`);
    const only = parts.length === 1 ? parts[0] : undefined;
    if (only && only.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) {
      msg[key] = new Ctor(only.buffer as ArrayBuffer, only.byteOffset, total / Ctor.BYTES_PER_ELEMENT);
      continue;
    }
    const out = Buffer.allocUnsafeSlow(total); // its own ArrayBuffer at offset 0
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    msg[key] = new Ctor(out.buffer, 0, total / Ctor.BYTES_PER_ELEMENT);
  }
  if (unknown) {
    const rest = unknown.filter((u) => !fields.some((f) => f.no === u.no));
    if (rest.length > 0) msg.$unknown = rest;
    else delete msg.$unknown;
  }
}

/** The payload of a length-delimited unknown field (its data starts with the length varint). */
export function lengthDelimitedPayload(data: Uint8Array): Uint8Array {
  let len = 0;
  let shift = 0;
  let i = 0;
  for (;;) {
    const b = data[i++];
    len += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    shift += 7;
  }
  return data.subarray(i, i + len);
}
