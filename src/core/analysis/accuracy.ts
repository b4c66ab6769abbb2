import type * as ort from 'onnxruntime-node';
import type { Model } from '../formats/onnx/model';
import { batchRanges, type Dataset } from '../runtime/data';
import { throwIfCancelled } from '../base/cancel';
import type { DatasetRunOptions } from '../runtime/infer';
import { openSession, stepSession, type SessionSettings, type SharedSession } from '../runtime/ort-session';
import { cosineFromSums, shareOf } from '../base/bounded';
import { nearChance, type NearChance } from './chance';

/** Top-1/top-5 accuracy of class scores against integer labels. */
export interface Accuracy {
  top1: number;
  top5: number;
  samples: number;
  /** Classes scored (the output's last axis). */
  classes: number;
  /** Set when top-1 is no better than guessing: the data is not what the model was trained on (chance.ts). */
  nearChance?: NearChance;
}

/** How close a test output is to a reference output over a whole data set. */
export interface OutputComparison {
  output: string;
  /** Share of rows (all positions but the last axis) whose argmax over the last axis agrees. */
  top1Agreement: number;
  /** Cosine similarity of all values. */
  cosine: number;
  maxAbsError: number;
  /** 10 log10(sum ref^2 / sum (ref - test)^2); null when the outputs are identical. */
  sqnrDb: number | null;
  values: number;
}

/** Streams top-k hits over batches of [n, classes] scores. */
export class TopKAccuracy {
  private hits1 = 0;
  private hits5 = 0;
  private seen = 0;
  private classes = 0;

  /**
   * `who` names the model in the near-chance alarm ('the float model'); without it, no alarm (a
   * quantized model at chance beside a good float one is the quantization's fault, not the data's).
   */
  constructor(private readonly labels: Int32Array, private readonly who?: string) {}

  update(scores: Float32Array, start: number, n: number): void {
    const classes = scores.length / n;
    this.classes = classes;
    for (let s = 0; s < n; s++) {
      const label = this.labels[start + s];
      const base = s * classes;
      const target = scores[base + label];
      let above = 0;
      for (let c = 0; c < classes; c++) if (scores[base + c] > target || (scores[base + c] === target && c < label)) above++;
      if (above === 0) this.hits1++;
      if (above < 5) this.hits5++;
      this.seen++;
    }
  }

  result(): Accuracy {
    const top1 = shareOf(this.hits1, this.seen);
    const alarm = this.who === undefined ? undefined : nearChance(top1, this.classes, this.seen, this.who);
    return { top1, top5: shareOf(this.hits5, this.seen), samples: this.seen, classes: this.classes, ...(alarm ? { nearChance: alarm } : {}) };
  }
}

/** Streams the comparison of a test output with a reference output. */
export class OutputAgreement {
  private dot = 0;
  private refSq = 0;
  private testSq = 0;
  private errSq = 0;
  private maxAbs = 0;
  private agree = 0;
  private rows = 0;
  private count = 0;

  constructor(readonly output: string) {}

  /** One batch; `width` is the size of the last axis (argmax runs over it, row by row). */
  update(ref: Float32Array, test: Float32Array, width: number): void {
    if (ref.length !== test.length) throw new Error(`output '${this.output}': ${ref.length} values in one model, ${test.length} in the other`);
    for (let i = 0; i < ref.length; i++) {
      const r = ref[i];
      const t = test[i];
      const d = r - t;
      this.dot += r * t;
      this.refSq += r * r;
      this.testSq += t * t;
      this.errSq += d * d;
      const a = d < 0 ? -d : d;
      if (a > this.maxAbs) this.maxAbs = a;
    }
    const rows = ref.length / Math.max(1, width);
    for (let s = 0; s < rows; s++) {
      if (argmax(ref, s * width, width) === argmax(test, s * width, width)) this.agree++;
      this.rows++;
    }
    this.count += ref.length;
  }

  result(): OutputComparison {
    return {
      output: this.output,
      top1Agreement: shareOf(this.agree, this.rows),
      cosine: cosineFromSums(this.dot, this.refSq, this.testSq),
      maxAbsError: this.maxAbs,
      sqnrDb: this.errSq === 0 ? null : 10 * Math.log10(this.refSq / this.errSq),
      values: this.count,
    };
  }
}

