import { isConstant, operatorName, type TfliteModel } from './model';
import {
  alignUp, CORTEX_M, persistentParts, planningBytes, scratchRequests, tensorBytes,
  type PersistentParts, type ScratchRequest, type TflmTarget,
} from './tflm-memory';

export interface PlannedBuffer {
  /** Tensor index, or -1 for a kernel's scratch buffer. */
  tensor: number;
  name: string;
  bytes: number;
  /** First and last allocation scope (0: before the first op, op i: i + 1) the buffer is alive in. */
  first: number;
  last: number;
  offset: number;
}

export interface ArenaPlan {
  /** The model file (what goes into flash). */
  flashBytes: number;
  /** What the plan is for: pointer size and kernels. */
  target: TflmTarget;
  /**
   * The non-persistent part (the allocator's head): activations and the kernels' scratch buffers,
   * placed as TFLite Micro's GreedyMemoryPlanner does.
   */
  plannedBytes: number;
  /** Of plannedBytes' buffers: the kernels' scratch requests (already planned in). */
  scratch: ScratchRequest[];
  /** Temporary memory while the plan is computed, in the same space as the planned buffers. */
  planningBytes: number;
  /** TFLite Micro's own persistent allocations (the tail), by part. */
  persistent: PersistentParts;
  /** Sum of `persistent`. */
  persistentBytes: number;
  /** Variable tensors (RNN/LSTM state): part of the persistent bytes. */
  variableBytes: number;
  /** The tensor arena to give the interpreter: persistentBytes + max(plannedBytes, planningBytes). */
  arenaBytes: number;
  /** The operator where the most planned bytes are alive at once, and those buffers. */
  peak: { op: number; opName: string; liveBytes: number; tensors: { name: string; bytes: number }[] };
  buffers: PlannedBuffer[];
  /** What the estimate leaves out. */
  notes: string[];
}

/**
 * Plans the TFLite Micro tensor arena of subgraph 0 as TFLite Micro does (micro_allocation_info.cc,
 * greedy_memory_planner.cc): graph inputs are created at scope 0, op i's outputs at
 * scope i + 1, every buffer lives to the last scope that reads it (graph outputs: to the end), a
 * kernel's scratch buffer lives in its op's scope; buffers (16-byte aligned sizes) are taken from
 * largest to smallest, ties in tensor-then-scratch order, and each goes to the lowest offset where
 * it overlaps no buffer alive at the same time. The arena is that plan (or the planner's own
 * working memory, if larger) plus TFLite Micro's persistent structures for `target`.
 */
export function planArena(model: TfliteModel, target: TflmTarget = CORTEX_M): ArenaPlan {
  const sg = model.subgraphs[0];
  const nOps = sg.operators.length;
  const life = new Map<number, { first: number; last: number }>();
  const planned = (t: number) => t >= 0 && !isConstant(model, sg.tensors[t]) && !sg.tensors[t].isVariable && tensorBytes(sg.tensors[t]) > 0;
  const created = (t: number, scope: number) => { if (planned(t) && !life.has(t)) life.set(t, { first: scope, last: scope }); };
  const used = (t: number, scope: number) => { const l = life.get(t); if (l) l.last = Math.max(l.last, scope); };
  for (const t of sg.inputs) created(t, 0);
  sg.operators.forEach((op, i) => {
    for (const t of op.outputs) created(t, i + 1);
    for (const t of [...op.inputs, ...op.outputs]) used(t, i + 1);
  });
  for (const t of sg.outputs) used(t, nOps);

  const scratch = scratchRequests(model, target.kernels);
  const buffers: PlannedBuffer[] = [
    ...[...life].sort((a, b) => a[0] - b[0]).map(([t, l]) => ({ tensor: t, name: sg.tensors[t].name || `tensor_${t}`, bytes: alignUp(tensorBytes(sg.tensors[t])), ...l, offset: 0 })),
    ...scratch.map((s) => ({ tensor: -1, name: `${s.why} (op ${s.op})`, bytes: alignUp(s.bytes), first: s.op + 1, last: s.op + 1, offset: 0 })),
  ];
  const plannedBytes = place(buffers);
  const peak = peakOf(model, buffers);
  const persistent = persistentParts(model, target, scratch.length);
  const persistentBytes = Object.values(persistent).reduce((a, b) => a + b, 0);
  const planning = planningBytes(model, target, buffers.length, scratch.length);
  return {
    flashBytes: model.fileBytes, target, plannedBytes, scratch, planningBytes: planning, persistent, persistentBytes,
    variableBytes: persistent.variables, arenaBytes: persistentBytes + Math.max(plannedBytes, planning), peak, buffers,
    notes: [
      `${target.pointerBytes * 8}-bit pointers, ${target.kernels === 'cmsis-nn' ? 'CMSIS-NN kernels (DSP build) with their scratch buffers' : 'reference kernels (optimized kernels such as CMSIS-NN add im2col scratch buffers)'}`,
      'kernels\' persistent data is estimated (an average OpData size plus per-channel multipliers and shifts); the rest follows TFLite Micro\'s structs',
      'resource variables, offline-planned buffers and subgraphs other than the first are not modelled',
    ],
  };
}

/** GreedyMemoryPlanner's placement: sets each buffer's offset, returns the high-water mark. */
function place(buffers: PlannedBuffer[]): number {
  // Largest first; its sort only swaps strictly smaller sizes, so ties keep the buffers' order.
  const order = buffers.map((b, i) => [b, i] as const).sort((x, y) => y[0].bytes - x[0].bytes || x[1] - y[1]).map(([b]) => b);
  const placed: PlannedBuffer[] = [];
  let high = 0;
  for (const b of order) {
    const overlapping = placed.filter((p) => p.first <= b.last && b.first <= p.last).sort((x, y) => x.offset - y.offset);
    let offset = 0;
    for (const p of overlapping) {
      if (offset + b.bytes <= p.offset) break;
      offset = Math.max(offset, p.offset + p.bytes);
    }
    b.offset = offset;
    placed.push(b);
    high = Math.max(high, offset + b.bytes);
  }
  return high;
}

function peakOf(model: TfliteModel, buffers: PlannedBuffer[]): ArenaPlan['peak'] {
  const sg = model.subgraphs[0];
  const nOps = sg.operators.length;
  const peak = { op: 0, opName: '', liveBytes: 0, tensors: [] as { name: string; bytes: number }[] };
  for (let i = 0; i < Math.max(nOps, 1); i++) {
    const live = buffers.filter((b) => b.first <= i + 1 && i + 1 <= b.last);
    const bytes = live.reduce((a, b) => a + b.bytes, 0);
    if (bytes > peak.liveBytes || i === 0) {
      Object.assign(peak, {
        op: i, opName: nOps ? operatorName(model, sg.operators[i]) : '', liveBytes: bytes,
        tensors: live.sort((a, b) => b.bytes - a.bytes).map((b) => ({ name: b.name, bytes: b.bytes })),
      });
    }
  }
  return peak;
}
