import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

describe('the .vsix contents (.vscodeignore)', () => {
  it('carry the bundles and linux onnxruntime (x64, and arm64 for devices) only: no sources, tests or other platforms', () => {
    const vsce = path.resolve('node_modules/.bin/vsce');
    const r = spawnSync(vsce, ['ls'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const files = r.stdout.trim().split('\n');
    for (const must of [
      'package.json', 'README.md', 'LICENSE', 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      // `edgewise device setup` installs it on ARM64 devices (and the emulated one) from here.
      'node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node',
      // Without it Node loads onnxruntime-common's CommonJS build as an ES module and fails.
      'node_modules/onnxruntime-common/dist/cjs/package.json',
      // sharp decodes image data sets (calibration/evaluation) in the worker.
      'node_modules/sharp/dist/index.cjs', 'node_modules/@img/sharp-linux-x64/package.json',
    ]) {
      assert.ok(files.includes(must), `${must} is packaged`);
    }
    assert.ok(files.some((f) => /^node_modules\/@img\/sharp-linux-x64\/lib\/sharp-linux-x64.*\.node$/.test(f)), 'sharp\'s linux-x64 binding is packaged');
    assert.ok(files.some((f) => /^node_modules\/@img\/sharp-libvips-linux-x64\/lib\/libvips-cpp\.so/.test(f)), 'libvips is packaged');
    const leaks = files.filter((f) => /^(src|test|bench|scripts|webview)\/|\.ts$|\/(darwin|win32)\/|^\.ci\//.test(f));
    assert.deepEqual(leaks, []);
  });
});
