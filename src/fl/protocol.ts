/**
 * The HTTP protocol between `fl serve` and `fl client` (every request carries
 * `Authorization: Bearer TOKEN` and `X-Edgewise-Client: ID`):
 *
 *   GET  /v1/round[?after=R]   RoundInfo; with `after`, waits (up to 25 s) until the round or its
 *                              phase differs from what the client last saw
 *   POST /v1/join              JoinRequest -> JoinReply: a seat in the current round's cohort
 *   GET  /v1/model?round=R     the round's global model (ONNX bytes)
 *   POST /v1/delta             the update (delta.ts format, application/octet-stream)
 *   POST /v1/unmask            UnmaskRequest: secure aggregation's dropout recovery
 *
 * Errors answer JSON `{error}` with 400 (malformed), 401 (token), 409 (wrong round, seat or
 * phase), 413 (too large), 422 (shapes, NaN).
 */
import type { DeltaEncoding } from './delta';

export const PROTOCOL = 'edgewise-fl/1';
export const CLIENT_HEADER = 'x-edgewise-client';

export type Phase = 'joining' | 'training' | 'unmasking' | 'done';

export interface RoundInfo {
  protocol: string;
  round: number;
  /** Rounds the server runs in total. */
  rounds: number;
  phase: Phase;
  /** Id of the round's global model (32 hex digits of its SHA-256); deltas must name it. */
  model: string;
  /** The tensors every delta carries, in order. */
  tensors: { name: string; dims: number[] }[];
  /** Encodings the server accepts. */
  encodings: DeltaEncoding[];
  /** Seats in the cohort and those taken. */
  clientsPerRound: number;
  joined: number;
  /** FedProx's mu (0: plain FedAvg). */
  mu: number;
  /** Clients clip their own delta to this norm before masking (secure aggregation with privacy). */
  clientClip?: number;
  secureAggregation?: {
    /** X25519 public keys (base64 DER SPKI) of the cohort, once it is complete. */
    cohort?: { id: string; publicKey: string }[];
    /** Fixed-point scale of masked values (value * scale rounded, modulo 2^64). */
    scale: number;
    /** Cohort members that uploaded nothing: survivors reveal their pairwise seeds with these. */
    dropped?: string[];
  };
}

export interface JoinRequest {
  round: number;
  /** X25519 public key (base64 DER SPKI), with secure aggregation. */
  publicKey?: string;
}

export interface JoinReply {
  round: number;
  seat: number;
}

export interface UnmaskRequest {
  round: number;
  /** Pairwise mask seeds (hex) with each dropped client, by its id. */
  seeds: Record<string, string>;
}
