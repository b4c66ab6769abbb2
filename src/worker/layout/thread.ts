/**
 * The layout thread (`dist/layout-thread-main.js`), a worker_threads thread of the worker process:
 * loads elkjs and serves layouts (server.ts). The worker starts it when it has no layout snapshot
 * to start a layout process from (snapshot-blob.ts).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { elkEngine } from './elk-engine';
import type { LayoutThreadData, ToLayoutThread } from './messages';
import { serveLayouts } from './server';

const port = parentPort!;
const elk = elkEngine();
const early: ToLayoutThread[] = [];
for (let got = receiveMessageOnPort(port); got; got = receiveMessageOnPort(port)) early.push(got.message as ToLayoutThread);
serveLayouts({ post: (m) => port.postMessage(m), onMessage: (receive) => port.on('message', receive) }, workerData as LayoutThreadData, elk, early);
