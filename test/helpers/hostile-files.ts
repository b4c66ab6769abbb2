/**
 * Crafted hostile inputs that tests and bench/hostile.ts make themselves: wire-level ONNX (so a
 * model nested thousands deep needs no recursion to build), special files, recipe bombs.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) { out.push((n & 127) | 128); n = Math.floor(n / 128); }
  out.push(n);
  return Buffer.from(out);
}
const field = (no: number, payload: Uint8Array) => Buffer.concat([varint(no * 8 + 2), varint(payload.length), payload]);
const str = (no: number, s: string) => field(no, Buffer.from(s));
const int = (no: number, v: number) => Buffer.concat([varint(no * 8), varint(v)]);

/** An ONNX model whose graph is `depth` If nodes, each holding the next in its then_branch. */
export function deepIfModel(depth: number): Buffer {
  let g = Buffer.concat([field(1, Buffer.concat([str(1, 'x'), str(2, 'y'), str(4, 'Identity')])), str(2, 'leaf')]);
  for (let i = 0; i < depth; i++) {
    const attr = Buffer.concat([str(1, 'then_branch'), field(6, g), int(20, 5)]);
    const node = Buffer.concat([str(1, 'c'), str(2, 'y'), str(4, 'If'), field(5, attr)]);
    g = Buffer.concat([field(1, node), str(2, `g${i}`)]);
  }
  return Buffer.concat([int(1, 8), field(7, g), field(8, int(2, 17))]);
}

/** Makes a named pipe (nothing ever writes to it: a reader that opens it blocking would hang). */
export function makeFifo(file: string): string {
  execFileSync('mkfifo', [file]);
  return file;
}

/** The YAML alias bomb: nine levels, each alias used nine times. */
export function yamlAliasBomb(model = 'm.onnx'): string {
  const lines = [`model: ${model}`, 'passes: []', 'x0: &x0 [a, b]'];
  for (let i = 1; i < 10; i++) lines.push(`x${i}: &x${i} [${Array(9).fill(`*x${i - 1}`).join(', ')}]`);
  return lines.join('\n') + '\n';
}

/** Writes `bytes` to `file` and returns the path. */
export function writeFile(file: string, bytes: Uint8Array | string): string {
  fs.writeFileSync(file, bytes);
  return file;
}

/** A float32 .npy file whose header claims `shape` (text, as NumPy writes it) followed by `bodyBytes` zero bytes. */
export function npyClaiming(shape: string, bodyBytes: number): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.alloc(bodyBytes)]);
}

/**
 * Starts `node CLI ARGS` and kills it with SIGKILL as soon as a temporary of `outName` appears
 * in `outDir` (the write has begun). Resolves with whether it was caught mid-write, and how.
 */
export async function killDuringWrite(cli: string, args: string[], outDir: string, outName: string, timeoutMs = 60_000): Promise<{ midWrite: boolean; exit: string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [cli, ...args], { stdio: 'ignore' });
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
  const isTemp = (n: string | null) => !!n && n.startsWith(`.${outName}.`) && n.endsWith('.tmp');
  let midWrite = false;
  const watcher = fs.watch(outDir, (_event, name) => {
    if (!midWrite && isTemp(name)) {
      midWrite = true;
      child.kill('SIGKILL');
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const exit = await exited;
    return { midWrite: midWrite && exit === 'SIGKILL', exit };
  } finally {
    clearTimeout(timer);
    watcher.close();
  }
}

/** An ONNX model (Identity) with one float32 initializer of `mib` MiB of zeros: slow enough to write that a kill lands mid-write. */
export function bigOnnx(file: string, mib: number): string {
  const n = (mib << 20) / 4;
  const dims = Buffer.concat([int(1, 1), int(1, n)]); // dims [1, n]: repeated int64, field 1
  const tensor = Buffer.concat([dims, int(2, 1), str(8, 'w'), field(9, Buffer.alloc(n * 4))]);
  const vi = (name: string) => field(1, Buffer.from(name)); // ValueInfoProto.name only
  const node = Buffer.concat([str(1, 'x'), str(2, 'y'), str(4, 'Identity')]);
  const graph = Buffer.concat([field(1, node), str(2, 'g'), field(5, tensor), field(11, vi('x')), field(12, vi('y'))]);
  fs.writeFileSync(file, Buffer.concat([int(1, 8), field(7, graph), field(8, int(2, 17))]));
  return file;
}
