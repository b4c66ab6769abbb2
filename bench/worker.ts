/**
 * The worker's request costs through the real IPC path, as the graph editor sees them: start-up,
 * summary (decode included), view graph (cold, then cached), node details, and how long a
 * cancelled view-graph request keeps the worker busy. Prints JSON.
 * Usage: npx tsx bench/worker.ts [MODEL]   (default bench/models/transformer_100x64.onnx;
 * make it with /usr/bin/python3 bench/models/make_models.py, or pass /work/models/...)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { RequestCancelledError, WorkerClient } from '../src/extension/worker-client';
import {
  ForgetModelNotification, ModelSummaryRequest, NodeDetailsRequest, ViewGraphRequest, WorkerInfoRequest,
} from '../src/worker/protocol';

const root = path.resolve(__dirname, '..');
const model = path.resolve(process.argv[2] ?? path.join(root, 'bench/models/transformer_100x64.onnx'));

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await f();
  return [r, Math.round((performance.now() - t0) * 10) / 10];
}

/**
 * Cancels a view-graph request on a model the worker has not opened, `afterMs` after sending it:
 * the caller is released at once; the worker is free again at its next checkpoint (decoding
 * the file is one synchronous step).
 */
async function cancelCold(afterMs: number): Promise<{ callerReleasedMs: number; workerFreeMs: number }> {
  client.notify(ForgetModelNotification.type, { file: model });
  const source = new CancellationTokenSource();
  const pending = client.request(ViewGraphRequest.type, { file: model }, { token: source.token });
  await new Promise((r) => setTimeout(r, afterMs));
  const t0 = performance.now();
  source.cancel();
  await pending.catch((e) => {
    if (!(e instanceof RequestCancelledError)) throw e;
  });
  const callerReleasedMs = Math.round((performance.now() - t0) * 10) / 10;
  await client.request(WorkerInfoRequest.type, undefined);
  return { callerReleasedMs, workerFreeMs: Math.round((performance.now() - t0) * 10) / 10 };
}

let client: WorkerClient;

async function main(): Promise<void> {
  if (!fs.existsSync(model)) throw new Error(`${model}: no such file (see the usage line at the top of bench/worker.ts)`);
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
  client = new WorkerClient({ workerPath: path.join(root, 'dist/worker.js') });
  try {
    const [, startMs] = await timed(() => client.request(WorkerInfoRequest.type, undefined));
    const [summary, summaryMs] = await timed(() => client.request(ModelSummaryRequest.type, { file: model }));
    const [graph, viewGraphMs] = await timed(() => client.request(ViewGraphRequest.type, { file: model }));
    // The cached reader keeps its view graph: what remains is the IPC transfer (median of 7).
    const cachedRuns: number[] = [];
    for (let i = 0; i < 7; i++) cachedRuns.push((await timed(() => client.request(ViewGraphRequest.type, { file: model })))[1]);
    const viewGraphCachedMs = [...cachedRuns].sort((x, y) => x - y)[3];
    const heaviest = graph.nodes.reduce((a, b) => (b.weightBytes > a.weightBytes ? b : a));
    const [, nodeDetailsMs] = await timed(() => client.request(NodeDetailsRequest.type, { file: model, nodeId: heaviest.id }));

    const cancel = { immediately: await cancelCold(0), after100Ms: await cancelCold(100) };

    console.log(JSON.stringify({
      model: path.basename(model),
      fileBytes: summary.fileBytes,
      nodes: summary.nodes,
      viewGraphJsonBytes: Buffer.byteLength(JSON.stringify(graph)),
      workerStartMs: startMs,
      summaryColdMs: summaryMs,
      viewGraphMs,
      viewGraphCachedMs,
      nodeDetailsMs,
      nodeDetailsOf: `${heaviest.opType} ${heaviest.weightBytes} B`,
      cancel,
    }, null, 2));
  } finally {
    client.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
