import { readNpy, type NpyArray } from './npy';
import { BenchmarkError, type InputDescription } from './types';

/** A model input: element type ('float32'...) and shape; dims are numbers, or names (symbolic) / -1 (unknown). */
export interface InputSpec {
  name: string;
  dtype: string;
  shape: readonly (number | string)[];
}

export interface PlannedInput {
  name: string;
  dtype: string;
  shape: number[];
  data: NpyArray['data'];
  source: 'generated' | string;
}

export interface InputPlan {
  inputs: PlannedInput[];
  warnings: string[];
}

const GENERATED: Record<string, new (n: number) => NpyArray['data']> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, int8: Int8Array, uint8: Uint8Array,
  int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array,
  uint64: BigUint64Array, bool: Uint8Array,
};

/**
 * Chooses every input's shape and data. Files come first and bind the symbolic dims they fill
 * (so a generated input sharing 'batch' agrees with them); then `dims`; then 1, with a warning.
 * Generated data is seeded: floats uniform in [0, 1), integers in [0, 8), bools 0/1.
 */
export function planInputs(specs: readonly InputSpec[], dims: Record<string, number>, files: Record<string, string>): InputPlan {
  const warnings: string[] = [];
  const names = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(files)) {
    if (!names.has(name)) throw new BenchmarkError('input', `--input ${name}=${files[name]}: the model has no input '${name}' (inputs: ${[...names].join(', ')})`);
  }
  const bound = new Map<string, { value: number; from: string }>();
  for (const [k, v] of Object.entries(dims)) bound.set(k, { value: v, from: `--dim ${k}=${v}` });

  const out = new Map<string, PlannedInput>();
  for (const spec of specs) {
    const file = Object.hasOwn(files, spec.name) ? files[spec.name] : undefined;
    if (file) out.set(spec.name, fromFile(spec, file, bound));
  }
  const seen = new Set<string>();
  for (const spec of specs) {
    if (out.has(spec.name)) continue;
    const shape = spec.shape.map((d, i) => {
      if (typeof d === 'number' && d >= 0) return d;
      const sym = typeof d === 'string' && d ? d : `${spec.name}[${i}]`;
      const b = bound.get(sym);
      if (b) return b.value;
      if (!seen.has(sym)) warnings.push(`input '${spec.name}': dimension '${sym}' is symbolic; using 1 (set it with --dim ${sym}=VALUE)`);
      seen.add(sym);
      bound.set(sym, { value: 1, from: 'default' });
      return 1;
    });
    out.set(spec.name, { name: spec.name, dtype: spec.dtype, shape, data: generate(spec, shape), source: 'generated' });
  }
  const symbols = new Set(specs.flatMap((s) => s.shape.filter((d): d is string => typeof d === 'string')));
  for (const k of Object.keys(dims)) if (!symbols.has(k)) warnings.push(`--dim ${k}: no input has a dimension named '${k}' (symbolic dims: ${[...symbols].join(', ') || 'none'})`);
  return { inputs: specs.map((s) => out.get(s.name)!), warnings };
}

function fromFile(spec: InputSpec, file: string, bound: Map<string, { value: number; from: string }>): PlannedInput {
  let arr: NpyArray;
  try {
    arr = readNpy(file);
  } catch (e) {
    throw new BenchmarkError('input', (e as Error).message);
  }
  const want = `${spec.dtype} [${spec.shape.join(', ')}]`;
  const got = `${arr.dtype} [${arr.shape.join(', ')}]`;
  const fail = (why: string): never => { throw new BenchmarkError('input', `${file}: input '${spec.name}' expects ${want}, the file holds ${got}${why ? ` (${why})` : ''}`); };
  if (arr.dtype !== spec.dtype) fail('wrong dtype');
  if (arr.shape.length !== spec.shape.length) fail('wrong rank');
  spec.shape.forEach((d, i) => {
    const n = arr.shape[i];
    if (typeof d === 'number' && d >= 0) {
      if (d !== n) fail(`dimension ${i} is ${n}, must be ${d}`);
      return;
    }
    const sym = typeof d === 'string' && d ? d : `${spec.name}[${i}]`;
    const b = bound.get(sym);
    if (b && b.value !== n) fail(`dimension '${sym}' is ${n} here but ${b.value} from ${b.from}`);
    bound.set(sym, { value: n, from: file });
  });
  return { name: spec.name, dtype: spec.dtype, shape: arr.shape, data: arr.data, source: file };
}

function generate(spec: InputSpec, shape: number[]): NpyArray['data'] {
  const Ctor = GENERATED[spec.dtype];
  if (!Ctor) throw new BenchmarkError('input', `input '${spec.name}' has type ${spec.dtype}, which cannot be generated; give it with --input ${spec.name}=FILE.npy`);
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Ctor(count);
  const rand = mulberry32(hash(spec.name));
  if (data instanceof Float32Array || data instanceof Float64Array) for (let i = 0; i < count; i++) data[i] = rand();
  else if (spec.dtype === 'float16') for (let i = 0; i < count; i++) (data as Uint16Array)[i] = float16Bits(rand());
  else if (spec.dtype === 'bool') for (let i = 0; i < count; i++) (data as Uint8Array)[i] = rand() < 0.5 ? 0 : 1;
  else if (data instanceof BigInt64Array || data instanceof BigUint64Array) for (let i = 0; i < count; i++) data[i] = BigInt(Math.floor(rand() * 8));
  else for (let i = 0; i < count; i++) (data as Int32Array)[i] = Math.floor(rand() * 8);
  return data;
}

export function describeInputs(inputs: readonly PlannedInput[]): InputDescription[] {
  return inputs.map(({ name, dtype, shape, source }) => ({ name, dtype, shape, source }));
}

/** Half-precision bits of a value in [0, 1) (normal range; truncating the mantissa is fine for test data). */
function float16Bits(x: number): number {
  if (x === 0) return 0;
  const f = new Float32Array([x]);
  const b = new Uint32Array(f.buffer)[0];
  const exp = ((b >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return 0;
  return (exp << 10) | ((b >>> 13) & 0x3ff);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
