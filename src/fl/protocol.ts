/**
 * The HTTP protocol between `fl serve` and `fl client` (every request carries
 * `Authorization: Bearer TOKEN` and `X-Edgewise-Client: ID`):
 *
 *   GET  /v1/round[?after=R]   RoundInfo; with `after`, waits (up to 25 s) until the round or its
 *                              phase differs from what the client last saw
 *   POST /v1/join              JoinRequest -> JoinReply: a seat in the current round's cohort
 *   GET  /v1/model?round=R     the round's global model (ONNX bytes)
 *   POST /v1/delta             the update (delta.ts format, application/octet-stream)
 * With secure aggregation (double masking, double-mask.ts), also:
 *   POST /v1/shares            SharesRequest: the client's encrypted share bundles, per peer
 *   GET  /v1/shares?round=R    SharesReply: the bundles addressed to the caller
 *   POST /v1/unmask            UnmaskRequest: the caller's shares of survivors' self masks and
 *                              dropped clients' mask keys
 *
 * Errors answer JSON `{error}` with 400 (malformed), 401 (token), 409 (wrong round, seat or
 * phase), 413 (too large), 422 (shapes, NaN).
 */
import type { DeltaEncoding } from './delta';
import type { Advertisement, UnmaskAsk, UnmaskShares } from './double-mask';

export const PROTOCOL = 'edgewise-fl/1';

export const CLIENT_HEADER = 'x-edgewise-client';

/**
 * joining: seats free. With secure aggregation, sharing: the cohort is complete, clients send
 * their share bundles. training: uploads accepted. unmasking (secure aggregation): survivors send
 * shares so the server can open the sum.
 */
export type Phase = 'joining' | 'sharing' | 'training' | 'unmasking' | 'done';

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
    /** The cohort's two X25519 public keys each (base64 DER SPKI), once it is complete. */
    cohort?: Advertisement[];
    /** Fixed-point scale of masked values (value * scale rounded, modulo 2^64). */
    scale: number;
    /** Shares needed to recover a secret (more than half the cohort). */
    threshold: number;
    /** The clients whose share bundles went out (U2): uploads mask against exactly these. */
    sharedKeys?: string[];
    /** In the unmasking phase: whose inputs are in the sum and who dropped after sharing. */
    unmask?: UnmaskAsk;
  };
}

export interface JoinRequest {
  round: number;
  /** The client's two X25519 public keys, with secure aggregation. */
  keys?: { cPublicKey: string; sPublicKey: string };
}

export interface JoinReply {
  round: number;
  seat: number;
}

export interface SharesRequest {
  round: number;
  /** Encrypted share bundle for each cohort peer, by its id. */
  to: Record<string, string>;
}

export interface SharesReply {
  round: number;
  /** The bundles addressed to the caller, by sender. */
  from: Record<string, string>;
}

export interface UnmaskRequest extends Omit<UnmaskShares, 'from'> {
  round: number;
}
