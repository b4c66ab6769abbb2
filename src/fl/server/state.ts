/**
 * What the server keeps in its folder, so it can stop and resume: round-N.onnx (the global model
 * after round N, round-0 the start), round-N.json (that round's metrics), state.json (the last
 * completed round; written last, so a crash before it leaves the round to be run again), final.onnx.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWrite } from '../../core/base/atomic-file';
import { FederationError } from '../weights';
import type { RoundMetrics } from '../round-report';

export type { RoundMetrics } from '../round-report';

export interface ServerState {
  protocol: string;
  /** SHA-256 of the starting model: a folder belongs to one federation. */
  startModel: string;
  completedRound: number;
  /** SHA-256 of round-<completedRound>.onnx. */
  model: string;
  history: RoundMetrics[];
}

export const roundFile = (dir: string, round: number) => path.join(dir, `round-${round}.onnx`);
export const finalFile = (dir: string) => path.join(dir, 'final.onnx');
const stateFile = (dir: string) => path.join(dir, 'state.json');

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The state to resume from, or undefined for a fresh folder; refuses a folder of another federation. */
export function readState(dir: string, startModel: string): ServerState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(stateFile(dir), 'utf8');
  } catch {
    return undefined;
  }
  let s: ServerState;
  try {
    s = JSON.parse(text) as ServerState;
  } catch {
    throw new FederationError(`${stateFile(dir)}: is not valid JSON; move the folder away to start over`);
  }
  if (s.startModel !== startModel) throw new FederationError(`${dir}: holds a federation that started from another model; choose another --out-dir`);
  const file = roundFile(dir, s.completedRound);
  if (!fs.existsSync(file) || sha256(fs.readFileSync(file)) !== s.model) throw new FederationError(`${file}: is missing or does not match state.json; the folder was changed by hand`);
  return s;
}

export function writeState(dir: string, s: ServerState, metrics?: RoundMetrics): void {
  if (metrics) atomicWrite(path.join(dir, `round-${metrics.round}.json`), [Buffer.from(JSON.stringify(metrics, null, 2) + '\n')]);
  atomicWrite(stateFile(dir), [Buffer.from(JSON.stringify(s, null, 2) + '\n')]);
}
