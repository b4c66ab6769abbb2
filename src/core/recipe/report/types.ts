/** What the CI report shows (collect.ts gathers it; html.ts, markdown.ts and junit.ts write it). */
import type { RecipeRunReport } from '../run';

/** The graph overlay of the report: per-layer error (SQNR), per-layer latency, or weight bytes. */
export const REPORT_OVERLAYS = ['error', 'latency', 'weights'] as const;
export type ReportOverlay = (typeof REPORT_OVERLAYS)[number];

export interface RecipeReportData {
  run: RecipeRunReport;
  generatedAt: string;
  /** 'AMD EPYC, 2 cores, linux x64, Node 20.x'. */
  machine: string;
  /** The output model timed in a fresh benchmark process, with a per-layer profile. */
  latency?: {
    samplesMs: number[]; p50Ms: number; p95Ms: number; peakRssBytes: number;
    /** Slowest first; names are the output model's nodes. */
    layers: { name: string; opType: string; meanUs: number; share: number }[];
  };
  /** Per-layer error of the output against the recipe's model on the held-out data, worst first. */
  errors?: { layer: string; opType: string; sqnrDb: number; cosine: number }[];
  /** The recipe's model as SVG with `overlay` (absent: `graphNote` says why). */
  graph?: { svg: string; overlay: ReportOverlay; label: string };
  graphNote?: string;
  /** What could not be measured, and why. */
  notes: string[];
}
