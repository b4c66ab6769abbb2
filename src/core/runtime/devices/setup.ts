/**
 * `edgewise device setup`: installs Node and onnxruntime-node for the device's architecture and
 * the harness, from this machine (nothing is downloaded on the device), then asks the harness
 * what it runs on. Each part is skipped when already there; uploads resume after a drop.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { throwIfCancelled } from '../../base/cancel';
import { counter, type Progress } from '../../base/progress';
import { throttled } from '../throttle';
import type { DeviceFacts } from '../types';
import { deviceArch, harnessBundle, nodeBundle, ortBundle, type Bundle, type DeviceArch } from './bundles';
import type { Device } from './device';
import { DeviceError } from './errors';
import { ensureHarness, INSTALLED, readInstalled, type Installed } from './harness';
import { runHarness } from './harness-run';
import { ARM64_CPUINFO, ARM64_SYSROOT, arm64Cpuinfo, QEMU_AARCH64 } from './qemu';
import { q } from './shell';
import { localFile, upload } from './upload';

export interface SetupOptions {
  signal?: AbortSignal;
  onProgress?: Progress;
}

export interface SetupReport {
  device: string;
  arch: DeviceArch;
  emulated: boolean;
  /** What was installed now and what was there already. */
  steps: { what: string; done: 'installed' | 'present' }[];
  facts: DeviceFacts;
}

interface Probe { os: string; machine: string; cores: number; missing: string[] }

async function probe(device: Device): Promise<Probe> {
  const tools = ['tar', 'sha256sum', 'df', ...(device.emulated ? [QEMU_AARCH64, 'unshare'] : [])];
  const out = await device.runChecked(
    `uname -s; uname -m; (nproc 2>/dev/null || echo 1); for t in ${tools.join(' ')}; do command -v $t >/dev/null 2>&1 || echo "missing $t"; done; ` +
    (device.emulated ? `test -d ${ARM64_SYSROOT} || echo "missing ${ARM64_SYSROOT}"` : 'true'),
    'looking at the device');
  const [os, machine, cores, ...rest] = out.trim().split('\n');
  return { os, machine, cores: Number(cores) || 1, missing: rest.filter((l) => l.startsWith('missing ')).map((l) => l.slice(8)) };
}

export async function setupDevice(device: Device, options: SetupOptions = {}): Promise<SetupReport> {
  const say = options.onProgress ?? (() => undefined);
  say(`${device.label}: connecting`);
  const p = await probe(device);
  if (p.os !== 'Linux') throw new DeviceError('config', `${device.label} runs ${p.os}; Edgewise measures on Linux devices only`);
  if (p.missing.length) {
    const hint = device.emulated ? ' (Debian: apt-get install qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross)' : '';
    throw new DeviceError('config', `${device.label} lacks ${p.missing.join(', ')}${hint}`);
  }
  const arch = device.emulated ? 'arm64' : deviceArch(p.machine);
  say(`${device.label}: ${p.machine}${device.emulated ? ' (emulating arm64 with qemu-user)' : ''}, ${p.cores} CPU(s); gathering Node and onnxruntime for linux-${arch}`);
  const node = await nodeBundle(arch);
  const ort = await ortBundle(arch);
  const harness = await harnessBundle();

  const steps: SetupReport['steps'] = [];
  const nodePath = `node/${node.id}/bin/node`;
  const ortModules = `ort/${ort.id}/node_modules`;
  const missing = [
    (await device.run(`test -x ${q(nodePath)}`)).code !== 0 ? node : undefined,
    (await device.run(`test -d ${q(`${ortModules}/onnxruntime-node`)}`)).code !== 0 ? ort : undefined,
  ].filter((b): b is Bundle => !!b);
  // Unpacked Node is about 2.5x its tarball, onnxruntime about 2.5x too; tarballs are removed after.
  const needed = missing.reduce((n, b) => n + fs.statSync(b.file).size * 3.5, fs.statSync(harness.file).size * 4);
  const free = await device.freeBytes();
  if (free < needed) throw await device.diskFull('before installing', needed);

  for (const b of [node, ort]) {
    throwIfCancelled(options.signal);
    if (!missing.includes(b)) {
      steps.push({ what: b.what, done: 'present' });
      continue;
    }
    await install(device, b, b === node ? nodePath : ortModules, b === node, options);
    steps.push({ what: b.what, done: 'installed' });
  }
  if (device.emulated) {
    await device.runChecked(`cat > ${ARM64_CPUINFO}.tmp && mv ${ARM64_CPUINFO}.tmp ${ARM64_CPUINFO}`, 'writing the ARM cpuinfo', arm64Cpuinfo(p.cores));
  }
  say(`${device.label}: checking the harness`);
  const harnessState = await ensureHarness(device, { signal: options.signal });
  const script = harnessState.script;
  const installed: Installed = {
    arch, emulated: device.emulated, node: nodePath, nodeVersion: node.id.split('-')[0], ortModules, ortVersion: ort.id.split('-')[0],
  };
  say(`${device.label}: starting the harness${device.emulated ? ' under qemu-user (takes a few seconds)' : ''}`);
  const facts = await probeFacts(device, installed, script, options.signal);
  await device.runChecked(`cat > ${INSTALLED}.tmp && mv ${INSTALLED}.tmp ${INSTALLED}`, 'recording the installation', JSON.stringify(installed, null, 2));
  steps.push({ what: harness.what, done: harnessState.uploaded ? 'installed' : 'present' });
  return { device: device.label, arch, emulated: device.emulated, steps, facts };
}