function argmax(a: Float32Array, from: number, width: number): number {
  let best = 0;
  for (let i = 1; i < width; i++) if (a[from + i] > a[from + best]) best = i;
  return best;
}

function floatData(v: ort.OnnxValue | undefined, what: string): Float32Array {
  const t = v as ort.Tensor | undefined;
  if (!t) throw new Error(`${what} is missing from the results`);
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16' || t.type === 'float64' || t.type.startsWith('int') || t.type.startsWith('uint')) return Float32Array.from(t.data as ArrayLike<number>, Number);
  throw new Error(`${what} has type ${t.type}, not a number`);
}

export interface EvalResult {
  model: string;
  data: string;
  samples: number;
  synthetic: boolean;
  accuracy?: Accuracy;
  /** The output scored for accuracy. */
  scoredOutput: string;
}

function ref<T extends string | Model | SharedSession>(m: T): { label: string; source: T } {
  return { label: typeof m === 'string' ? m : m.label, source: m };
}

/** Runs a model over a data set; with labels, top-1/top-5 of its first output. */
export async function evaluateModel(
  model: string | Model, data: Dataset, labels?: Int32Array, options: DatasetRunOptions & SessionSettings = {},
): Promise<EvalResult> {
  const m = ref(model);
  const session = await openSession(m.source, options);
  try {
    const out = session.outputNames[0];
    const acc = labels ? new TopKAccuracy(labels, 'the model') : undefined;
    let samples = 0;
    for (const [start, n] of batchRanges(data)) {
      throwIfCancelled(options.signal);
      const res = await session.run(data.batch(start, n), [out]);
      acc?.update(floatData(res[out], `output '${out}'`), start, n);
      samples += n;
      options.progress?.(start + n, data.count);
    }
    return { model: m.label, data: data.description, samples, synthetic: data.synthetic, accuracy: acc?.result(), scoredOutput: out };
  } finally {
    await session.release();
  }
}

export interface CompareResult {
  a: string;
  b: string;
  data: string;
  samples: number;
  synthetic: boolean;
  outputs: OutputComparison[];
  accuracyA?: Accuracy;
  accuracyB?: Accuracy;
}

/** Runs two models with the same inputs side by side and compares every output they share. */
export async function compareModels(
  a: string | Model | SharedSession, b: string | Model | SharedSession, data: Dataset, labels?: Int32Array,
  options: DatasetRunOptions & SessionSettings = {},
): Promise<CompareResult> {
  const ra = ref(a);
  const rb = ref(b);
  const { session: sa, release: releaseA } = await stepSession(ra.source, options);
  const { session: sb, release: releaseB } = await stepSession(rb.source, options).catch(async (e) => { await releaseA(); throw e; });
  try {
    const shared = sa.outputNames.filter((o) => sb.outputNames.includes(o));
    if (!shared.length) throw new Error(`${rb.label}: shares no output name with ${ra.label}`);
    const agreements = shared.map((o) => new OutputAgreement(o));
    const accA = labels ? new TopKAccuracy(labels, `the reference model (${ra.label})`) : undefined;
    const accB = labels ? new TopKAccuracy(labels) : undefined;
    let samples = 0;
    for (const [start, n] of batchRanges(data)) {
      throwIfCancelled(options.signal);
      const feeds = data.batch(start, n);
      const oa = await sa.run(feeds, shared);
      const ob = await sb.run(feeds, shared);
      shared.forEach((o, k) => {
        const dims = (oa[o] as ort.Tensor).dims;
        agreements[k].update(floatData(oa[o], `output '${o}' of ${ra.label}`), floatData(ob[o], `output '${o}' of ${rb.label}`), Number(dims[dims.length - 1] ?? 1));
      });
      accA?.update(floatData(oa[shared[0]], shared[0]), start, n);
      accB?.update(floatData(ob[shared[0]], shared[0]), start, n);
      samples += n;
      options.progress?.(start + n, data.count);
    }
    return {
      a: ra.label, b: rb.label, data: data.description, samples, synthetic: data.synthetic,
      outputs: agreements.map((x) => x.result()), accuracyA: accA?.result(), accuracyB: accB?.result(),
    };
  } finally {
    await releaseA();
    await releaseB();
  }
}
