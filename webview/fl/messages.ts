/**
 * Messages between the extension host and the federated training chart webview. Plain data: the
 * rounds the simulation reports (src/fl/round-report.ts) and a final summary.
 */
import type { SimulatedRound } from '../../src/fl/round-report';

export type ChartRound = SimulatedRound;

/** How the federation was set up, shown above the charts. */
export interface FlChartSetup {
  rounds: number;
  clients: number;
  clientsPerRound: number;
  partition: string;
  /** Differential privacy: noise multiplier Z, clipping norm C and target delta. */
  privacy?: { clip: number; noiseMultiplier: number; delta: number };
  secureAggregation: boolean;
}

/** The federation's outcome: where the model was written and the figures before and after. */
export interface FlChartSummary {
  finalModel: string;
  outDir: string;
  initialValTop1?: number;
  finalValTop1?: number;
  /** Privacy spent over all rounds (with differential privacy). */
  epsilon?: number;
  rounds: number;
  /** Rounds that were already complete in the folder (a resumed run). */
  resumedFrom: number;
}

export type FlHostToWebview =
  | { type: 'start'; title: string; setup: FlChartSetup }
  | { type: 'progress'; message: string; round?: ChartRound }
  | { type: 'done'; summary: FlChartSummary }
  | { type: 'stopped'; message: string };

export type FlWebviewToHost =
  | { type: 'ready' }
  | { type: 'action'; action: 'open' | 'compare' };
