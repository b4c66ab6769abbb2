// What both runners (code-server and @vscode/test-electron) need: the test workspace and the
// extension-host suite bundled to JavaScript.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..');
export const work = path.join(here, '.work');
export const ws = path.join(work, 'ws');
export const suiteDir = path.join(work, 'suite');

/** Bundles test/e2e/suite/*.ts (each test file and index.ts) into .work/suite/. */
export async function buildSuite() {
  fs.rmSync(suiteDir, { recursive: true, force: true });
  const entries = fs.readdirSync(path.join(here, 'suite')).filter((f) => f.endsWith('.ts') && f !== 'helpers.ts');
  await esbuild.build({
    entryPoints: entries.map((f) => path.join(here, 'suite', f)),
    outdir: suiteDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha', 'mocha/*'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return path.join(suiteDir, 'index.js');
}

/** Writes the test workspace's models (test/e2e/make-workspace.ts). */
export function makeWorkspace() {
  execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(here, 'make-workspace.ts'), ws], { cwd: root, stdio: 'inherit' });
  return ws;
}
