import { InputFileError, readInputFile } from '../base/input-file';
import { atomicWrite } from './job';
import type { EpochReport } from '../runtime/train-loop';

const MAGIC = 'EWCKPT01';

/** What a checkpoint holds besides the tensors: where training stood and with which settings. */
export interface CheckpointHeader {
  /** SHA-256 of the input model file: a checkpoint resumes the model it was made from only. */
  modelSha256: string;
  /** Settings a resumed run must share (optimizer, loss, batch size, seed...). */
  settings: Record<string, unknown>;
  epochsDone: number;
  optimizerStep: number;
  history: EpochReport[];
}

/** Training state after an epoch: weights, optimizer state and running statistics. */
export interface Checkpoint {
  header: CheckpointHeader;
  weights: Map<string, Float32Array>;
  /** Per parameter (in `weights` order): the optimizer's state buffers. */
  slots: Float32Array[][];
  statistics: Map<string, Float32Array>;
}

interface Entry { name: string; kind: 'weight' | 'slot' | 'statistic'; length: number }

/** Writes the checkpoint atomically: a JSON header, then the float32 tensors back to back. */
export function writeCheckpoint(file: string, c: Checkpoint): void {
  const entries: Entry[] = [];
  const arrays: Float32Array[] = [];
  const add = (name: string, kind: Entry['kind'], a: Float32Array) => { entries.push({ name, kind, length: a.length }); arrays.push(a); };
  const names = [...c.weights.keys()];
  names.forEach((name, i) => {
    add(name, 'weight', c.weights.get(name)!);
    for (const s of c.slots[i] ?? []) add(name, 'slot', s);
  });
  for (const [name, a] of c.statistics) add(name, 'statistic', a);
  const json = new TextEncoder().encode(JSON.stringify({ ...c.header, entries }));
  const head = new Uint8Array(16);
  head.set(new TextEncoder().encode(MAGIC));
  const pad = (4 - ((16 + json.length) % 4)) % 4;
  new DataView(head.buffer).setUint32(8, json.length + pad, true);
  const padded = new Uint8Array(json.length + pad).fill(0x20);
  padded.set(json);
  atomicWrite(file, [head, padded, ...arrays.map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength))]);
}

/** Reads a checkpoint written by writeCheckpoint; throws naming the file when it is not one. */
export function readCheckpoint(file: string): Checkpoint {
  let bytes: Buffer;
  try {
    bytes = readInputFile(file, { what: 'checkpoint' });
  } catch (e) {
    throw e instanceof InputFileError && e.problem === 'no such file' ? new Error(`${file}: no checkpoint to resume from`) : e;
  }
  if (bytes.length < 16 || bytes.subarray(0, 8).toString('latin1') !== MAGIC) throw new Error(`${file}: not an Edgewise training checkpoint`);
  const headerLength = bytes.readUInt32LE(8);
  let parsed: CheckpointHeader & { entries: Entry[] };
  try { parsed = JSON.parse(bytes.subarray(16, 16 + headerLength).toString('utf8')); } catch { throw new Error(`${file}: the checkpoint header is damaged`); }
  const { entries, ...header } = parsed;
  // Copy the tensor bytes once into an aligned buffer; the arrays are views of it.
  const body = new Uint8Array(bytes.subarray(16 + headerLength));
  const floats = new Float32Array(body.buffer, 0, Math.floor(body.byteLength / 4));
  const total = entries.reduce((s, e) => s + e.length, 0);
  if (total !== floats.length) throw new Error(`${file}: the checkpoint is truncated (${floats.length} of ${total} values)`);
  const c: Checkpoint = { header, weights: new Map(), slots: [], statistics: new Map() };
  let offset = 0;
  for (const e of entries) {
    const a = floats.subarray(offset, offset + e.length);
    offset += e.length;
    if (e.kind === 'weight') { c.weights.set(e.name, a); c.slots.push([]); }
    else if (e.kind === 'slot') c.slots[c.slots.length - 1].push(a);
    else c.statistics.set(e.name, a);
  }
  return c;
}
