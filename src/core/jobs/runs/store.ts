/**
 * Where run records live and how they are read. The runs root is the folder holding `.edgewise/`:
 * `EDGEWISE_RUNS_ROOT` when set ('off' records nothing); else the nearest folder above the job's
 * input that already has `.edgewise/`; else the nearest such folder above the working directory;
 * else the working directory (the extension starts its worker in the workspace folder). Records
 * are `.edgewise/runs/<id>.json`, one file per run, written atomically.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWrite } from '../../base/atomic-file';
import { RUN_RECORD_VERSION, type RunRecord } from './types';

export const RUNS_DIR = path.join('.edgewise', 'runs');

/** The runs root for a job on `input`, or undefined when recording is off. */
export function runsRootFor(input: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const forced = env.EDGEWISE_RUNS_ROOT;
  if (forced === 'off') return undefined;
  if (forced) return path.resolve(forced);
  return (input && markedAncestor(path.dirname(path.resolve(input)))) ?? markedAncestor(cwd) ?? cwd;
}

/** The nearest folder from `dir` up that holds a `.edgewise` folder. */
function markedAncestor(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if (fs.statSync(path.join(d, '.edgewise')).isDirectory()) return d;
    } catch { /* not here */ }
    if (path.dirname(d) === d) return undefined;
  }
}

/** A path as records store it: relative to the root with '/' when inside it, else absolute. */
export function recordPath(root: string, file: string): string {
  const rel = path.relative(root, path.resolve(file));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : path.resolve(file);
}

/** A stored path back to an absolute one. */
export function resolveRecordPath(root: string, p: string): string {
  return path.resolve(root, p);
}

/** Writes a record atomically as `<root>/.edgewise/runs/<id>.json`; returns the file. */
export function writeRunRecord(root: string, record: RunRecord): string {
  const dir = path.join(root, RUNS_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${record.id}.json`);
  atomicWrite(file, [Buffer.from(JSON.stringify(record, null, 2) + '\n')]);
  return file;
}

export interface RunList {
  root: string;
  /** Newest first. */
  records: RunRecord[];
  /** Files that are not records (named, with why), left alone. */
  unreadable: { file: string; problem: string }[];
}

/** Every record under `root`, newest first. */
export function listRuns(root: string): RunList {
  const dir = path.join(root, RUNS_DIR);
  const out: RunList = { root, records: [], unreadable: [] };
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch {
    return out;
  }
  for (const name of names.sort().reverse()) {
    const file = path.join(dir, name);
    try {
      out.records.push(parseRunRecord(fs.readFileSync(file, 'utf8'), file));
    } catch (e) {
      out.unreadable.push({ file, problem: (e as Error).message });
    }
  }
  return out;
}

/** A record's JSON text, checked for the fields every reader relies on. */
export function parseRunRecord(text: string, file: string): RunRecord {
  let r: RunRecord;
  try {
    r = JSON.parse(text) as RunRecord;
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!r || typeof r !== 'object' || r.version !== RUN_RECORD_VERSION || typeof r.id !== 'string' || typeof r.kind !== 'string' || !r.metrics || !Array.isArray(r.inputs) || !Array.isArray(r.outputs)) {
    throw new Error(`${file}: not an Edgewise run record (version ${RUN_RECORD_VERSION})`);
  }
  return r;
}

/** The records `refs` name: a whole id, a unique prefix of one, or 'latest'; an unknown or ambiguous ref is an error naming it. */
export function findRuns(list: RunList, refs: string[]): RunRecord[] {
  return refs.map((ref) => {
    if (ref === 'latest') {
      if (!list.records[0]) throw new Error(`${path.join(list.root, RUNS_DIR)}: no runs recorded yet`);
      return list.records[0];
    }
    const exact = list.records.find((r) => r.id === ref);
    if (exact) return exact;
    const hits = list.records.filter((r) => r.id.startsWith(ref));
    if (hits.length === 1) return hits[0];
    if (hits.length === 0) throw new Error(`no run '${ref}' in ${path.join(list.root, RUNS_DIR)} (edgewise runs list shows them)`);
    throw new Error(`'${ref}' names ${hits.length} runs (${hits.slice(0, 3).map((r) => r.id).join(', ')}${hits.length > 3 ? ', ...' : ''}); give more of the id`);
  });
}
