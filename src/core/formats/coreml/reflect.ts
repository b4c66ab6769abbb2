import { isFieldSet, type DescField, type DescMessage, type Message } from '@bufbuild/protobuf';
import type { AttributeInfo } from '../../graph/types';

const MAX_TEXT = 160;
const MAX_ITEMS = 8;

/** The value of a field, looking through its oneof. */
export function fieldValue(msg: Message, f: DescField): unknown {
  const rec = msg as unknown as Record<string, unknown>;
  if (f.oneof) {
    const one = rec[f.oneof.localName] as { case?: string; value?: unknown };
    return one.case === f.localName ? one.value : undefined;
  }
  return rec[f.localName];
}

/** Set fields of a message, in schema order, that `keep` accepts. */
export function setFields(desc: DescMessage, msg: Message, keep: (f: DescField) => boolean = () => true): DescField[] {
  return desc.fields.filter((f) => keep(f) && isFieldSet(msg, f));
}

/**
 * A message's set fields as inspector attributes: scalars as text, enums by name, lists as their
 * first values and count, nested messages as compact `{field: value}` text. `skip` leaves out
 * fields shown elsewhere (weights, nested networks).
 */
export function attributesOf(desc: DescMessage, msg: Message, skip: (f: DescField) => boolean = () => false): AttributeInfo[] {
  return setFields(desc, msg, (f) => !skip(f)).map((f) => ({ name: f.name, type: fieldType(f), value: clip(fieldText(f, fieldValue(msg, f))) }));
}

function fieldType(f: DescField): string {
  switch (f.fieldKind) {
    case 'scalar': return scalarName(f.scalar);
    case 'enum': return 'enum';
    case 'message': return f.message.name;
    case 'list': return `${f.listKind === 'scalar' ? scalarName(f.scalar) : f.listKind === 'enum' ? 'enum' : f.message.name}[]`;
    case 'map': return 'map';
  }
}

function scalarName(code: number): string {
  // ScalarType codes of protobuf's descriptor: 1 double, 2 float, 3 int64, 4 uint64, 5 int32, 8 bool, 9 string, 12 bytes, 13 uint32.
  return ({ 1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 8: 'bool', 9: 'string', 12: 'bytes', 13: 'uint32', 17: 'int32', 18: 'int64' } as Record<number, string>)[code] ?? 'scalar';
}

export function fieldText(f: DescField, v: unknown): string {
  switch (f.fieldKind) {
    case 'scalar': return scalarText(v);
    case 'enum': return enumName(f, v as number);
    case 'message': return messageText(f.message, v as Message);
    case 'list': {
      const list = v as ArrayLike<unknown>;
      const items = Array.from({ length: Math.min(list.length, MAX_ITEMS) }, (_, i) =>
        f.listKind === 'message' ? messageText(f.message, list[i] as Message) : f.listKind === 'enum' ? enumName(f, list[i] as number) : scalarText(list[i]));
      return `[${items.join(', ')}${list.length > MAX_ITEMS ? `, ... (${list.length})` : ''}]`;
    }
    case 'map': {
      const entries = Object.entries(v as Record<string, unknown>);
      const shown = entries.slice(0, MAX_ITEMS).map(([k, x]) => `${k}: ${f.mapKind === 'message' ? messageText(f.message, x as Message) : scalarText(x)}`);
      return `{${shown.join(', ')}${entries.length > MAX_ITEMS ? `, ... (${entries.length})` : ''}}`;
    }
  }
}

/** `{a: 1, b: X}`; an empty message is its name (a oneof choice such as `valid` or `ReLU`). */
export function messageText(desc: DescMessage, msg: Message): string {
  const fields = setFields(desc, msg);
  if (fields.length === 0) return '{}';
  return `{${fields.map((f) => `${f.name}: ${fieldText(f, fieldValue(msg, f))}`).join(', ')}}`;
}

function enumName(f: DescField, n: number): string {
  const e = f.fieldKind === 'enum' || (f.fieldKind === 'list' && f.listKind === 'enum') ? f.enum : undefined;
  return e?.values.find((x) => x.number === n)?.name ?? String(n);
}

function scalarText(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return `${v.byteLength} bytes`;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.fround(v) === v ? +v.toPrecision(7) : v);
  return String(v);
}

function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 3)}...` : s;
}
