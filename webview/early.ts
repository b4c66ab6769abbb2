/**
 * The bundle's first act (main.ts imports it first). The page's head script (webview/html.ts)
 * already said 'ready' to the host as the page was parsed, before the bundle was fetched, and
 * kept the host's messages since: the model travels while the bundle loads and the app is built.
 * Here the bundle takes those messages over; they, and the ones that arrive before the app, are
 * kept for it. A page without the head script says 'ready' here, as the bundle starts.
 */
import { connectHost, type VsCodeApi } from './host';
import type { HostToWebview } from './messages';
import { epochNow } from './timing';

/** What the head script leaves (webview/html.ts EARLY_SCRIPT). */
interface HeadStart { kept: unknown[]; keep: (e: MessageEvent) => void; api: VsCodeApi | null; readyAt: number }

const head = (globalThis as { edgewiseEarly?: HeadStart }).edgewiseEarly;
const kept: HostToWebview[] = [];
let deliver: ((m: HostToWebview) => void) | undefined;

const isMessage = (d: unknown): d is HostToWebview => !!d && typeof d === 'object' && 'type' in d;

if (head) {
  window.removeEventListener('message', head.keep);
  for (const d of head.kept) if (isMessage(d)) kept.push(d);
}
window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (!isMessage(e.data)) return;
  if (deliver) deliver(e.data);
  else kept.push(e.data);
});

export const host = connectHost(head?.api);
/** When 'ready' was posted (epoch ms). */
export const readyAt = head?.readyAt ?? epochNow();
if (!head) host.post({ type: 'ready' });

/** Hands the host's messages to `f`: those kept so far, in order, then each as it arrives. */
export function receive(f: (m: HostToWebview) => void): void {
  deliver = f;
  for (const m of kept.splice(0)) f(m);
}
