/**
 * Runs the extension-host tests (the `extensionTestsPath` module): VS Code calls `run()` and
 * exits with 0 when it resolves. The spec report is also written to `suite-report.txt` next to
 * this bundle, since a remote extension host's console goes nowhere a runner can read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';

// Mocha's CommonJS build: loads in every extension host, whatever its Node version.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Mocha = require('mocha/lib/mocha.cjs') as typeof import('mocha');

export function run(): Promise<void> {
  const report = path.join(__dirname, 'suite-report.txt');
  fs.writeFileSync(report, '');
  // Reporters print through Base.consoleLog; copy every line into the report file.
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const consoleLog = base.consoleLog;
  base.consoleLog = (...args: unknown[]) => {
    fs.appendFileSync(report, `${format(...args)}\n`);
    consoleLog(...args);
  };

  const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, color: false, reporter: 'spec' });
  const only = process.env.EDGEWISE_E2E_GREP;
  if (only) mocha.grep(only);
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    const done = (e: unknown) => {
      fs.appendFileSync(report, `the suite could not run: ${e instanceof Error ? e.stack : String(e)}\n`);
      reject(e);
    };
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
        else resolve();
      });
    } catch (e) {
      done(e);
    }
  });
}
