import { readInputText } from '../base/input-file';
import { readNpy } from './npy';

/** A label file of text is read whole: 256 MiB holds tens of millions of labels. */
const LABELS_LIMIT = { bytes: 256 << 20, why: 'over the 256 MiB a text labels file may have (use a .npy)' };

/** Class labels, one integer per sample: from a .npy (any integer dtype) or a text file (one per line). */
export function loadLabels(file: string, expectedCount?: number): Int32Array {
  let labels: Int32Array;
  if (file.toLowerCase().endsWith('.npy')) {
    const a = readNpy(file);
    if (a.dtype.startsWith('float')) throw new Error(`${file}: labels must be integers, the array is ${a.dtype}`);
    labels = Int32Array.from(a.data as ArrayLike<number | bigint>, (v) => Number(v));
  } else {
    const text = readInputText(file, { what: 'labels', limit: LABELS_LIMIT });
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
