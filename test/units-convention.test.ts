import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * One unit system (docs/units.md): every size, duration, percentage and ratio a user reads goes
 * through src/core/base/units.ts. A figure formatted on the spot next to its unit is how the CLI
 * ended up printing `1.49 MB`, `1.49 MiB` and `1527.6 KB` for sizes and `0.03000 points`.
 */
const ROOT = path.resolve(__dirname, '..');
const SKIP = new Set(['node_modules', 'dist', 'proto', 'fbs']);
const ALLOWED_FILES = new Set(['src/core/base/units.ts']);

/** An interpolation or a toFixed/toPrecision immediately followed by a unit, or a decimal size unit. */
const AD_HOC = [
  { what: 'a number rounded on the spot next to its unit', re: /\.to(Fixed|Precision)\(\d\)\}\s?(%|x\b|ms\b|µs|us\b|s\b|h\b|dB|points|[KMGT]i?B\b|W\b|m?J\b)/ },
  { what: 'a size unit written by hand after a figure', re: /\}\s?(KiB|MiB|GiB|TiB|KB|MB|GB|TB)\b/ },
  { what: 'a decimal size unit (sizes are KiB, MiB, GiB)', re: /[\d}]\s?(KB|MB|GB|TB)\b/ },
  { what: 'a size unit list of its own (a second formatBytes)', re: /['"](KiB|MiB|GiB|KB|MB|GB)['"]/ },
];

function* sources(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.ts$/.test(e.name) && !/_pb\.ts$|_generated\.ts$/.test(e.name)) yield p;
  }
}

describe('one unit system and number format (docs/units.md)', () => {
  it('no command, worker result or view formats a figure and its unit by hand', () => {
    const found: string[] = [];
    for (const root of ['src', 'webview']) {
      for (const file of sources(path.join(ROOT, root))) {
        const rel = path.relative(ROOT, file).split(path.sep).join('/');
        if (ALLOWED_FILES.has(rel)) continue;
        fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
          if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
          for (const rule of AD_HOC) if (rule.re.test(line)) found.push(`${rel}:${i + 1}: ${rule.what}: ${line.trim().slice(0, 120)}`);
        });
      }
    }
    assert.deepEqual(found, [], `use src/core/base/units.ts:\n${found.join('\n')}`);
  });
});
