import { bufferByteLength, isConstant, operatorName, type TfliteModel, type TfliteTensor } from './model';
import { elementCount } from './view';

/** TFLite Micro aligns every planned buffer to 16 bytes. */
const ALIGN = 16;

/**
 * TFLite Micro's own bookkeeping in the arena, estimated for a 32-bit MCU: a TfliteEvalTensor
 * (data pointer, dims pointer, type: 12 bytes, plus alignment) per tensor, a node and registration
 * per operator, and per-channel quantized kernels' multipliers and shifts (2 x int32 per channel).
 */
const PER_TENSOR = 16;
const PER_OP = 64;
const PER_QUANT_CHANNEL = 8;

const BYTES: Record<string, number> = {
  float32: 4, float16: 2, int32: 4, uint8: 1, int64: 8, bool: 1, int16: 2, int8: 1, float64: 8, uint32: 4, uint16: 2, uint64: 8,
  complex64: 8, complex128: 16,
};

export interface PlannedBuffer {
  tensor: number;
  name: string;
  bytes: number;
  /** First and last operator index the tensor is alive for. */
  first: number;
  last: number;
  offset: number;
}

export interface ArenaPlan {
  /** The model file (what goes into flash). */
  flashBytes: number;
  /** Size of the planned region: activations placed greedily, largest first, at the lowest free offset. */
  plannedBytes: number;
  /** Estimated persistent allocations of TFLite Micro itself (tensor and node structs, per-channel data). */
  persistentBytes: number;
  /** Variable tensors (RNN/LSTM state): allocated for the model's lifetime. */
  variableBytes: number;
  /** plannedBytes + persistentBytes + variableBytes: the tensor arena to give the interpreter. */
  arenaBytes: number;
  /** The operator where the most activation bytes are alive at once, and those tensors. */
  peak: { op: number; opName: string; liveBytes: number; tensors: { name: string; bytes: number }[] };
  buffers: PlannedBuffer[];
  /** What the estimate leaves out. */
  notes: string[];
}

/**
 * Plans the TFLite Micro tensor arena of subgraph 0 the way TFLite Micro's greedy memory planner
 * does: every non-constant tensor lives from the operator that writes it (graph inputs: from the
 * start) to the last operator that reads it (graph outputs: to the end); buffers are taken from
 * largest to smallest and each goes to the lowest offset where it overlaps no buffer that is alive
 * at the same time.
 */
export function planArena(model: TfliteModel): ArenaPlan {
  const sg = model.subgraphs[0];
  const nOps = sg.operators.length;
  const life = new Map<number, { first: number; last: number }>();
  const touch = (t: number, at: number) => {
    if (t < 0) return;
    const tensor = sg.tensors[t];
    if (isConstant(model, tensor) || tensor.isVariable) return;
    const l = life.get(t);
    if (!l) life.set(t, { first: at, last: at });
    else { l.first = Math.min(l.first, at); l.last = Math.max(l.last, at); }
  };
  for (const t of sg.inputs) touch(t, 0);
  sg.operators.forEach((op, i) => { for (const t of [...op.inputs, ...op.outputs, ...op.intermediates]) touch(t, i); });
  for (const t of sg.outputs) touch(t, Math.max(0, nOps - 1));

  const buffers: PlannedBuffer[] = [...life].map(([t, l]) => ({ tensor: t, name: sg.tensors[t].name || `tensor_${t}`, bytes: alignUp(tensorBytes(sg.tensors[t])), ...l, offset: 0 }));
  // Largest first; ties keep tensor order (a stable sort), as the planner's own does.
  const order = [...buffers].sort((a, b) => b.bytes - a.bytes || a.tensor - b.tensor);
  const placed: PlannedBuffer[] = [];
  let plannedBytes = 0;
  for (const b of order) {
    const overlapping = placed.filter((p) => p.first <= b.last && b.first <= p.last).sort((x, y) => x.offset - y.offset);
    let offset = 0;
    for (const p of overlapping) {
      if (offset + b.bytes <= p.offset) break;
      offset = Math.max(offset, p.offset + p.bytes);
    }
    b.offset = offset;
    placed.push(b);
    plannedBytes = Math.max(plannedBytes, offset + b.bytes);
  }

  const peak = { op: 0, opName: '', liveBytes: -1, tensors: [] as { name: string; bytes: number }[] };
  for (let i = 0; i < Math.max(nOps, 1); i++) {
    const live = buffers.filter((b) => b.first <= i && i <= b.last);
    const bytes = live.reduce((a, b) => a + b.bytes, 0);
    if (bytes > peak.liveBytes) {
      Object.assign(peak, {
        op: i, opName: nOps ? operatorName(model, sg.operators[i]) : '', liveBytes: bytes,
        tensors: live.sort((a, b) => b.bytes - a.bytes).map((b) => ({ name: b.name, bytes: b.bytes })),
      });
    }
  }
  const variableBytes = sg.tensors.filter((t) => t.isVariable).reduce((a, t) => a + alignUp(tensorBytes(t)), 0);
  const persistentBytes = persistentEstimate(model);
  return {
    flashBytes: model.fileBytes, plannedBytes, persistentBytes, variableBytes,
    arenaBytes: plannedBytes + persistentBytes + variableBytes, peak: { ...peak, liveBytes: Math.max(0, peak.liveBytes) }, buffers,
    notes: [
      'kernel scratch buffers (e.g. CMSIS-NN convolution scratch) are not included: they depend on the kernels linked in',
      `TFLite Micro's own structures estimated at ${PER_TENSOR} B per tensor, ${PER_OP} B per operator and ${PER_QUANT_CHANNEL} B per quantized output channel`,
    ],
  };
}

function persistentEstimate(model: TfliteModel): number {
  const sg = model.subgraphs[0];
  let bytes = sg.tensors.length * PER_TENSOR + sg.operators.length * PER_OP;
  for (const op of sg.operators) {
    const out = op.outputs[0] >= 0 ? sg.tensors[op.outputs[0]] : undefined;
    const w = op.inputs[1] >= 0 ? sg.tensors[op.inputs[1]] : undefined;
    if (out?.quant && w?.quant && w.quant.scale.length > 1) bytes += w.quant.scale.length * PER_QUANT_CHANNEL;
  }
  return bytes;
}

function tensorBytes(t: TfliteTensor): number {
  const per = BYTES[t.dtype];
  if (per === undefined) return t.dtype === 'int4' ? Math.ceil(elementCount(t.shape) / 2) : 0;
  return elementCount(t.shape) * per;
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Flash is the model's bytes; constant data (what the model stores) for the report. */
export function constantBytes(model: TfliteModel): number {
  const sg = model.subgraphs[0];
  return sg.tensors.filter((t) => isConstant(model, t)).reduce((a, t) => a + bufferByteLength(model, t.buffer), 0);
}
