import * as fs from 'node:fs';
import { readNpy } from './npy';

/** Class labels, one integer per sample: from a .npy (any integer dtype) or a text file (one per line). */
export function loadLabels(file: string, expectedCount?: number): Int32Array {
  let labels: Int32Array;
  if (file.toLowerCase().endsWith('.npy')) {
    const a = readNpy(file);
    if (a.dtype.startsWith('float')) throw new Error(`${file}: labels must be integers, the array is ${a.dtype}`);
    labels = Int32Array.from(a.data as ArrayLike<number | bigint>, (v) => Number(v));
  } else {
    let text: string;
    try { text = fs.readFileSync(file, 'utf8'); } catch { throw new Error(`${file}: no such file`); }
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    labels = new Int32Array(lines.length);
    lines.forEach((l, i) => {
      const last = l.split(/[\s,]+/).pop()!;
      if (!/^-?\d+$/.test(last)) throw new Error(`${file}: line ${i + 1} ('${l}') does not end with an integer label`);
      labels[i] = Number(last);
    });
  }
  if (expectedCount !== undefined && labels.length !== expectedCount) {
    throw new Error(`${file}: has ${labels.length} labels for ${expectedCount} samples`);
  }
  return labels;
}
