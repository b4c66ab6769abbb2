/**
 * How work reports its progress (the job contract's `progress` hook, jobs/job.ts). The message is
 * a line for people; a countable step also passes what it counts, so a terminal can draw a bar
 * with the count, the rate and the time left (src/cli/progress.ts) without parsing the message.
 */
import { formatBytes, formatInteger } from './units';

/** A countable step: 'calibration' 40 of 100 'samples'. */
export interface ProgressCount {
  /** The step, without its count: 'calibration', 'bench m.onnx 1 thread(s): timed runs'. */
  stage: string;
  done: number;
  /** How many are planned; undefined when nobody knows in advance (runs that go on until a time has passed). */
  total?: number;
  /** What is counted, plural: 'samples', 'runs', 'layers', 'bytes' (shown as sizes). */
  unit: string;
  /** The share of this step done (0..1) when `total` cannot say it: a time budget. */
  share?: number;
}

/** Reports progress: a line for people, when known the share of the whole job done (0..1), and for a countable step its count. */
export type Progress = (message: string, fraction?: number, count?: ProgressCount) => void;

/** A count for people: '40/100 samples', '922 runs', '1.5 MiB of 4 MiB'. */
export function countText(c: Pick<ProgressCount, 'done' | 'total' | 'unit'>): string {
  if (c.unit === 'bytes') return c.total === undefined ? formatBytes(c.done) : `${formatBytes(c.done)} of ${formatBytes(c.total)}`;
  // 'runs' names one 'run'.
  const unit = (c.total ?? c.done) === 1 ? c.unit.replace(/s$/, '') : c.unit;
  return c.total === undefined ? `${formatInteger(c.done)} ${unit}` : `${formatInteger(c.done)}/${formatInteger(c.total)} ${unit}`;
}

/** The message of a countable step: 'calibration 40/100 samples'. */
export function countMessage(c: ProgressCount): string {
  return `${c.stage} ${countText(c)}`;
}

/** The share of a countable step done (0..1), from its total or its own share; 0 when neither is known. */
export function countShare(c: ProgressCount): number {
  const share = c.total ? c.done / c.total : c.share ?? 0;
  return Math.min(1, Math.max(0, share));
}

/**
 * A (done, total) callback for a countable step of `progress`: each call reports the step's
 * message and count, and the job's fraction as `fraction(share of the step)` when given.
 */
export function counter(progress: Progress | undefined, stage: string, unit: string, fraction?: (share: number) => number): (done: number, total?: number) => void {
  return (done, total) => {
    const count: ProgressCount = { stage, done, total, unit };
    progress?.(countMessage(count), fraction?.(countShare(count)), count);
  };
}

/** `progress` with `prefix` before every message and stage ('bench m.onnx: ...'). */
export function prefixed(progress: Progress | undefined, prefix: string): Progress {
  return (message, fraction, count) => progress?.(`${prefix}${message}`, fraction, count && { ...count, stage: `${prefix}${count.stage}` });
}
