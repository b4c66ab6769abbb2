/**
 * The CLI loads only the command it runs (cli/commands/index.ts): `--help` and `diff` start without
 * ONNX Runtime or ssh2, which only the commands that run models or reach devices load.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commandEntries, loadCommands } from '../../src/cli/commands';
import { ensureCliBuilt } from './run';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/edgewise.js');
const LOADED = path.join(ROOT, 'test/helpers/loaded-modules.cjs');
const FLOAT = path.join(ROOT, 'test/fixtures/fmnist_mobilenet.onnx');
const INT8 = path.join(ROOT, 'test/fixtures/fmnist_mobilenet.int8.onnx');

/** The packages `edgewise ARGS` (as installed: bin/edgewise.js) loaded through require, and its trace marks. */
function packagesLoaded(args: string[], dir: string): { status: number | null; packages: string[]; marks: string } {
  const file = path.join(dir, 'loaded.json');
  const r = spawnSync(process.execPath, ['--require', LOADED, BIN, ...args], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, EDGEWISE_LOADED_FILE: file, EDGEWISE_TRACE: '1' },
  });
  const loaded = JSON.parse(fs.readFileSync(file, 'utf8')) as string[];
  const packages = [...new Set(loaded.flatMap((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1] ?? []))].sort();
  return { status: r.status, packages, marks: r.stderr };
}

describe('the CLI loads only the command it runs', function () {
  this.timeout(120_000);
  let dir: string;
  before(ensureCliBuilt);
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-lazy-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--help and diff load neither ONNX Runtime nor ssh2; bench loads ONNX Runtime, device ssh2 alone', () => {
    const help = packagesLoaded(['--help'], dir);
    assert.equal(help.status, 0);
    assert.deepEqual(help.packages, []);
    const diff = packagesLoaded(['diff', FLOAT, INT8, '--json', '-q'], dir);
    assert.equal(diff.status, 0, diff.marks);
    assert.deepEqual(diff.packages, []);
    assert.match(diff.marks, /cli: diff loaded/);
    // The check sees a package when a command does load it.
    const bench = packagesLoaded(['bench', '--help'], dir);
    assert.ok(bench.packages.includes('onnxruntime-node'), bench.packages.join());
    const device = packagesLoaded(['device', '--help'], dir);
    assert.ok(device.packages.includes('cpu-features') && !device.packages.includes('onnxruntime-node'), device.packages.join());
  });

  it('lists every command with its summary, and each entry loads the command of its name', () => {
    const loaded = loadCommands();
    assert.deepEqual(loaded.map((c) => c.name), commandEntries.map((c) => c.name));
    for (const c of commandEntries) assert.ok(c.summary.length > 10, c.name);
  });
});
