/**
 * Fetching many intermediate tensors from each run. Every extra graph output costs a fixed N-API
 * round trip per run (about 15 µs); on a 100-layer transformer ~2,900 separate outputs cost more
 * than the run itself, so tensors of one element type are flattened into one Concat output.
 */
import type * as ort from 'onnxruntime-node';
import { create } from '@bufbuild/protobuf';
import { ValueInfoProtoSchema } from '../formats/onnx/proto/onnx_pb';
import type { Model } from '../formats/onnx/model';
import { makeNode, makeTensor } from '../formats/onnx/build';
import { encodeModelProto } from '../formats/onnx/codec';
import { analysisSession, bytesWithOutputs, type Feeds } from './ort-run';
import type { SessionSettings } from '../runtime/session';
import { pushAll } from '../base/arrays';

export type FetchedType = 'float32' | 'uint8' | 'int8';
export type Fetched = Float32Array | Uint8Array | Int8Array;

export interface TensorFetch {
  name: string;
  type: FetchedType;
}

/** A session that returns the requested tensors of every run, in request order. */
export interface Fetcher {
  readonly packed: boolean;
  run(feeds: Feeds): Promise<Fetched[]>;
  release(): Promise<void>;
}

export async function createFetcher(model: Model, tensors: readonly TensorFetch[], options: SessionSettings & { pack?: boolean } = {}): Promise<Fetcher> {
  // Graph outputs are fetched as they are; the rest is packed.
  const outputs = new Set(model.graph.proto.output.map((o) => o.name));
  const direct = tensors.map((t, i) => (outputs.has(t.name) ? i : -1)).filter((i) => i >= 0);
  const packable = tensors.filter((t) => !outputs.has(t.name));
  if (options.pack !== false && !packObstacle(model, packable)) {
    // A tensor of another type than declared makes the Concat invalid; the plain outputs then name it.
    const session = await analysisSession(packedOutputBytes(model, packable), options).catch(() => undefined);
    if (session) {
      const groups = packGroups(packable);
      const packedAt = tensors.map((_, i) => i).filter((i) => !outputs.has(tensors[i].name));
      const fetch = [...groups.flatMap((_, g) => [packedName(g), sizesName(g)]), ...new Set(direct.map((i) => tensors[i].name))];
      return {
        packed: true,
        run: async (feeds) => {
          const r = await session.run(feeds, fetch);
          const out = new Array<Fetched>(tensors.length);
          unpack(r, groups, packable.length).forEach((x, k) => { out[packedAt[k]] = x; });
          for (const i of direct) out[i] = typed(r[tensors[i].name] as ort.Tensor | undefined, tensors[i]);
          return out;
        },
        release: () => session.release(),
      };
    }
  }
  const names = [...new Set(tensors.map((t) => t.name))];
  const session = await analysisSession(bytesWithOutputs(model, names), options);
  return {
    packed: false,
    run: async (feeds) => {
      const r = await session.run(feeds, names);
      return tensors.map((t) => typed(r[t.name] as ort.Tensor | undefined, t));
    },
    release: () => session.release(),
  };
}

/** Why `tensors` (none of them a graph output) cannot be packed in this model, or undefined when they can. */
export function packObstacle(model: Model, tensors: readonly TensorFetch[]): string | undefined {
  if (tensors.length === 0) return 'nothing to pack';
  if ((model.opsetVersion('') ?? 0) < 5) return 'Reshape takes its shape as an input only from opset 5';
  return undefined;
}

/** Request indices grouped by element type; each group becomes one packed output. */
function packGroups(tensors: readonly TensorFetch[]): number[][] {
  const byType = new Map<FetchedType, number[]>();
  tensors.forEach((t, i) => {
    const g = byType.get(t.type) ?? [];
    g.push(i);
    byType.set(t.type, g);
  });
  return [...byType.values()];
}

const packedName = (g: number) => `ew_packed_${g}`;
const sizesName = (g: number) => `ew_packed_sizes_${g}`;

/**
 * The model's bytes with two outputs per element type: the tensors of that type flattened and
 * concatenated, and their element counts. The model itself is left as it was.
 */
export function packedOutputBytes(model: Model, tensors: readonly TensorFetch[]): Uint8Array {
  const g = model.graph.proto;
  const flat = 'ew_packed_flat_shape';
  const added = packGroups(tensors).flatMap((group, gi) => {
    const pieces = group.map((i) => `ew_pk_${i}`);
    const sizes = group.map((i) => `ew_pn_${i}`);
    return [
      ...group.flatMap((i, k) => [makeNode('Reshape', [tensors[i].name, flat], [pieces[k]]), makeNode('Shape', [pieces[k]], [sizes[k]])]),
      makeNode('Concat', pieces, [packedName(gi)], { axis: 0 }),
      makeNode('Concat', sizes, [sizesName(gi)], { axis: 0 }),
    ];
  });
  const outputs = added.filter((n) => n.opType === 'Concat').map((n) => create(ValueInfoProtoSchema, { name: n.output[0] }));
  const counts = [g.node.length, g.initializer.length, g.output.length];
  pushAll(g.node, added);
  g.initializer.push(makeTensor(flat, 'int64', [1], BigInt64Array.of(-1n)));
  pushAll(g.output, outputs);
  try {
    return encodeModelProto(model.proto);
  } finally {
    g.node.splice(counts[0]);
    g.initializer.splice(counts[1]);
    g.output.splice(counts[2]);
  }
}

/** Views into the packed outputs of one run, in request order. */
function unpack(results: ort.InferenceSession.OnnxValueMapType, groups: readonly number[][], count: number): Fetched[] {
  const out = new Array<Fetched>(count);
  groups.forEach((group, g) => {
    const data = results[packedName(g)] as ort.Tensor | undefined;
    const sizes = results[sizesName(g)] as ort.Tensor | undefined;
    if (!data || !sizes) throw new Error('the run returned no packed tensors');
    const all = data.data as Fetched;
    let at = 0;
    (sizes.data as BigInt64Array).forEach((n, k) => {
      out[group[k]] = all.subarray(at, at + Number(n));
      at += Number(n);
    });
    if (at !== all.length) throw new Error(`packed sizes add up to ${at}, the packed tensor has ${all.length}`);
  });
  return out;
}

function typed(t: ort.Tensor | undefined, want: TensorFetch): Fetched {
  if (!t) throw new Error(`the run returned no tensor '${want.name}'`);
  if (t.type !== want.type) throw new Error(`tensor '${want.name}' is ${t.type}, expected ${want.type}`);
  return t.data as Fetched;
}
