import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WorkerClient } from '../../src/extension/worker-client';
import { NodeFiguresRequest } from '../../src/worker/figures-protocol';
import { ModelTextRequest, TargetListRequest, ValidateRecipeRequest } from '../../src/worker/protocol';
import { until } from '../helpers/until';
import { buildWorker, fixture, workerPath } from './build-worker';

const LOADED = 'worker: job modules loaded';
const RECIPE = ['model: m.onnx', 'passes: []', 'targets:', '  arm: { runtime: qemu-arm64 }', 'overrides:', '  /nowhere: { precision: float }', ''].join('\n');

describe('what VS Code asks the worker for as it starts: the Targets view\'s list, a recipe\'s check, a model\'s text (worker/handlers/targets.ts, recipe.ts, model.ts)', function () {
  this.timeout(60_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-startup-requests-'));
  const saved = { trace: process.env.EDGEWISE_TRACE, config: process.env.XDG_CONFIG_HOME };
  let client: WorkerClient | undefined;
  const lines: string[] = [];
  before(() => {
    buildWorker();
    // The worker forks with this process's environment: its phase marks, and a user targets file of its own.
    process.env.EDGEWISE_TRACE = '1';
    process.env.XDG_CONFIG_HOME = path.join(tmp, 'config');
    fs.mkdirSync(path.join(tmp, 'config', 'edgewise'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'config', 'edgewise', 'targets.json'), JSON.stringify([{ name: 'pi', ssh: 'ssh://pi@127.0.0.1:2222' }]));
    fs.mkdirSync(path.join(tmp, 'project'));
    fs.copyFileSync(fixture, path.join(tmp, 'project', 'm.onnx'));
    fs.writeFileSync(path.join(tmp, 'project', 'edgewise.yaml'), RECIPE);
  });
  after(() => {
    client?.dispose();
    for (const [k, v] of [['EDGEWISE_TRACE', saved.trace], ['XDG_CONFIG_HOME', saved.config]] as const) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('are answered without loading the job modules, which a first model\'s open would wait for', async () => {
    client = new WorkerClient({ workerPath, log: (l) => lines.push(l) });
    const settings = [{ name: 'bench-box', description: 'a box of the settings', threads: 2 }];
    const list = await client.request(TargetListRequest.type, { settings, folder: path.join(tmp, 'project') });
    const where = Object.fromEntries(list.map((e) => [e.target.name, [e.definedIn, e.kind]]));
    assert.deepEqual(where['bench-box'], ['settings', 'local']);
    assert.deepEqual(where.arm, ['edgewise.yaml', 'emulated']);
    assert.deepEqual(where.pi, [path.join(tmp, 'config', 'edgewise', 'targets.json'), 'ssh']);
    assert.deepEqual(where['local-cpu'], ['built in', 'local']);
    const check = await client.request(ValidateRecipeRequest.type, { file: path.join(tmp, 'project', 'edgewise.yaml'), text: RECIPE });
    assert.equal(check.model, path.join(tmp, 'project', 'm.onnx'));
    assert.ok(check.nodeNames.length > 5, check.nodeNames.join(', '));
    assert.deepEqual(check.problems.map((p) => p.message.includes('/nowhere')), [true], JSON.stringify(check.problems));
    assert.match((await client.request(ModelTextRequest.type, { file: fixture })).text, /Conv/);
    assert.ok(!lines.some((l) => l.includes(LOADED)), lines.join('\n'));
    // A job request does load them (the mark is there to be seen).
    assert.ok((await client.request(NodeFiguresRequest.type, { file: fixture })).memory.peakBytes > 0);
    await until(() => lines.find((l) => l.includes(LOADED)), 10_000);
  });
});
