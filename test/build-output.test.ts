import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

describe('the bundles (scripts/build.mjs, built by npm test)', () => {
  it('are ASCII: V8 holds a bundle with one other character as a two-byte string, slower to read and compile at each start', () => {
    const dist = path.resolve('dist');
    const bundles = fs.readdirSync(dist).filter((f) => f.endsWith('.js'));
    for (const must of ['worker-main.js', 'cli.js', 'extension.js', 'webview.js', 'webview-chrome.js']) assert.ok(bundles.includes(must), `dist/${must} is built`);
    const offending = bundles.flatMap((f) => {
      const text = fs.readFileSync(path.join(dist, f), 'utf8');
      const at = text.search(/[^\x00-\x7f]/);
      return at < 0 ? [] : [`dist/${f} line ${text.slice(0, at).split('\n').length}`];
    });
    assert.deepEqual(offending, []);
  });
});
