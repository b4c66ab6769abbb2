import { packViewGraphText } from '../../core/graph/packed';
import type { ModelSummary } from '../../core/graph/types';
import { viewGraphDelta } from '../../core/graph/view-delta';
import { saveEditedModel } from '../../core/jobs/edit';
import { EditApplyRequest, EditCloseNotification, EditGoToRequest, EditSaveRequest, type EditedVersion } from '../protocol';
import type { WorkerServices } from '../services';

/** The graph editor's edits, undo/redo and saves, on the sessions kept in services.edits (edit-sessions.ts). */
export function registerEditHandlers({ server, edits, models }: WorkerServices): void {
  // Summaries by version's model: undo and redo show the same versions again.
  const summaries = new WeakMap<object, ModelSummary>();
  /** `from`: the version the editors show, to send the delta from (when its view graph is still kept). */
  const version = (session: ReturnType<typeof edits.get>, withGraph: boolean, from?: number): EditedVersion => {
    const { version: v, report, model } = session.history.current;
    const out: EditedVersion = { version: v, description: report?.description ?? '' };
    if (withGraph) {
      const shown = from === undefined ? undefined : edits.keptReader(session, from);
      const reader = edits.reader(session);
      const view = reader.viewGraph();
      let summary = summaries.get(model);
      if (!summary) summaries.set(model, summary = reader.summary());
      Object.assign(out, { nodes: view.nodes.length, summary: { ...summary, file: session.file } });
      if (shown) out.delta = viewGraphDelta(shown.viewGraph(), view, from!, v);
      else out.graph = packViewGraphText(view);
    }
    return out;
  };

  // A session opens on its first edit, or from `source` (Save As before any edit, a restored backup).
  const opened = (session: string, source?: string) => (source && !edits.has(session) ? edits.open(session, source) : edits.get(session));

  server.on(EditApplyRequest.type, async ({ session, file, edit, base, delta }) => {
    const s = edits.open(session, file);
    s.history.goTo(base);
    s.history.apply(edit);
    return version(s, true, delta ? base : undefined);
  });

  server.on(EditGoToRequest.type, async ({ session, source, version: v, withGraph, from }) => {
    const s = opened(session, source);
    s.history.goTo(v);
    return version(s, !!withGraph, from);
  });

  server.on(EditSaveRequest.type, async ({ session, file, overwrite, source }) => {
    const s = opened(session, source);
    const saved = saveEditedModel(s.history.current.model, file, overwrite);
    // The cached reader of that file is now stale.
    models.forget(saved.file);
    return { file: saved.file, bytes: saved.bytes + (saved.externalBytes ?? 0) };
  });

  server.onNotification(EditCloseNotification.type, ({ session }) => edits.close(session));
}
