/**
 * What `edgewise device setup` installs, gathered on this machine (the device needs no internet):
 * Node for the device's architecture (the npm package node-linux-ARCH, fetched with `npm pack`
 * through the local npm cache or registry), onnxruntime-node's files for that architecture (the
 * package ships linux x64 and arm64 binaries), and the benchmark harness (dist/bench-child.js and
 * TFLite's wasm files). Kept in the cache folder (base/cache-dir.ts), outside any workspace.
 */
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from '../../base/cache-dir';
import { DeviceError } from './errors';

const exec = promisify(execFile);

export type DeviceArch = 'arm64' | 'x64';

export interface Bundle {
  /** The tarball on this machine. */
  file: string;
  /** What it installs, for messages: 'Node 20.20.2 (linux-arm64)'. */
  what: string;
  /** The version or content hash naming its folder on the device. */
  id: string;
}

function downloads(): string {
  const dir = path.join(cacheDir(), 'bundles');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** `uname -m` to the architecture names of Node and onnxruntime-node. */
export function deviceArch(machine: string): DeviceArch {
  if (machine === 'aarch64' || machine === 'arm64') return 'arm64';
  if (machine === 'x86_64' || machine === 'amd64') return 'x64';
  throw new DeviceError('config', `the device's CPU is ${machine}: onnxruntime-node ships Linux binaries for arm64 and x64 only ` +
    '(a 32-bit Raspberry Pi OS reports armv7l: install the 64-bit OS)');
}

/**
 * Node for `arch` as the npm package's tarball: the version running Edgewise if published for
 * that architecture, else the newest of the same major version.
 */
export async function nodeBundle(arch: DeviceArch): Promise<Bundle> {
  const pkg = `node-linux-${arch}`;
  const dir = downloads();
  const exact = path.join(dir, `${pkg}-${process.versions.node}.tgz`);
  if (fs.existsSync(exact)) return { file: exact, what: `Node ${process.versions.node} (linux-${arch})`, id: `${process.versions.node}-linux-${arch}` };
  const major = process.versions.node.split('.')[0];
  let out = '';
  for (const spec of [`${pkg}@${process.versions.node}`, `${pkg}@^${major}`]) {
    try {
      out = (await exec(npm(), ['pack', spec, '--pack-destination', dir, '--prefer-offline', '--silent'], { maxBuffer: 1 << 24 })).stdout;
      break;
    } catch (e) {
      out = '';
      if (spec.includes('^')) {
        throw new DeviceError('config', `cannot fetch ${pkg} with npm (${firstLine(e)}): put ${pkg}-VERSION.tgz (npm pack ${pkg}@${major}) into ${dir}`);
      }
    }
  }
  const name = out.trim().split('\n').pop()!.trim();
  const version = /-(\d+\.\d+\.\d+)\.tgz$/.exec(name)?.[1] ?? process.versions.node;
  return { file: path.join(dir, name), what: `Node ${version} (linux-${arch})`, id: `${version}-linux-${arch}` };
}

function npm(): string {
  return process.platform === 'win32' ? 'npm.cmd' : 'npm';
}

function firstLine(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr || err.message || String(e)).split('\n').map((l) => l.trim()).find(Boolean) ?? 'unknown error';
}

/** The folder holding onnxruntime-node and onnxruntime-common as this process resolves them. */
function ortModules(): { root: string; node: string; common: string; version: string } {
  const nodePkg = require.resolve('onnxruntime-node/package.json');
  const nodeDir = path.dirname(nodePkg);
  // onnxruntime-common's exports hide its package.json: walk up from its entry point.
  let commonDir = path.dirname(require.resolve('onnxruntime-common', { paths: [nodeDir] }));
  while (path.basename(commonDir) !== 'onnxruntime-common' && path.dirname(commonDir) !== commonDir) commonDir = path.dirname(commonDir);
  const root = path.dirname(nodeDir);
  return { root, node: nodeDir, common: commonDir, version: JSON.parse(fs.readFileSync(nodePkg, 'utf8')).version as string };
}

export function ortVersion(): string {
  return ortModules().version;
}

/** onnxruntime-node's JavaScript and its linux binary for `arch`, with onnxruntime-common, as one tarball. */
export async function ortBundle(arch: DeviceArch): Promise<Bundle> {
  const m = ortModules();
  const id = `${m.version}-linux-${arch}`;
  const file = path.join(downloads(), `onnxruntime-${id}.tgz`);
  if (!fs.existsSync(file)) {
    const bin = path.join(m.node, 'bin', 'napi-v6', 'linux', arch);
    if (!fs.existsSync(bin)) {
      throw new DeviceError('config', `onnxruntime-node ${m.version} here has no linux-${arch} binary (${bin}); reinstall it from npm (the package ships linux x64 and arm64)`);
    }
    // The device resolves require('onnxruntime-node') through NODE_PATH=<folder>/node_modules.
    const stage = fs.mkdtempSync(path.join(downloads(), 'stage-'));
    try {
      const nm = path.join(stage, 'node_modules');
      for (const [from, to] of [
        [path.join(m.node, 'package.json'), 'onnxruntime-node/package.json'], [path.join(m.node, 'dist'), 'onnxruntime-node/dist'],
        [bin, `onnxruntime-node/bin/napi-v6/linux/${arch}`], [path.join(m.common, 'package.json'), 'onnxruntime-common/package.json'],
        [path.join(m.common, 'dist'), 'onnxruntime-common/dist'],
      ]) fs.cpSync(from, path.join(nm, to), { recursive: true });
      await tarball(stage, ['node_modules'], file);
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  }
  return { file, what: `onnxruntime-node ${m.version} (linux-${arch})`, id };
}

/** The built harness: bench-child.js next to this bundle (dist/), or in the checkout's dist/ under tsx. */
export function harnessDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    for (const candidate of [dir, path.join(dir, 'dist')]) {
      if (fs.existsSync(path.join(candidate, 'bench-child.js'))) return candidate;
    }
    if (path.dirname(dir) === dir) throw new DeviceError('config', `cannot find the built benchmark harness (bench-child.js) near ${__dirname}: run npm run build`);
  }
}

const HARNESS_FILES = ['bench-child.js', 'tflite'];

/** The harness as a tarball named by its content hash (it changes with every build of Edgewise). */
export async function harnessBundle(): Promise<Bundle> {
  const dir = harnessDir();
  const hash = crypto.createHash('sha256');
  for (const name of HARNESS_FILES) {
    const p = path.join(dir, name);
    if (!fs.existsSync(p)) continue;
    if (fs.statSync(p).isDirectory()) {
      for (const f of fs.readdirSync(p).sort()) hash.update(`${f}:${fs.statSync(path.join(p, f)).size}\n`);
    } else {
      hash.update(fs.readFileSync(p));
    }
  }
  const id = hash.digest('hex').slice(0, 16);
  const file = path.join(downloads(), `harness-${id}.tgz`);
  if (!fs.existsSync(file)) await tarball(dir, HARNESS_FILES.filter((n) => fs.existsSync(path.join(dir, n))), file);
  return { file, what: 'the benchmark harness', id };
}

async function tarball(cwd: string, entries: string[], out: string): Promise<void> {
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await exec('tar', ['czf', tmp, '-C', cwd, ...entries]);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`cannot pack ${entries.join(', ')} from ${cwd} with tar: ${firstLine(e)}`);
  }
  fs.renameSync(tmp, out);
}
