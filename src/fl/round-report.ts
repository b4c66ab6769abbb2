/**
 * What a federated round reports: plain data, shared with the federated training chart webview
 * (scripts/check-imports.ts WEBVIEW_SHARED), so the chart plots exactly what the server and the
 * simulation send.
 */

/** One completed round, as the server records it (state.json history) and `fl serve` prints it. */
export interface RoundMetrics {
  round: number;
  clients: number;
  samples: number;
  updateNorm: number;
  noiseStd: number;
  /** Wall time from the round's opening to its model being written. */
  seconds: number;
  /** Upload bytes per client (mean). */
  uploadBytes: number;
  /** Privacy spent so far (epsilon at the target delta), with differential privacy. */
  epsilon?: number;
  /** Attempts of this round that were abandoned before it completed. */
  abandoned: number;
  /** Filled by the simulation: the global model's validation top-1 after the round. */
  valTop1?: number;
}

/** A simulated round: the server's metrics plus who took part and how their local training went. */
export interface SimulatedRound extends RoundMetrics {
  /** Client ids that took part. */
  participants: string[];
  /** Mean local training loss of the participants. */
  clientLoss: number;
}
