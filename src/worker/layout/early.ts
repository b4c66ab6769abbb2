/**
 * The layout process forked by dist/worker.js (boot.ts) before it loads the worker's bundle, when
 * this Node has the layout snapshot: it reads its snapshot while the worker compiles, about 100 ms
 * sooner than main.ts could fork it. What it sends meanwhile is recorded; client.ts takes it over.
 * The two bundles share it through a global (each has its own copy of this module).
 */
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { forkLayoutProcess, type ProcessEvent } from './channel';
import type { FromLayoutThread, LayoutThreadData } from './messages';
import { layoutSnapshot } from './snapshot-blob';

const KEY = Symbol.for('edgewise.earlyLayoutProcess');

export interface EarlyLayoutProcess {
  child: ChildProcess;
  /** The snapshot's bundle (dist/layout-snapshot.js) and blob. */
  bundle: string;
  snapshot: string;
  events: ProcessEvent[];
  stopRecording(): void;
}

/** The worker's layout data from its arguments (worker-client.ts `args`: --layout-cache=FILE). */
export function layoutDataOf(argv: string[]): LayoutThreadData {
  const arg = argv.find((a) => a.startsWith('--layout-cache='));
  return { cacheFile: arg?.slice('--layout-cache='.length) };
}

/** Forks the layout process if the snapshot of `distDir`/layout-snapshot.js is there (not with EDGEWISE_LAYOUT_SNAPSHOT=0). */
export function forkEarly(distDir: string, data: LayoutThreadData): void {
  if (process.env.EDGEWISE_LAYOUT_SNAPSHOT === '0') return;
  const bundle = path.join(distDir, 'layout-snapshot.js');
  const state = layoutSnapshot(bundle);
  if (state.state !== 'ready') return;
  let child: ChildProcess;
  try {
    child = forkLayoutProcess(state.file, bundle, { ...data, warmUp: false });
  } catch {
    // The worker starts anyway: its layout server starts later, as without a snapshot.
    return;
  }
  const events: ProcessEvent[] = [];
  const onMessage = (m: unknown): void => { events.push({ message: m as FromLayoutThread }); };
  const onExit = (code: number | null, signal: NodeJS.Signals | null): void => { events.push({ exit: code ?? (signal ? 1 : null) }); };
  const onError = (e: Error): void => { events.push({ error: e }); };
  child.on('message', onMessage);
  child.once('exit', onExit);
  child.on('error', onError);
  const early: EarlyLayoutProcess = {
    child, bundle, snapshot: state.file, events,
    stopRecording: () => { child.off('message', onMessage); child.off('exit', onExit); child.off('error', onError); },
  };
  (globalThis as Record<symbol, unknown>)[KEY] = early;
}

/** The early process for `bundle`, once; another bundle's (a LayoutThread of another dist) is ended. */
export function takeEarly(bundle: string): EarlyLayoutProcess | undefined {
  const early = (globalThis as Record<symbol, unknown>)[KEY] as EarlyLayoutProcess | undefined;
  delete (globalThis as Record<symbol, unknown>)[KEY];
  if (early && early.bundle !== bundle) {
    early.stopRecording();
    early.child.kill();
    return undefined;
  }
  return early;
}
