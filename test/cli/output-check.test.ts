import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, ensureCliBuilt } from './run';

const FIXTURES = path.resolve('test/fixtures');
const DATA = path.join(FIXTURES, 'fmnist_train1k_u8.npy');
const LABELS = path.join(FIXTURES, 'fmnist_train1k_labels.npy');

/**
 * Root writes through any mode bits, so as root the CLI runs as user nobody (65534), whom a 0555
 * folder does stop; as anyone else it runs as that user. The test folder is world-readable so
 * nobody can read the inputs in it.
 */
const AS_ROOT = process.getuid?.() === 0;

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8', timeout: 120_000, cwd: os.tmpdir(), env: { ...process.env, HOME: os.tmpdir(), EDGEWISE_RUNS_ROOT: 'off' }, // run records are another test's subject
    ...(AS_ROOT ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI: an output that cannot be written is reported before the work', function () {
  this.timeout(300_000);
  let dir: string;
  let ro: string;
  let model: string;

  before(() => {
    ensureCliBuilt();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-out-check-'));
    fs.chmodSync(dir, 0o755);
    model = path.join(dir, 'm.onnx');
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), model);
    fs.chmodSync(model, 0o644);
    ro = path.join(dir, 'ro');
    fs.mkdirSync(ro, { mode: 0o555 });
    fs.chmodSync(ro, 0o555);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Exit 1, one line on stderr (no progress: nothing started), naming the output and the folder. */
  function assertRefused(args: string[], names: string): void {
    const r = cli(args);
    assert.equal(r.code, 1, `${args.join(' ')}:\n${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line, before any progress:\n${r.stderr}`);
    assert.ok(r.stderr.includes(names), `names ${names}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`the output folder '${ro.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' is not writable`));
    assert.deepEqual(fs.readdirSync(ro), [], 'nothing written');
  }

  it('every command that writes a model', () => {
    const out = (name: string) => path.join(ro, name);
    assertRefused(['quantize', model, '--mode', 'static', '--calib', DATA, '--out', out('q.onnx')], out('q.onnx'));
    assertRefused(['quantize', model, '--mode', 'static', '--max-accuracy-drop', '1', '--eval', DATA, '--labels', LABELS, '--count', '50', '--out', out('mp.onnx')], out('mp.onnx'));
    assertRefused(['prune', model, '--method', 'magnitude', '--sparsity', '0.5', '--out', out('p.onnx')], out('p.onnx'));
    assertRefused(['export', model, '--out', out('e.tflite')], out('e.tflite'));
    assertRefused(['convert', model, out('c.onnx')], out('c.onnx'));
    assertRefused(['edit', model, '--fold-constants', '--out', out('ed.onnx')], out('ed.onnx'));
    assertRefused(['finetune', model, '--data', DATA, '--labels', LABELS, '--out', out('f.onnx')], out('f.onnx'));
    assertRefused(['fl', 'aggregate', '--base', model, `${model}:1`, '--out', out('a.onnx')], out('a.onnx'));
    const recipe = path.join(dir, 'edgewise.json');
    fs.writeFileSync(recipe, JSON.stringify({ model: 'm.onnx', passes: [{ pass: 'quantize', options: { mode: 'dynamic' } }], output: 'ro/r.onnx' }));
    fs.chmodSync(recipe, 0o644);
    assertRefused(['run', recipe], out('r.onnx'));
  });

  it('commands that write a folder', () => {
    assertRefused(['release', 'init', path.join(ro, 'repo'), '--keys', path.join(dir, 'keys')], path.join(ro, 'repo'));
    assertRefused(['device-update', '--dir', path.join(ro, 'device'), '--repo', 'http://127.0.0.1:9', '--root', model, '--device-id', 'd1'], path.join(ro, 'device'));
    assertRefused(['fl', 'serve', '--model', model, '--rounds', '1', '--clients-per-round', '1', '--out-dir', path.join(ro, 'fl')], path.join(ro, 'fl'));
  });

  it('a path under a regular file is named as such', () => {
    const r = cli(['quantize', model, '--mode', 'dynamic', '--out', path.join(model, 'x.onnx')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `edgewise quantize: ${path.join(model, 'x.onnx')}: '${model}' is a file, not a folder\n`);
  });
});
