// The E2E runner: real VS Code (code-server) in headless Chromium.
//   1. the extension-host suite (test/e2e/suite/*.test.ts, bundled) runs inside VS Code; the
//      workbench reports its result through window.codeAutomationExit(code);
//   2. the UI checks (ui.mjs) drive the workbench and the graph webview like a user.
// Screenshots go to test-output/e2e/. Exits non-zero when either part fails.
// Usage: node test/e2e/runner.mjs [--suite-only | --ui-only]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchBrowser, startCodeServer, workbenchUrl } from './code-server.mjs';
import { buildSuite, makeWorkspace, root, suiteDir, work, ws } from './prepare.mjs';
import { serveBridge } from './bridge.mjs';
import { runUiChecks } from './ui.mjs';

const shots = path.join(root, 'test-output', 'e2e');
// The whole extension-host suite, workbench start included; it grows with every format and feature
// (the device tests set up and benchmark on a real sshd).
const SUITE_TIMEOUT_MS = 540_000;

const log = (m) => process.stderr.write(`e2e: ${m}\n`);

/** Runs the extension-host suite; resolves to the exit code the workbench reported. */
async function runSuite(server, context) {
  const page = await context.newPage();
  let report;
  const exited = new Promise((resolve) => { report = resolve; });
  await page.exposeFunction('codeAutomationExit', (code) => report(Number(code)));
  const consoleLog = fs.createWriteStream(path.join(work, 'workbench-console.log'));
  // The opens the suite timed (suite/graph-editor.test.ts, recordOpen), printed after its report: real VS Code's figures beside bench:open's.
  const opens = [];
  page.on('console', (m) => {
    consoleLog.write(`[${m.type()}] ${m.text()}\n`);
    const open = /(opened \S+ in \d+ ms to the first frame.*)$/.exec(m.text());
    if (open) opens.push(open[1]);
  });
  page.on('pageerror', (e) => log(`workbench page error: ${e.message}`));
  const stopBridge = serveBridge(path.join(suiteDir, 'ui-bridge'), page, shots, log);
  const url = workbenchUrl(server, ws, { extensionDevelopmentPath: root, extensionTestsPath: path.join(suiteDir, 'index.js') });
  await page.goto(url);
  const timer = setTimeout(() => report(124), SUITE_TIMEOUT_MS);
  const code = await exited;
  clearTimeout(timer);
  stopBridge();
  await page.screenshot({ path: path.join(shots, '00-extension-host-suite.png') }).catch(() => undefined);
  const reportFile = path.join(suiteDir, 'suite-report.txt');
  if (fs.existsSync(reportFile)) process.stdout.write(fs.readFileSync(reportFile, 'utf8'));
  if (opens.length) process.stdout.write(`\nOpens timed in VS Code (open command -> first frame; the phases as bench:open prints them):\n${opens.map((o) => `  ${o}\n`).join('')}`);
  if (code === 124) log(`the extension-host suite did not finish within ${SUITE_TIMEOUT_MS / 1000} s`);
  await page.close();
  return code;
}

async function main() {
  const mode = process.argv[2] ?? '';
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  makeWorkspace();
  await buildSuite();
  const server = await startCodeServer(log);
  const browser = await launchBrowser();
  let failed = 0;
  try {
    if (mode !== '--ui-only') {
      const code = await runSuite(server, browser.context);
      log(`extension-host suite: exit code ${code}`);
      if (code !== 0) failed++;
    }
    if (mode !== '--suite-only') {
      const page = await browser.context.newPage();
      const url = workbenchUrl(server, ws, { extensionDevelopmentPath: root });
      const result = await runUiChecks(page, url, shots, log, ws);
      log(`UI checks: ${result.passed} passed, ${result.failed} failed`);
      if (result.failed) failed++;
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  log(`screenshots in ${path.relative(root, shots)}/`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  log(e.stack ?? String(e));
  process.exit(1);
});
