/**
 * What Edgewise keeps in a device's folder, and how it starts the harness there:
 *
 *   installed.json                      what `edgewise device setup` installed
 *   node/VERSION-linux-ARCH/bin/node    Node for the device (from the npm package node-linux-ARCH)
 *   ort/VERSION-linux-ARCH/node_modules onnxruntime-node with only the device's binary
 *   harness/ID/bench-child.js           the same benchmark child that runs locally, with TFLite's wasm
 *   models/KEY/NAME                     models and input files, by content hash
 *   cpuinfo-arm64                       the ARM cpuinfo of an emulated device
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheDir } from '../../base/cache-dir';
import { harnessBundle, ortVersion, type DeviceArch } from './bundles';
import type { Device } from './device';
import { DeviceError } from './errors';
import { emulatedCommand } from './qemu';
import { q } from './shell';
import { upload, localFile, type UploadOptions } from './upload';

export interface Installed {
  arch: DeviceArch;
  emulated: boolean;
  /** Paths relative to the device folder. */
  node: string;
  nodeVersion: string;
  ortModules: string;
  ortVersion: string;
}

export const INSTALLED = 'installed.json';

/** What setup installed on the device, or a setup-needed error that says what to run. */
export async function readInstalled(device: Device): Promise<Installed> {
  const r = await device.run(`cat ${INSTALLED} 2>/dev/null`);
  if (r.lost) throw new DeviceError('lost', `${device.label}: the connection was lost`);
  const setup = `run: edgewise device setup ${device.name}`;
  if (r.code !== 0 || !r.stdout.trim()) {
    throw new DeviceError('setup-needed', `${device.label}: Node and onnxruntime are not installed there by Edgewise (no ${device.description.dir}/${INSTALLED}); ${setup}`);
  }
  let installed: Installed;
  try {
    installed = JSON.parse(r.stdout) as Installed;
  } catch {
    throw new DeviceError('setup-needed', `${device.label}: ${device.description.dir}/${INSTALLED} is damaged; ${setup}`);
  }
  if (installed.ortVersion !== ortVersion()) {
    throw new DeviceError('setup-needed', `${device.label} has onnxruntime-node ${installed.ortVersion}, this Edgewise uses ${ortVersion()}; ${setup}`);
  }
  if (installed.emulated !== device.emulated) {
    throw new DeviceError('setup-needed', `${device.label} was set up ${installed.emulated ? 'for emulation' : 'to run natively'}; ${setup}`);
  }
  const node = await device.run(`test -x ${q(installed.node)}`);
  if (node.code !== 0) throw new DeviceError('setup-needed', `${device.label}: Node is missing (${device.description.dir}/${installed.node}); ${setup}`);
  rememberInstalled(device, installed);
  return installed;
}

/**
 * What this machine last found installed on each device (in the cache folder), so a benchmark
 * on a set-up device starts the harness in its first command instead of asking first.
 */
function rememberedFile(): string {
  return path.join(cacheDir(), 'devices.json');
}

function deviceKey(device: Device): string {
  return `${device.description.address} ${device.description.dir}`;
}

function readRemembered(): Record<string, Installed> {
  try {
    return JSON.parse(fs.readFileSync(rememberedFile(), 'utf8')) as Record<string, Installed>;
  } catch {
    return {};
  }
}

export function rememberInstalled(device: Device, installed: Installed | undefined): void {
  const all = readRemembered();
  if (installed) all[deviceKey(device)] = installed;
  else delete all[deviceKey(device)];
  fs.mkdirSync(cacheDir(), { recursive: true });
  const tmp = `${rememberedFile()}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(all, null, 2));
  fs.renameSync(tmp, rememberedFile());
}

export function rememberedInstalled(device: Device): Installed | undefined {
  const installed = readRemembered()[deviceKey(device)];
  return installed && installed.ortVersion === ortVersion() && installed.emulated === device.emulated ? installed : undefined;
}

/** The harness of this Edgewise build on the device, uploaded when missing; its script's path there. */
export async function ensureHarness(device: Device, options: UploadOptions = {}): Promise<{ script: string; uploaded: boolean }> {
  const bundle = await harnessBundle();
  const dir = `harness/${bundle.id}`;
  const script = `${dir}/bench-child.js`;
  if ((await device.run(`test -f ${q(script)}`)).code === 0) return { script, uploaded: false };
  const remote = `incoming/${path.basename(bundle.file)}`;
  await upload(device, await localFile(bundle.file), remote, options);
  await device.runChecked(`mkdir -p ${q(`${dir}.tmp`)} && tar xzf ${q(remote)} -C ${q(`${dir}.tmp`)} && rm -rf ${q(dir)} && mv ${q(`${dir}.tmp`)} ${q(dir)} && rm -f ${q(remote)}`,
    'unpacking the harness');
  return { script, uploaded: true };
}

/** Printed instead of starting the harness when a file it needs is not on the device. */
export const MISSING_MARKER = '\u001eedgewise-missing';

/**
 * The shell command that starts the harness in stdio mode: natively it relays to a forked child
 * (stdio-relay.ts); on an emulated device it runs in place under qemu-user. With `requires`, it
 * first checks that those files are there (else prints MISSING_MARKER).
 */
export function harnessCommand(installed: Installed, script: string, requires?: string[]): string {
  const env = `NODE_PATH=${q(installed.ortModules)}`;
  const args = installed.emulated ? [script, '--stdio', '--in-process'] : [script, '--stdio'];
  const start = installed.emulated ? `export ${env}; ${emulatedCommand(installed.node, args)}` : `${env} exec ${[installed.node, ...args].map(q).join(' ')}`;
  if (!requires) return start;
  const checks = [`test -x ${q(installed.node)}`, `test -d ${q(installed.ortModules)}`, ...[script, ...requires].map((f) => `test -f ${q(f)}`)];
  return `if ${checks.join(' && ')}; then ${start}; else printf '%s\\n' ${q(MISSING_MARKER)}; fi`;
}
