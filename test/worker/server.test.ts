import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  CancellationTokenSource, RequestType, ResponseError, StreamMessageReader, StreamMessageWriter, createMessageConnection,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import { CANCELLED_CODE, ProgressNotification, type ProgressParams, type ProgressReport } from '../../src/worker/protocol';
import { WorkerServer } from '../../src/worker/server';

/** A long job made of small steps, like a calibration loop or a benchmark's runs. */
const StepsRequest = new RequestType<{ steps: number } & ProgressParams, number, void>('test/steps');
const FailRequest = new RequestType<{ why: string }, void, void>('test/fail');

function connectedPair(): { client: MessageConnection; server: WorkerServer } {
  const up = new PassThrough();
  const down = new PassThrough();
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const server = new WorkerServer(createMessageConnection(new StreamMessageReader(up), new StreamMessageWriter(down)));
  return { client, server };
}

describe('worker server: progress, cancellation, errors', () => {
  let client: MessageConnection;
  let server: WorkerServer;
  let stepsDone = 0;

  beforeEach(() => {
    ({ client, server } = connectedPair());
    stepsDone = 0;
    server.on(StepsRequest, async ({ steps }, ctx) => {
      for (let i = 0; i < steps; i++) {
        const end = Date.now() + 5; // 5 ms of synchronous work per step
        while (Date.now() < end);
        stepsDone++;
        ctx.progress(`step ${i + 1}`, (i + 1) / steps);
        await ctx.checkpoint();
      }
      return steps;
    });
    server.on(FailRequest, ({ why }) => {
      throw new Error(why);
    });
    server.connection.listen();
    client.listen();
  });
  afterEach(() => {
    client.dispose();
    server.connection.dispose();
  });

  it('reports progress under the token the client chose', async () => {
    const reports: ProgressReport[] = [];
    client.onNotification(ProgressNotification.type, (r) => {
      reports.push(r);
    });
    assert.equal(await client.sendRequest(StepsRequest, { steps: 4, progressToken: 't1' }), 4);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(reports.map((r) => [r.token, r.message, r.fraction]), [
      ['t1', 'step 1', 0.25], ['t1', 'step 2', 0.5], ['t1', 'step 3', 0.75], ['t1', 'step 4', 1],
    ]);
  });

  it('stops a long handler within one second of cancellation', async () => {
    const source = new CancellationTokenSource();
    const pending = client.sendRequest(StepsRequest, { steps: 100_000 }, source.token);
    await new Promise((r) => setTimeout(r, 200));
    const cancelledAt = Date.now();
    source.cancel();
    await assert.rejects(pending, (e: ResponseError<void>) => e.code === CANCELLED_CODE);
    const stoppedAfter = Date.now() - cancelledAt;
    const atStop = stepsDone;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(stepsDone, atStop, 'no step runs after the cancelled response');
    assert.ok(stoppedAfter < 1000, `stopped ${stoppedAfter} ms after cancel`);
    assert.ok(stepsDone < 100_000);
  });

  it('sends a thrown error as its plain message', async () => {
    await assert.rejects(client.sendRequest(FailRequest, { why: 'model.onnx: bad tensor' }), (e: ResponseError<void>) => {
      assert.equal(e.message, 'model.onnx: bad tensor');
      return true;
    });
  });
});
