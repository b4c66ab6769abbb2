import { FILE_IDENTIFIER } from './schema';

/** True when the bytes carry TFLite's FlatBuffers file identifier ('TFL3' at offset 4). */
export function hasTfliteIdentifier(head: Uint8Array): boolean {
  if (head.length < 8) return false;
  for (let i = 0; i < 4; i++) if (head[4 + i] !== FILE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}
