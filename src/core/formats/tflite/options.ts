import type { AttributeInfo } from '../../graph/types';
import type { Table } from './flatbuffer';
import { activationName, OPTION_FIELDS, paddingName, tensorTypeName, type OptionField } from './schema';

export interface DecodedOptions {
  attributes: AttributeInfo[];
  subgraphRefs: { attribute: string; subgraph: number }[];
}

/** Reads the fields Edgewise knows of an operator's options table into display attributes. */
export function decodeOptions(optionsType: string, table: Table | null): DecodedOptions {
  const out: DecodedOptions = { attributes: [], subgraphRefs: [] };
  const fields = OPTION_FIELDS[optionsType];
  if (!table || !fields) return out;
  for (const field of fields) {
    const attr = readField(table, field);
    if (!attr) continue;
    out.attributes.push(attr.info);
    if (field.kind === 'subgraph') out.subgraphRefs.push({ attribute: field.name, subgraph: attr.raw as number });
  }
  return out;
}

function readField(t: Table, field: OptionField): { info: AttributeInfo; raw: unknown } | null {
  const at = `${t.what}.${field.name}`;
  switch (field.kind) {
    case 'int': case 'subgraph': {
      const v = t.i32(field.id, field.default ?? 0);
      return { info: { name: field.name, type: 'int', value: String(v) }, raw: v };
    }
    case 'uint': {
      const v = t.u32(field.id, field.default ?? 0);
      return { info: { name: field.name, type: 'int', value: String(v) }, raw: v };
    }
    case 'bool': {
      const v = t.bool(field.id);
      return { info: { name: field.name, type: 'bool', value: String(v) }, raw: v };
    }
    case 'float': {
      const v = t.f32(field.id);
      return { info: { name: field.name, type: 'float', value: String(Number(v.toPrecision(7))) }, raw: v };
    }
    case 'padding':
      return { info: { name: field.name, type: 'string', value: paddingName(t.i8(field.id)) }, raw: null };
    case 'activation':
      return { info: { name: field.name, type: 'string', value: activationName(t.i8(field.id)) }, raw: null };
    case 'tensorType':
      return { info: { name: field.name, type: 'string', value: tensorTypeName(t.i8(field.id)) }, raw: null };
    case 'ints': {
      const v = t.i32s(field.id, at);
      return v ? { info: { name: field.name, type: 'ints', value: `[${v.join(', ')}]` }, raw: v } : null;
    }
    case 'string': {
      const v = t.string(field.id, at);
      return v === null ? null : { info: { name: field.name, type: 'string', value: v }, raw: v };
    }
  }
}
