/**
 * A client's part in a double-masked round (double-mask.ts): share bundles once the cohort is
 * complete, the masked upload once the server relayed the bundles, and the shares that open the
 * sum, refused when the server's request would reveal an input.
 */
import { encodeDelta, type DeltaTensor } from '../delta';
import { DoubleMaskClient, SecAggRefusal } from '../double-mask';
import { clipFactor, l2Norm } from '../dp';
import type { RoundInfo } from '../protocol';
import { toRing } from '../secagg';
import { FederationError } from '../weights';
import type { ServerConnection } from './connection';

/** Waits while the round is in `phases`; the round's info after, or an error when the round moved on. */
async function waitPast(conn: ServerConnection, info: RoundInfo, phases: RoundInfo['phase'][], what: string): Promise<RoundInfo> {
  let now = info;
  while (now.round === info.round && phases.includes(now.phase)) now = await conn.round(`${now.round}.${now.phase}`);
  if (now.round !== info.round || now.phase === 'done') throw new FederationError(`round ${info.round} moved on before ${what}`);
  return now;
}

export function joinKeys(dm: DoubleMaskClient): { cPublicKey: string; sPublicKey: string } {
  const { cPublicKey, sPublicKey } = dm.advertise();
  return { cPublicKey, sPublicKey };
}

/** Once the cohort is complete: this client's b and mask key, shared among it. */
export async function sendShares(conn: ServerConnection, info: RoundInfo, dm: DoubleMaskClient): Promise<void> {
  const now = await waitPast(conn, info, ['joining'], 'its cohort was complete');
  const sa = now.secureAggregation;
  if (!sa?.cohort) throw new FederationError(`round ${info.round}: the server announced no cohort`);
  const bundles = dm.shareKeys(sa.cohort, sa.threshold);
  await conn.shares({ round: info.round, to: bundles.to });
}

/** Once uploads are open: the peers' bundles in, the update clipped (with privacy) and masked over U2. */
export async function maskedDelta(conn: ServerConnection, info: RoundInfo, dm: DoubleMaskClient, delta: DeltaTensor[], samples: number): Promise<Uint8Array> {
  const now = await waitPast(conn, info, ['joining', 'sharing'], 'its share bundles were relayed');
  const u2 = now.secureAggregation?.sharedKeys ?? [];
  const inbox = (await conn.inbox(info.round)).from;
  const senders = Object.keys(inbox).sort();
  const expected = u2.filter((u) => u !== dm.id);
  if (senders.join() !== expected.join()) throw new FederationError(`round ${info.round}: bundles from ${senders.join(', ')} but the server lists ${expected.join(', ')} as sharing`);
  dm.receiveShares(inbox);
  const values = delta.map((t) => t.values!);
  for (const v of values) for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new FederationError('the local update is not finite; nothing was uploaded');
  // With privacy the server cannot clip masked updates: the client clips and every client weighs 1.
  const clip = now.clientClip;
  const weight = clip ? clipFactor(l2Norm(values), clip) : samples;
  const y = dm.maskInput(values.map((v) => toRing(v, weight, now.secureAggregation!.scale)));
  return encodeDelta({ encoding: 'ring64', round: info.round, samples, model: info.model }, delta.map((t, k) => ({ name: t.name, dims: t.dims, ring: y[k] })));
}

/** After the masked upload: until the round moves on, send the shares the server asks for, unless that would reveal an input. */
export async function openWhenAsked(conn: ServerConnection, info: RoundInfo, dm: DoubleMaskClient, seen: string, log: (line: string) => void): Promise<string> {
  for (;;) {
    const now = await conn.round(seen);
    seen = `${now.round}.${now.phase}`;
    if (now.round !== info.round || now.phase === 'done') return '';
    const ask = now.secureAggregation?.unmask;
    if (now.phase !== 'unmasking' || !ask) continue;
    let shares;
    try {
      shares = dm.unmask(ask);
    } catch (e) {
      if (!(e instanceof SecAggRefusal)) throw e;
      log(`round ${info.round}: refused to send shares: ${e.message}`);
      return seen;
    }
    await conn.unmask({ round: info.round, selfMask: shares.selfMask, maskKey: shares.maskKey });
  }
}

