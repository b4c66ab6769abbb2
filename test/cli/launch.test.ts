import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureCliBuilt } from './run';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/edgewise.js');

/** `edgewise ARGS` as installed (bin/edgewise.js), with its own cache folder; the launcher's trace mark. */
function edgewise(args: string[], cache: string): { status: number | null; stdout: string; cacheMark?: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, EDGEWISE_CACHE_DIR: cache, EDGEWISE_TRACE: '1' } });
  return { status: r.status, stdout: r.stdout, cacheMark: /launch: compiled, code cache (\w+)/.exec(r.stderr)?.[1] };
}

describe('edgewise (bin) starts the CLI bundle with V8\'s code cache (cli/launch.ts)', function () {
  this.timeout(120_000);
  let cache: string;
  before(async () => {
    ensureCliBuilt();
    // A bundle written in the last 2 s is not cached (its clock could hide a second write).
    const age = Date.now() - fs.statSync(path.join(ROOT, 'dist/cli.js')).mtimeMs;
    if (age < 2500) await new Promise((r) => setTimeout(r, 2500 - age));
  });
  beforeEach(() => { cache = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-launch-')); });
  afterEach(() => fs.rmSync(cache, { recursive: true, force: true }));

  const cached = () => fs.readdirSync(path.join(cache, 'code-cache')).filter((f) => f.endsWith('.bin'));

  it('writes the cache on the first command and uses it on the next, with the same output and exit codes', () => {
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
    const first = edgewise(['--version'], cache);
    assert.deepEqual([first.status, first.stdout.trim(), first.cacheMark], [0, version, 'none']);
    assert.equal(cached().length, 1);
    const second = edgewise(['--version'], cache);
    assert.deepEqual([second.status, second.stdout.trim(), second.cacheMark], [0, version, 'used']);
    assert.equal(edgewise(['no-such-command'], cache).status, 2);
    assert.equal(edgewise(['inspect', path.join(cache, 'missing.onnx')], cache).status, 1);
  });

  it('compiles as before when the cache is damaged, and replaces it', () => {
    edgewise(['--version'], cache);
    const [name] = cached();
    const file = path.join(cache, 'code-cache', name);
    fs.writeFileSync(file, Buffer.alloc(4096, 7));
    const r = edgewise(['--help'], cache);
    assert.deepEqual([r.status, r.cacheMark], [0, 'refused']);
    assert.match(r.stdout, /usage: edgewise <command>/);
    assert.notDeepEqual(fs.readFileSync(file), Buffer.alloc(4096, 7));
    assert.equal(edgewise(['--version'], cache).cacheMark, 'used');
  });
});
