import type { DescMessage } from '@bufbuild/protobuf';

/** Where a length-delimited field claims more bytes than its container has. */
export interface Overrun {
  /** Field path from the root message, e.g. 'graph.initializer.raw_data'. */
  field: string;
  /** Byte offset of the field's payload in the file. */
  offset: number;
  claimed: number;
  available: number;
}

/**
 * Walks the protobuf wire format of `bytes` along the schema and finds the first field whose
 * length runs past the end of its container. Only used to explain a failed decode, so it can
 * afford a second pass.
 */
export function findOverrun(bytes: Uint8Array, desc: DescMessage): Overrun | undefined {
  return walk(bytes, 0, bytes.length, desc, '');
}

function walk(b: Uint8Array, pos: number, end: number, desc: DescMessage | undefined, prefix: string): Overrun | undefined {
  while (pos < end) {
    const tag = varint(b, pos, end);
    if (!tag) return undefined;
    pos = tag.next;
    const no = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    const field = desc?.fields.find((f) => f.number === no);
    const name = `${prefix}${field?.name ?? `#${no}`}`;
    if (wire === 0) {
      const v = varint(b, pos, end);
      if (!v) return { field: name, offset: pos, claimed: 1, available: end - pos };
      pos = v.next;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (pos + size > end) return { field: name, offset: pos, claimed: size, available: end - pos };
      pos += size;
    } else if (wire === 2) {
      const len = varint(b, pos, end);
      if (!len) return { field: name, offset: pos, claimed: 1, available: end - pos };
      pos = len.next;
      if (pos + len.value > end) return { field: name, offset: pos, claimed: len.value, available: end - pos };
      const sub = field && (field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message')) ? field.message : undefined;
      if (sub) {
        const inner = walk(b, pos, pos + len.value, sub, `${name}.`);
        if (inner) return inner;
      }
      pos += len.value;
    } else {
      return undefined; // groups and invalid wire types: not a length problem
    }
  }
  return undefined;
}

function varint(b: Uint8Array, pos: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let shift = 0; shift < 64; shift += 7) {
    if (pos >= end) return undefined;
    const byte = b[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return { value, next: pos };
  }
  return undefined;
}
