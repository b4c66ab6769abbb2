/**
 * The page's first act, before the rest of the bundle runs (main.ts imports it first): it says
 * 'ready' to the host, so the model the host sends in answer travels while the bundle's
 * components load and the app is built. Messages that arrive before the app are kept for it.
 */
import { connectHost } from './host';
import type { HostToWebview } from './messages';
import { epochNow } from './timing';

const kept: HostToWebview[] = [];
let deliver: ((m: HostToWebview) => void) | undefined;

window.addEventListener('message', (e: MessageEvent<HostToWebview>) => {
  if (!e.data || typeof e.data !== 'object' || !('type' in e.data)) return;
  if (deliver) deliver(e.data);
  else kept.push(e.data);
});

export const host = connectHost();
/** When 'ready' was posted (epoch ms). */
export const readyAt = epochNow();
host.post({ type: 'ready' });

/** Hands the host's messages to `f`: those kept so far, in order, then each as it arrives. */
export function receive(f: (m: HostToWebview) => void): void {
  deliver = f;
  for (const m of kept.splice(0)) f(m);
}
