import * as assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { IPCMessageReader, IPCMessageWriter, createMessageConnection, type MessageConnection } from 'vscode-jsonrpc/node';

const CHILD = path.join(__dirname, 'fixtures/unsendable-child.ts');

// The worker's channel carries V8-serialized messages (extension/worker-client.ts): a result that
// cannot be cloned makes process.send throw. vscode-jsonrpc answers the request with that error,
// so the host is not left waiting (a JSON channel dropped such fields silently instead).
describe('worker channel: a result it cannot carry', function () {
  this.timeout(30_000);
  let child: ChildProcess;
  let connection: MessageConnection;

  before(() => {
    child = fork(CHILD, [], { execArgv: ['--require', 'tsx/cjs'], serialization: 'advanced', stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    connection.listen();
  });
  after(() => { connection.dispose(); child.kill(); });

  it('is answered with an error naming what could not be cloned, and the channel goes on', async () => {
    assert.deepEqual(await connection.sendRequest('good'), { ok: 1 });
    await assert.rejects(connection.sendRequest('bad'), /Request bad failed with message: .*could not be cloned/);
    assert.deepEqual(await connection.sendRequest('good'), { ok: 1 });
  });
});
