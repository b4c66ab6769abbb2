/**
 * Layouts for the view. Edgewise's own layered layout (core/graph/layout/quick-layout.ts) is made
 * here, in the page: the first frame, an expand-all, and every layout of a view whose groups it
 * lays out as well as elkjs (ownLayoutFits). Milliseconds of work, where the round trip through
 * the host and the worker (the request as JSON, twice) costs more and waits for a busy worker.
 * elkjs's layouts, of views with larger groups, are made by the worker process's layout thread
 * (src/worker/layout/), where elkjs stays compiled across models: requests go to the extension
 * host, which relays them, and answers come back through App.handle. Cancelling rejects what is
 * waiting at once; the worker drops a queued layout and stops the running one before its next group.
 */
import type { Direction, LayoutGroup, LayoutResult } from '../../src/core/graph/layout/types';
import { layoutResultOf } from '../../src/core/graph/layout/packed-result';
import { ownLayoutFits, quickLayout } from '../../src/core/graph/layout/quick-layout';
import type { Host } from '../host';
import type { HostToWebview } from '../messages';

export class LayoutCancelled extends Error {
  constructor() { super('layout cancelled'); }
}

type Answer = Extract<HostToWebview, { type: 'layout' | 'layoutError' }>;

export class LayoutClient {
  private nextId = 1;
  private waiting = new Map<number, { resolve: (r: LayoutResult) => void; reject: (e: Error) => void }>();

  constructor(private readonly host: Host) {}

  /** `quick`: Edgewise's own layout, made here, even where elkjs's would follow (a first frame); else elkjs's, in the worker, unless the own one fits. */
  layout(root: LayoutGroup, direction: Direction, quick = false): Promise<LayoutResult> {
    if (quick || this.ownFits(root)) {
      try {
        return Promise.resolve(quickLayout(root, direction));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const requestId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(requestId, { resolve, reject });
      this.host.post({ type: 'layout', requestId, root, direction });
    });
  }

  /** Whether the layout made here is `root`'s settled layout: elkjs would lay it out no better. */
  ownFits(root: LayoutGroup): boolean {
    return ownLayoutFits(root);
  }

  /** An answer from the host. */
  answer(m: Answer): void {
    const w = this.waiting.get(m.requestId);
    if (!w) return;
    this.waiting.delete(m.requestId);
    if (m.type === 'layout') w.resolve(layoutResultOf(m.result));
    else w.reject(m.cancelled ? new LayoutCancelled() : new Error(m.message));
  }

  /** Stops every waiting layout. */
  cancel(): void {
    for (const [requestId, w] of this.waiting) {
      this.host.post({ type: 'cancelLayout', requestId });
      w.reject(new LayoutCancelled());
    }
    this.waiting.clear();
  }

  get busy(): boolean {
    return this.waiting.size > 0;
  }
}
