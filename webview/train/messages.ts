/**
 * Messages between the extension host and the training chart webview. Plain data: the steps and
 * epochs the worker reports (src/core/runtime/train-events.ts) and a final summary.
 */
import type { EpochReport, StepEvent } from '../../src/core/runtime/train-events';

/** One training step. */
export type ChartStep = StepEvent;

/** One finished epoch (the chart does not plot the learning rate per epoch). */
export type ChartEpoch = Omit<EpochReport, 'lr'>;

/** How the trained model compares with the original: accuracy and how much each weight moved. */
export interface ChartSummary {
  output: string;
  valTop1Before?: number;
  valTop1After?: number;
  /** Per trained tensor, ||w - w0|| / ||w0||, largest first. */
  changes: { name: string; relative: number }[];
}

export type TrainHostToWebview =
  | { type: 'start'; title: string; epochs: number; resumed?: ChartEpoch[] }
  | { type: 'progress'; message: string; steps: ChartStep[]; epochs: ChartEpoch[] }
  | { type: 'done'; summary: ChartSummary }
  | { type: 'stopped'; message: string };

export type TrainWebviewToHost =
  | { type: 'ready' }
  | { type: 'action'; action: 'open' | 'compare' | 'benchmark' };
