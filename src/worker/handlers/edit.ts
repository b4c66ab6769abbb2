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
      Object.assign(out, { graph: reader.viewGraph(), summary: { ...reader.summary(), file: session.file } });
    }
    return out;
  };

  server.on(EditApplyRequest.type, async ({ session, file, edit, base }) => {
    const s = edits.open(session, file);
    s.history.goTo(base);
    s.history.apply(edit);
    return version(s, true);
  });

  server.on(EditGoToRequest.type, async ({ session, version: v, withGraph }) => {
    const s = edits.get(session);
    s.history.goTo(v);
    return version(s, !!withGraph);
  });

  server.on(EditSaveRequest.type, async ({ session, file, overwrite }) => {
    const s = edits.get(session);
    const saved = saveEditedModel(s.history.current.model, file, overwrite);
    // The cached reader of that file is now stale.
    models.forget(saved.file);
    return { file: saved.file, bytes: saved.bytes + (saved.externalBytes ?? 0) };
  });

  server.onNotification(EditCloseNotification.type, ({ session }) => edits.close(session));
}
