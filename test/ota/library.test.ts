import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureCliBuilt } from '../cli/run';

describe("the device library 'edgewise/ota'", () => {
  before(() => ensureCliBuilt());

  it('resolves through the package exports to one self-contained bundle that needs only Node built-ins', () => {
    const file = require.resolve('edgewise/ota');
    assert.equal(file, path.resolve(__dirname, '../../dist/ota.js'));
    const required = new Set([...fs.readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
    const foreign = [...required].filter((m) => !builtinModules.includes(m.replace(/^node:/, '')));
    assert.deepEqual(foreign, [], 'no vscode, onnxruntime-node or other packages at run time');
    const r = spawnSync(process.execPath, ['-e', "const o = require('edgewise/ota'); console.log(typeof o.ModelUpdater, typeof o.deviceStatus)"], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'function function', r.stderr);
  });
});
