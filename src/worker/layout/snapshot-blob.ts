/**
 * The layout snapshot (snapshot-main.ts) on disk, in the cache folder: built once in the
 * background by `node --build-snapshot` after a worker has started its layout thread, then used
 * by the next workers to start a layout process instead (channel.ts). A snapshot only loads into
 * the Node that made it, so the file is named after that Node (path, version, architecture, the
 * flags it runs with) and the bundle's version (core/base/bundle-cache.ts). A Node that cannot build or start one (Electron's, for
 * instance) leaves a `.failed` note beside the name with why, and its workers keep the thread.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleCacheFile, removeOlderBuilds, settledBundle } from '../../core/base/bundle-cache';
import { v8TieringFlags } from '../../core/base/v8-tiering';

const BUILD_TIMEOUT_MS = 60_000;

/**
 * V8's flags of the layout process, at its build and its start (a snapshot only loads with the
 * flags it was built with): the tiering thresholds 15 times the defaults, named as this Node's V8
 * names them (core/base/v8-tiering.ts). elkjs is compiled Java with very large functions: at the
 * default thresholds they are optimized early, on little type feedback, and deoptimized again,
 * and during an open that compiling competes for the 2 cores with the page. The higher thresholds
 * let a first screen's layout run 1.5 to 2 times sooner: on one core (as while the page loads),
 * the CNN's 97-101 ms instead of 190, ResNet-50's 110-144 instead of 231-300, PP-OCR rec's
 * 377-405 instead of 843-1,000 (Node 20, scratch, layouts from the snapshot one after another).
 * A process warm from several large layouts is up to a fifth slower on the next: the
 * transformer's expand-all laid out a second time took 590-669 ms instead of 478-578.
 */
export const LAYOUT_PROCESS_FLAGS: readonly string[] = v8TieringFlags(process.versions.v8);

/** Where the snapshot of `bundle` (dist/layout-snapshot.js) for this Node lives; undefined if the bundle is missing. */
export function layoutSnapshotFile(bundle: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(bundle);
  } catch {
    return undefined;
  }
  return bundleCacheFile('layout-snapshot', 'layout', bundle, '.blob', st, [process.execPath, process.version, process.arch, ...LAYOUT_PROCESS_FLAGS]);
}

export type SnapshotState = { state: 'ready'; file: string } | { state: 'missing'; file: string } | { state: 'unusable' };

/** Whether a layout process can start from the snapshot of `bundle`: there, to be built, or not for this Node. */
export function layoutSnapshot(bundle: string): SnapshotState {
  const file = layoutSnapshotFile(bundle);
  if (!file || fs.existsSync(`${file}.failed`)) return { state: 'unusable' };
  return fs.existsSync(file) ? { state: 'ready', file } : { state: 'missing', file };
}

/** Notes that `file` cannot be built or started from, and why; removes it. */
export function markSnapshotFailed(file: string, why: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.failed`, `${why}\n`);
    fs.rmSync(file, { force: true });
  } catch {
    // The cache folder cannot be written: no snapshot either, and the thread serves.
  }
}

/**
 * Builds the snapshot of `bundle` into `file` at low priority, written under a temporary name
 * and renamed. Resolves whether it was built; a failure is noted (markSnapshotFailed).
 */
export function buildLayoutSnapshot(bundle: string, file: string): Promise<boolean> {
  try {
    const st = fs.statSync(bundle);
    if (!settledBundle(st)) return Promise.resolve(false);
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch {
    // No bundle, or no cache folder to write to: no snapshot, and the thread serves.
    return Promise.resolve(false);
  }
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(process.execPath, [...LAYOUT_PROCESS_FLAGS, '--snapshot-blob', tmp, '--build-snapshot', bundle], { stdio: ['ignore', 'ignore', 'pipe'], env: process.env });
    try {
      if (child.pid) os.setPriority(child.pid, 10);
    } catch {
      // Not allowed here: it builds at normal priority.
    }
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
    const timer = setTimeout(() => child.kill(), BUILD_TIMEOUT_MS);
    let ended = false;
    const done = (why: string | undefined): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      try {
        if (why === undefined) {
          fs.renameSync(tmp, file);
          removeOlderBuilds(file);
        }
      } catch (e) {
        why = `could not keep it: ${e instanceof Error ? e.message : String(e)}`;
      }
      fs.rmSync(tmp, { force: true });
      if (why !== undefined) markSnapshotFailed(file, `${process.execPath} could not build the layout snapshot from ${bundle}: ${why}`);
      resolve(why === undefined);
    };
    child.on('error', (e) => done(e.message));
    child.on('exit', (code, signal) => done(code === 0 ? undefined : `exit ${signal ?? code}${stderr ? `: ${stderr.trim()}` : ''}`));
  });
}

