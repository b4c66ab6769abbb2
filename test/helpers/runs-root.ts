/**
 * Loaded by mocha before every test file (.mocharc.json): jobs the tests run, in this process or in
 * CLI children that inherit the environment, record their runs in a temporary root instead of the
 * repository (jobs/runs/store.ts). Tests of the root rules set their own environment. Edgewise's
 * cache (remembered file hashes, device bundles) goes to one folder in the temporary folder, shared
 * by test runs (the bundles take long to make), never the user's ~/.cache.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

if (!process.env.EDGEWISE_RUNS_ROOT) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-test-runs-'));
  process.env.EDGEWISE_RUNS_ROOT = root;
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
}

process.env.EDGEWISE_CACHE_DIR ??= path.join(os.tmpdir(), 'edgewise-test-cache');
// The worker's layout server is a thread in tests (worker/layout/client.ts), not a process from a
// layout snapshot built in the background while other tests run; test/worker/layout-snapshot.test.ts
// tests the snapshot and the process.
process.env.EDGEWISE_LAYOUT_SNAPSHOT ??= '0';
