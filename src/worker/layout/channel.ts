/**
 * How the worker reaches its layout server (server.ts): a worker_threads thread that loads elkjs
 * (dist/layout-thread.js), or a child process started from the layout snapshot (snapshot-blob.ts),
 * in which elkjs is loaded and warm from the start. Both take the same messages.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { LAYOUT_DATA_ENV, type FromLayoutThread, type LayoutThreadData, type ToLayoutThread } from './messages';
import { LAYOUT_PROCESS_FLAGS } from './snapshot-blob';

export type LayoutServerKind = 'thread' | 'process';

export interface LayoutChannel {
  readonly kind: LayoutServerKind;
  /** The layout process's id (none for a thread). */
  readonly pid?: number;
  post(m: ToLayoutThread): void;
  /** Ends the server (a layout it runs is lost). */
  stop(): Promise<void>;
}

export interface ChannelEvents {
  message(m: FromLayoutThread): void;
  /** It failed, or could not start. */
  error(e: Error): void;
  exit(code: number | null): void;
}

/** The layout thread: `script` is dist/layout-thread.js. */
export function startThread(script: string, data: LayoutThreadData, on: ChannelEvents): LayoutChannel {
  const thread = new Worker(script, { workerData: data });
  thread.on('message', on.message);
  thread.on('error', on.error);
  thread.on('exit', on.exit);
  return { kind: 'thread', post: (m) => thread.postMessage(m), stop: async () => { await thread.terminate(); } };
}

/** Forks a layout process from `snapshot`, the blob of `bundle` (dist/layout-snapshot.js), with the worker's Node. */
export function forkLayoutProcess(snapshot: string, bundle: string, data: LayoutThreadData): ChildProcess {
  return fork(bundle, [], {
    execPath: process.execPath,
    // Not the worker's own flags (an inspector port, for one): the snapshot's.
    execArgv: [...LAYOUT_PROCESS_FLAGS, '--snapshot-blob', snapshot],
    env: { ...process.env, [LAYOUT_DATA_ENV]: JSON.stringify(data) },
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The channel of layout process `child`. */
export function processChannel(child: ChildProcess, on: ChannelEvents): LayoutChannel {
  let exited = false;
  let ended!: () => void;
  const exit = new Promise<void>((resolve) => { ended = resolve; });
  const onExit = (code: number | null): void => {
    exited = true;
    ended();
    on.exit(code);
  };
  const onError = (e: Error): void => {
    // Not started at all (no 'exit' follows).
    if (child.pid === undefined) { exited = true; ended(); }
    on.error(e);
  };
  child.once('exit', (code, signal) => onExit(code ?? (signal ? 1 : null)));
  child.on('message', (m) => on.message(m as FromLayoutThread));
  child.on('error', onError);
  return {
    kind: 'process',
    pid: child.pid,
    post: (m) => { if (child.connected) child.send(m); },
    stop: async () => {
      if (!exited) child.kill();
      await exit;
    },
  };
}
