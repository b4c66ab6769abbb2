/// <reference lib="webworker" />
/** The layout worker (`dist/layout-worker.js`): answers layout requests with elk-layout.ts. */
import ELK from 'elkjs/lib/elk.bundled.js';
import { Layouter } from './elk-layout';
import type { FromLayoutWorker, ToLayoutWorker } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

const layouter = new Layouter(new ELK());

self.onmessage = async (e: MessageEvent<ToLayoutWorker>) => {
  const req = e.data;
  if (req.type !== 'layout') return;
  let reply: FromLayoutWorker;
  try {
    reply = await layouter.layout(req.requestId, req.root, req.direction);
  } catch (err) {
    reply = { type: 'layoutError', requestId: req.requestId, message: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
};
