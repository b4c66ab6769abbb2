/**
 * Looking at a model, for every format: `edgewise inspect` and the editor's model panel (the
 * summary), the graph view (the view graph) and the inspector (a node's details).
 */
import * as path from 'node:path';
import type { ModelReader } from '../formats/format';
import { planArena, type ArenaPlan } from '../formats/tflite/arena';
import { TfliteReader } from '../formats/tflite/reader';
import { openModel } from '../formats/open';
import type { ModelSummary, NodeDetails, ViewGraph } from '../graph/types';
import type { JobHooks } from './job';
import { memoryProfile, nodeMemoryDetails, type MemoryProfile } from '../graph/memory';

export type ViewJobOptions = JobHooks;

/** Opens a model; `openModel` unless the caller keeps readers (the worker's cache). */
export type OpenModel = (file: string) => ModelReader;

export interface InspectJobOptions extends JobHooks {
  /** Check that external weight files are present and complete, without reading them (default true). */
  checkWeights?: boolean;
  /** A .tflite only: plan TFLite Micro's tensor arena (will it fit a microcontroller?). */
  mcu?: boolean;
  /** Activation memory per node from the tensors' lifetimes, and its peak (graph/memory.ts). */
  memory?: boolean;
}

export interface InspectJobResult extends ModelSummary {
  /** With `mcu`: flash (the file) and the arena planned from the tensors' lifetimes. */
  mcu?: ArenaPlan;
  memory?: MemoryProfile;
}

/** The model's summary: inputs, outputs, ops, parameters, bytes by type, MACs. */
export async function runInspectJob(file: string, o: InspectJobOptions = {}, open: OpenModel = openModel): Promise<InspectJobResult> {
  o.progress?.('Reading model', 0);
  const reader = open(file);
  if (o.checkWeights !== false) reader.checkWeights?.();
  const summary: InspectJobResult = reader.summary();
  if (o.memory) summary.memory = memoryProfile(reader.viewGraph());
  if (!o.mcu) return summary;
  if (!(reader instanceof TfliteReader)) {
    throw new Error(`${path.resolve(file)}: --mcu plans TFLite Micro's arena for .tflite models; export this one first (edgewise export MODEL --to tflite --quantize int8)`);
  }
  const { buffers, ...plan } = planArena(reader.model);
  return { ...summary, mcu: { ...plan, buffers } };
}

/** The compact view graph (names, ops, edges, shapes, sizes; no weight bytes) the graph view lays out. */
export async function runViewJob(file: string, o: ViewJobOptions = {}, open: OpenModel = openModel): Promise<ViewGraph> {
  o.progress?.('Reading model', 0);
  const reader = open(file);
  o.progress?.('Building the graph', 0.5);
  return reader.viewGraph();
}

/**
 * A node's weights with statistics, where it came from (exporter metadata) and, in the main graph,
 * its activation memory; `graphPath` selects a subgraph.
 */
export async function runNodeDetailsJob(file: string, nodeId: string, graphPath: string[] = [], open: OpenModel = openModel): Promise<NodeDetails> {
  const reader = open(file);
  const details = reader.nodeDetails(nodeId, graphPath);
  const memory = graphPath.length ? undefined : nodeMemoryDetails(reader.viewGraph(), nodeId);
  return memory ? { ...details, memory } : details;
}
