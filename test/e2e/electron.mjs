// `npm run test:electron`: the extension-host suite in desktop VS Code through @vscode/test-electron.
// It cannot download VS Code here, so it needs one: EDGEWISE_VSCODE_PATH=/path/to/code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildSuite, makeWorkspace, root, work } from './prepare.mjs';

const vscodeExecutablePath = process.env.EDGEWISE_VSCODE_PATH;
if (!vscodeExecutablePath) {
  console.log('test:electron: skipped. Set EDGEWISE_VSCODE_PATH to a desktop VS Code executable (for example /usr/share/code/code)'
    + ' to run the extension-host suite in it; `npm run test:e2e` runs the same suite in code-server.');
  process.exit(0);
}
if (!fs.existsSync(vscodeExecutablePath)) {
  console.error(`test:electron: EDGEWISE_VSCODE_PATH=${vscodeExecutablePath} does not exist`);
  process.exit(1);
}

const ws = makeWorkspace();
const extensionTestsPath = await buildSuite();
const userData = path.join(work, 'electron-user-data');
try {
  const code = await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath,
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--user-data-dir', userData],
  });
  const report = path.join(path.dirname(extensionTestsPath), 'suite-report.txt');
  if (fs.existsSync(report)) process.stdout.write(fs.readFileSync(report, 'utf8'));
  process.exit(code);
} catch (e) {
  console.error(`test:electron: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
