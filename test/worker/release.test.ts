import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkerClient } from '../../src/extension/worker-client';
import { ReleaseChangeRequest, ReleaseInitRequest, ReleasePublishRequest, ReleaseStatusRequest } from '../../src/worker/protocol';
import { tmpDir } from '../helpers/ota';
import { buildWorker, root, workerPath } from './build-worker';

describe('worker release requests (dist/worker.js over IPC)', function () {
  this.timeout(60_000);
  let client: WorkerClient;
  let dir: string;
  before(() => buildWorker());
  beforeEach(() => {
    client = new WorkerClient({ workerPath });
    dir = tmpDir('release-worker');
  });
  afterEach(() => {
    client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a repository (keys outside the given folders), publishes with progress, promotes and reports status', async () => {
    const repo = path.join(dir, 'repo');
    const workspace = path.join(dir, 'workspace');
    await assert.rejects(client.request(ReleaseInitRequest.type, { repo, keys: path.join(workspace, 'keys'), keysOutside: [workspace] }), /keys must live outside .*workspace/);
    assert.ok(!fs.existsSync(path.join(repo, 'metadata')), 'nothing written');
    const init = await client.request(ReleaseInitRequest.type, { repo, keys: path.join(dir, 'keys'), keysOutside: [workspace] });
    assert.equal(init.trustedRoot, path.join(repo, 'metadata', '1.root.json'));
    const model = path.join(root, 'test/fixtures/fmnist_cnn.onnx');
    const messages: string[] = [];
    const pub = await client.request(ReleasePublishRequest.type, { model, repo, keys: path.join(dir, 'keys'), channel: 'beta', version: '0.1.0', rollout: 5 }, { onProgress: (p) => messages.push(p.message) });
    assert.equal(pub.release.rollout, 5);
    assert.ok(messages.some((m) => /signing beta 0\.1\.0/.test(m)), messages.join('; '));
    const promoted = await client.request(ReleaseChangeRequest.type, { repo, keys: path.join(dir, 'keys'), action: 'promote', channel: 'beta', version: '0.1.0', rollout: 50 });
    assert.equal(promoted.after.rollout, 50);
    const status = await client.request(ReleaseStatusRequest.type, { repo });
    assert.deepEqual(status.channels.map((c) => [c.channel, c.releases.map((r) => `${r.version}@${r.rollout}`)]), [['beta', ['0.1.0@50']]]);
    await assert.rejects(client.request(ReleaseStatusRequest.type, { repo: path.join(dir, 'nope') }), /not a release repository/);
  });
});
