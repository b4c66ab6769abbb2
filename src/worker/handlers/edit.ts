import { packViewGraphText } from '../../core/graph/packed';
import { saveEditedModel } from '../../core/jobs/edit';
import { EditApplyRequest, EditCloseNotification, EditGoToRequest, EditSaveRequest, type EditedVersion } from '../protocol';
import type { WorkerServices } from '../services';

/** The graph editor's edits, undo/redo and saves, on the sessions kept in services.edits (edit-sessions.ts). */
export function registerEditHandlers({ server, edits, models }: WorkerServices): void {
  const version = (session: ReturnType<typeof edits.get>, withGraph: boolean): EditedVersion => {
    const { version: v, report } = session.history.current;
    const out: EditedVersion = { version: v, description: report?.description ?? '' };
    if (withGraph) {
      const reader = edits.reader(session);
      const view = reader.viewGraph();
      Object.assign(out, { graph: packViewGraphText(view), nodes: view.nodes.length, summary: { ...reader.summary(), file: session.file } });
    }
    return out;
  };

  // A session opens on its first edit, or from `source` (Save As before any edit, a restored backup).
  const opened = (session: string, source?: string) => (source && !edits.has(session) ? edits.open(session, source) : edits.get(session));

  server.on(EditApplyRequest.type, async ({ session, file, edit, base }) => {
    const s = edits.open(session, file);
    s.history.goTo(base);
    s.history.apply(edit);
    return version(s, true);
  });

  server.on(EditGoToRequest.type, async ({ session, source, version: v, withGraph }) => {
    const s = opened(session, source);
    s.history.goTo(v);
    return version(s, !!withGraph);
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
