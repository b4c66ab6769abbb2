/**
 * Messages between the extension host and the training chart webview. Plain data: the steps and
 * epochs the worker reports (their shapes mirror src/core/jobs/train-loop.ts) and a final summary.
 */

/** One training step. */
export interface ChartStep {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  loss: number;
  lr: number;
  top1?: number;
}

/** One finished epoch. */
export interface ChartEpoch {
  epoch: number;
  steps: number;
  loss: number;
  trainTop1?: number;
  valTop1?: number;
  imagesPerSecond: number;
  seconds: number;
}

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
  | { type: 'stopped'; message: string }
  /** Scroll the comparison with the original into view (the "Compare" action). */
  | { type: 'showComparison' };

export type TrainWebviewToHost =
  | { type: 'ready' }
  | { type: 'action'; action: 'open' | 'compare' | 'benchmark' };
