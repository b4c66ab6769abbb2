import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '../..');
export const workerPath = path.join(root, 'dist', 'worker.js');
export const fixture = path.join(root, 'test', 'fixtures', 'fmnist_cnn.onnx');

let built = false;

/** Rebuilds dist/ once per test run so the tests never talk to a stale worker bundle. */
export function buildWorker(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'ignore' });
  built = true;
}

export { isAlive } from '../helpers/processes';
