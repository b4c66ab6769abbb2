import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { atomicWrite, clearStaleTemps } from '../../../src/core/base/atomic-file';

describe('base/atomic-file: temporaries of killed writers do not pile up', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-atomic-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A process id that no process has now: a child that has already exited. */
  function deadPid(): number {
    return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  }

  it('writing a file removes its temporaries whose writer is dead, and nothing else', () => {
    const out = path.join(dir, 'm.int8.onnx');
    const dead = `.m.int8.onnx.${deadPid()}.lq2x1a.tmp`;
    const alive = `.m.int8.onnx.${process.ppid}.lq2x1b.tmp`; // a running process (mocha's parent)
    const other = `.other.onnx.${deadPid()}.lq2x1c.tmp`; // another output's: not this job's to clear
    for (const f of [dead, alive, other]) fs.writeFileSync(path.join(dir, f), Buffer.alloc(1024));
    atomicWrite(out, [Buffer.from('model')]);
    assert.deepEqual(fs.readdirSync(dir).sort(), [alive, other, 'm.int8.onnx'].sort());
    assert.equal(fs.readFileSync(out, 'utf8'), 'model');
    assert.deepEqual(clearStaleTemps(path.join(dir, 'other.onnx')), [path.join(dir, other)]);
  });

  it('a writer killed with SIGKILL leaves a temporary that the next write of the file removes', () => {
    const out = path.join(dir, 'big.onnx');
    const mod = require.resolve('../../../src/core/base/atomic-file');
    // The child starts an atomic write and is killed before it commits.
    const code = `const { AtomicFile } = require(${JSON.stringify(mod)}); const f = new AtomicFile(${JSON.stringify(out)}); f.write(Buffer.alloc(1 << 20)); process.kill(process.pid, 'SIGKILL');`;
    const r = spawnSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', code]);
    assert.equal(r.signal, 'SIGKILL');
    const left = fs.readdirSync(dir);
    assert.equal(left.length, 1);
    assert.match(left[0], /^\.big\.onnx\.\d+\.[0-9a-z]+\.tmp$/);
    atomicWrite(out, [Buffer.from('again')]);
    assert.deepEqual(fs.readdirSync(dir), ['big.onnx']);
  });
});
