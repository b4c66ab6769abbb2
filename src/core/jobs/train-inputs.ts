import type * as ort from 'onnxruntime-node';
import type { Model } from '../formats/onnx/model';
import { inferShapes } from '../formats/onnx/shapes';
import { lossOutput } from '../passes/train/training-graph';
import { loadDataset, type DataOptions, type Dataset } from '../runtime/data';
import { loadLabels } from '../runtime/data-labels';
import { readNpy } from '../runtime/npy';
import { openSession } from '../runtime/ort-session';

/** A user-facing problem with a training request; the message names the file or option. */
export class TrainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainError';
  }
}

/** Loads samples for training or validation; problems become TrainErrors naming the file. */
export async function loadSamples(model: Model, file: string, options: DataOptions | undefined, batch: number, labels?: string): Promise<Dataset> {
  try {
    return await loadDataset(model, file, { ...options, batch }, labels);
  } catch (e) {
    throw new TrainError((e as Error).message);
  }
}

/** Integer class labels, one per sample. */
export function loadClassLabels(file: string, count: number): Int32Array {
  try {
    return loadLabels(file, count);
  } catch (e) {
    throw new TrainError((e as Error).message);
  }
}

/** Regression targets (float .npy, N on axis 0) whose per-sample size matches the output's. */
export function loadTargets(file: string, count: number, outputShape: (number | string)[]): { values: Float32Array; perSample: number } {
  let a;
  try { a = readNpy(file); } catch (e) { throw new TrainError((e as Error).message); }
  if (a.shape[0] !== count) throw new TrainError(`${file}: has ${a.shape[0] ?? 0} targets for ${count} samples`);
  const perSample = a.shape.slice(1).reduce((x, y) => x * y, 1);
  const want = outputShape.slice(1);
  if (want.every((d): d is number => typeof d === 'number') && want.reduce((x, y) => x * y, 1) !== perSample) {
    throw new TrainError(`${file}: targets have ${perSample} values per sample; the output is [N, ${want.join(', ')}]`);
  }
  return { values: Float32Array.from(a.data as ArrayLike<number>, Number), perSample };
}

/** The teacher run on each batch: its logits, after checking it fits the student. */
export interface Teacher {
  file: string;
  output: string;
  logits(inputs: Record<string, ort.Tensor>): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * Opens the teacher after checking, before any training, that it reads the student's inputs and
 * that its class logits have the student's shape.
 */
export async function openTeacher(teacher: Model, student: Model, studentOutput: { name: string; shape: (number | string)[] }, threads: number): Promise<Teacher> {
  const loss = { kind: 'cross-entropy' as const };
  let out;
  try {
    out = lossOutput(teacher, inferShapes(teacher), loss);
  } catch (e) {
    throw new TrainError(`teacher ${(e as Error).message}`);
  }
  const shape = (s: (number | string)[]) => `[${s.map((d, i) => (i === 0 ? 'N' : d)).join(', ')}]`;
  if (shape(out.shape) !== shape(studentOutput.shape)) {
    throw new TrainError(`${teacher.label}: the teacher's output '${out.name}' is ${shape(out.shape)}, the student's '${studentOutput.name}' is ${shape(studentOutput.shape)}; distillation needs the same classes`);
  }
  const tInputs = teacher.graph.realInputs().map((i) => i.name);
  const sInputs = student.graph.realInputs().map((i) => i.name);
  if (tInputs.length !== sInputs.length) throw new TrainError(`${teacher.label}: the teacher has ${tInputs.length} inputs, the student ${sInputs.length}`);
  // Inputs match by name, or by position when the names differ.
  const rename = tInputs.every((n) => sInputs.includes(n)) ? undefined : new Map(sInputs.map((n, i) => [n, tInputs[i]]));
  const session = await openSession(teacher, { threads });
  return {
    file: teacher.label,
    output: out.name,
    async logits(inputs) {
      const feeds = rename ? Object.fromEntries(Object.entries(inputs).map(([k, v]) => [rename.get(k) ?? k, v])) : inputs;
      const r = await session.run(feeds, [out.name]);
      return r[out.name].data as Float32Array;
    },
    release: () => session.release(),
  };
}
