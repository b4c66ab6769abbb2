/**
 * What a training run reports as it goes: plain data, shared with the training chart webview
 * (scripts/check-imports.ts WEBVIEW_SHARED), so the chart plots exactly what the loop sends.
 */

/** One epoch's figures, as the report prints them. */
export interface EpochReport {
  epoch: number;
  steps: number;
  /** Mean training loss over the epoch's batches (weighted by batch size). */
  loss: number;
  trainTop1?: number;
  valTop1?: number;
  /** Training throughput: samples over the time spent in training steps (batch assembly, teacher, step). */
  imagesPerSecond: number;
  /** Wall time of the epoch, validation included. */
  seconds: number;
  /** Learning rate of the epoch's last step. */
  lr: number;
}

/** Sent after every training step (the live chart plots these). */
export interface StepEvent {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  loss: number;
  lr: number;
  /** Top-1 of this batch (classification). */
  top1?: number;
}
