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
 * afford a second pass. Iterative (an explicit stack of open messages): a file that nests
 * messages thousands deep costs no call stack.
 */
export function findOverrun(bytes: Uint8Array, desc: DescMessage): Overrun | undefined {
  const stack: { end: number; desc: DescMessage | undefined; prefix: string }[] = [{ end: bytes.length, desc, prefix: '' }];
  let pos = 0;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (pos >= top.end) {
      stack.pop();
      continue;
    }
    const tag = varint(bytes, pos, top.end);
    if (!tag) return undefined;
    pos = tag.next;
    const no = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    const field = top.desc?.fields.find((f) => f.number === no);
    const name = `${top.prefix}${field?.name ?? `#${no}`}`;
    if (wire === 0) {
      const v = varint(bytes, pos, top.end);
      if (!v) return { field: name, offset: pos, claimed: 1, available: top.end - pos };
      pos = v.next;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      if (pos + size > top.end) return { field: name, offset: pos, claimed: size, available: top.end - pos };
      pos += size;
    } else if (wire === 2) {
      const len = varint(bytes, pos, top.end);
      if (!len) return { field: name, offset: pos, claimed: 1, available: top.end - pos };
      pos = len.next;
      if (pos + len.value > top.end) return { field: name, offset: pos, claimed: len.value, available: top.end - pos };
      const sub = field && (field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message')) ? field.message : undefined;
      // A message is entered (its fields are read next); other payloads are skipped.
      if (sub) stack.push({ end: pos + len.value, desc: sub, prefix: `${name}.` });
      else pos += len.value;
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

/**
 * Why `bytes` failed to decode as `desc`, in a user's terms first ('truncated or corrupt', 'not a
 * valid ONNX model') and the decoder's own words after, for whoever reports it to the user.
 * `what` names the expected content ('ONNX model').
 */
export function decodeProblem(bytes: Uint8Array, desc: DescMessage, what: string, e: unknown): string {
  const o = findOverrun(bytes, desc);
  if (o) return `truncated or corrupt: a length runs past the end of the file (field '${o.field}' at byte ${o.offset} claims ${o.claimed} bytes but only ${o.available} remain)`;
  const msg = e instanceof Error ? e.message : String(e);
  if (/premature EOF|out of range/i.test(msg)) return `truncated or corrupt: a field runs past the end of the file (decoder: ${msg})`;
  const deep = /maximum recursion depth of (\d+)/.exec(msg);
  if (deep) return `its messages nest more than ${deep[1]} deep (subgraphs inside subgraphs): past the depth Edgewise reads`;
  return `not a valid ${what}: the file is corrupt or another kind of file (decoder: ${msg})`;
}
