/**
 * Decode time of a model with very many nodes (issue 22's 200,000-node chain, test/helpers/big-chain.ts):
 * decodeModelProto (the fast reader, fast-decode.ts) beside protobuf-es's generic reader alone
 * (decodeModelGeneric, what decodeModelProto was before), alternating in one process, each run
 * after a full GC. Prints wall and CPU milliseconds (median of the runs) and checks that both
 * give the same model.
 *
 *   node --expose-gc --import tsx bench/decode-nodes.ts [--nodes 200000] [--runs 7]
 */
import * as os from 'node:os';
import { decodeModelGeneric, decodeModelProto, encodeModelProto } from '../src/core/formats/onnx/codec';
import { bigChain } from '../test/helpers/big-chain';
import { treeDifference } from '../test/core/formats/onnx/same-tree';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc');
  process.exit(2);
}
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const nodes = Number(arg('nodes') ?? 200_000);
const runs = Number(arg('runs') ?? 7);
const bytes = encodeModelProto(bigChain(nodes).proto);
console.log(`bench:decode-nodes  ${new Date().toISOString()}  node ${process.version}  load ${load()}`);
console.log(`model: ${nodes.toLocaleString('en')}-node chain, ${(bytes.length / 2 ** 20).toFixed(1)} MiB, ${runs} runs each, alternating`);

const diff = treeDifference(decodeModelProto(bytes), decodeModelGeneric(bytes));
if (diff) throw new Error(`the readers differ: ${diff}`);

const readers = { 'protobuf-es (before)': () => decodeModelGeneric(bytes), 'fast reader': () => decodeModelProto(bytes) };
const wall: Record<string, number[]> = {};
const cpu: Record<string, number[]> = {};
for (let i = 0; i < runs; i++) {
  for (const [name, decode] of Object.entries(readers)) {
    gc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    decode();
    const t1 = performance.now();
    const c = process.cpuUsage(c0);
    (wall[name] ??= []).push(t1 - t0);
    (cpu[name] ??= []).push((c.user + c.system) / 1000);
  }
}
for (const name of Object.keys(readers)) {
  console.log(`${name.padEnd(22)} wall ${median(wall[name]).toFixed(0).padStart(5)} ms   cpu ${median(cpu[name]).toFixed(0).padStart(5)} ms   (wall runs: ${wall[name].map((x) => x.toFixed(0)).join(' ')})`);
}
const [a, b] = Object.keys(readers);
console.log(`fast / before: wall ${(median(wall[b]) / median(wall[a])).toFixed(2)}, cpu ${(median(cpu[b]) / median(cpu[a])).toFixed(2)}   load ${load()}`);