/** Uploads a bundle (resumably) and unpacks it into `target` (a file for Node, a folder for onnxruntime). */
async function install(device: Device, bundle: Bundle, target: string, isNode: boolean, options: SetupOptions): Promise<void> {
  const say = options.onProgress ?? (() => undefined);
  const remote = `incoming/${path.basename(bundle.file)}`;
  await upload(device, await localFile(bundle.file), remote, {
    signal: options.signal,
    onProgress: throttled(counter(say, `${device.label}: uploading ${bundle.what}`, 'bytes'), 250),
  });
  say(`${device.label}: unpacking ${bundle.what}`);
  const dir = isNode ? target.slice(0, -'/bin/node'.length) : target.slice(0, -'/node_modules'.length);
  const tmp = q(`${dir}.tmp`);
  const unpack = isNode
    ? `tar xzf ${q(remote)} -C ${tmp} package/bin/node && mkdir -p ${tmp}/bin && mv ${tmp}/package/bin/node ${tmp}/bin/node && rm -rf ${tmp}/package`
    : `tar xzf ${q(remote)} -C ${tmp}`;
  await device.runChecked(`rm -rf ${tmp} && mkdir -p ${tmp} && ${unpack} && rm -rf ${q(dir)} && mv ${tmp} ${q(dir)} && rm -f ${q(remote)}`, `unpacking ${bundle.what}`);
}

/** What the harness reports about the device: CPU, cores, memory, OS, Node and onnxruntime versions. */
export async function probeFacts(device: Device, installed: Installed, script: string, signal?: AbortSignal): Promise<DeviceFacts> {
  let facts: DeviceFacts | undefined;
  let failure: string | undefined;
  await runHarness(device, installed, script, { type: 'probe' }, {
    signal, phase: () => 'its start',
    onMessage: (m) => {
      if (m.type === 'facts') facts = m.facts;
      if (m.type === 'error') failure = m.message;
    },
  });
  if (!facts) throw new Error(`${device.label}: the harness ${failure ? `failed: ${failure}` : 'started but reported nothing'}`);
  return facts;
}

/** What a set-up device is: checks the installation, brings the harness up to date, asks it. */
export async function deviceFacts(device: Device, signal?: AbortSignal): Promise<DeviceFacts> {
  const installed = await readInstalled(device);
  const { script } = await ensureHarness(device, { signal });
  return probeFacts(device, installed, script, signal);
}
