/**
 * Where two decoded message trees differ, or undefined when they are the same objects in every
 * way code could tell: prototypes, own keys in the same order, primitive values, list lengths and
 * elements, and for byte and float arrays the same class, contents, and (for views) the same
 * buffer and offset, so a zero-copy view in one is the same view in the other.
 */
export function treeDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  const stack: [unknown, unknown, string][] = [[a, b, path]];
  while (stack.length > 0) {
    const [x, y, at] = stack.pop()!;
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) {
      if (!Object.is(x, y)) return `${at}: ${String(x)} vs ${String(y)}`;
      continue;
    }
    if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return `${at}: different prototypes`;
    if (ArrayBuffer.isView(x)) {
      const v = y as ArrayBufferView;
      const bx = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
      const by = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      if (Buffer.compare(bx, by) !== 0) return `${at}: different bytes`;
      const viewX = x.byteLength < x.buffer.byteLength;
      const viewY = v.byteLength < v.buffer.byteLength;
      if (viewX !== viewY || (viewX && (x.buffer !== v.buffer || x.byteOffset !== v.byteOffset))) return `${at}: not the same view`;
      continue;
    }
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    if (kx.join() !== ky.join()) return `${at}: keys [${kx.join()}] vs [${ky.join()}]`;
    if (Array.isArray(x) !== Array.isArray(y)) return `${at}: array vs object`;
    for (const k of kx) stack.push([(x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${at}.${k}`]);
  }
  return undefined;
}
