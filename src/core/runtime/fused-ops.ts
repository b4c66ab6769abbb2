import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Model } from '../formats/onnx/model';
import { decodeModelProto } from '../formats/onnx/codec';
import type { InferenceSession } from 'onnxruntime-node';
import { openSession, type SessionSettings } from './ort-session';
import { valueRecord } from '../graph/types';

/** Op types (ORT's, after its graph optimizations) that run integer or low-bit kernels. */
const QUANTIZED_OP = /^(QLinear|QGemm|DynamicQuantizeMatMul|MatMulIntegerToFloat|MatMulNBits|NhwcQLinear|QAttention|ConvInteger|MatMulInteger)/;

export interface FusedOps {
  /** Count per op type of the optimized graph's quantized kernels (QLinearConv, QGemm, ...). */
  quantized: Record<string, number>;
  /** Every op type in the optimized graph with its count. */
  all: Record<string, number>;
  /** Remaining QuantizeLinear/DequantizeLinear nodes (unfused Q/DQ around float ops). */
  qdqLeft: number;
  /** The float ops those Q/DQ nodes sit around, by op type: what a DequantizeLinear feeds and what feeds a QuantizeLinear. */
  unfusedOps: Record<string, number>;
}

/**
 * What ORT actually runs: creates a session that writes its optimized graph to a temp folder,
 * then counts op types in it. The temp folder is removed.
 */
export async function fusedOps(model: string | Model, threads = 1): Promise<FusedOps> {
  const { session, fused } = await openCountingFused(model, { threads });
  await session.release();
  return fused;
}

/**
 * A session for `model` that also says what ORT fused (its optimized graph, written to a temp
 * folder while the session is made, counted, then removed): one session for the count and for
 * the runs after it. The caller releases the session.
 */
export async function openCountingFused(model: string | Model, s: SessionSettings = {}): Promise<{ session: InferenceSession; fused: FusedOps }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgewise-fused-'));
  try {
    const file = path.join(dir, 'optimized.onnx');
    const session = await openSession(model, { ...s, optimizedModelFilePath: file });
    try {
      return { session, fused: countOps(fs.readFileSync(file), file) };
    } catch (e) {
      await session.release();
      throw e;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Op types of an optimized graph, and the float ops the Q/DQ left unfused sit around. */
function countOps(bytes: Uint8Array, file: string): FusedOps {
  const proto = decodeModelProto(bytes, file);
  const all = valueRecord<number>();
  const quantized = valueRecord<number>();
  let qdqLeft = 0;
  const nodes = proto.graph?.node ?? [];
  const producer = new Map(nodes.flatMap((n) => n.output.map((o) => [o, n] as const)));
  const unfused = new Set<(typeof nodes)[number]>();
  const isQdq = (op: string) => op === 'QuantizeLinear' || op === 'DequantizeLinear';
  for (const n of nodes) {
    all[n.opType] = (all[n.opType] ?? 0) + 1;
    if (QUANTIZED_OP.test(n.opType)) quantized[n.opType] = (quantized[n.opType] ?? 0) + 1;
    if (isQdq(n.opType)) qdqLeft++;
    if (n.opType === 'QuantizeLinear') {
      const p = producer.get(n.input[0]);
      if (p && !isQdq(p.opType)) unfused.add(p);
    }
    if (!isQdq(n.opType) && !QUANTIZED_OP.test(n.opType) && n.input.some((i) => producer.get(i)?.opType === 'DequantizeLinear' && !isWeight(producer.get(i)!, producer))) unfused.add(n);
  }
  const unfusedOps = valueRecord<number>();
  for (const n of unfused) unfusedOps[n.opType] = (unfusedOps[n.opType] ?? 0) + 1;
  return { quantized, all, qdqLeft, unfusedOps };
}

/** A DequantizeLinear of a stored weight (no producer for its input): a weight kept in INT8, not an activation left unfused. */
function isWeight(dq: { input: string[] }, producer: ReadonlyMap<string, unknown>): boolean {
  return !producer.has(dq.input[0]);
}

export function countOf(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}
