import { OnnxReader } from '../core/formats/onnx/reader';
import type { Model } from '../core/formats/onnx/model';
import { EditError, EditHistory } from '../core/jobs/edit';
import type { ModelCache } from './model-cache';

interface Session {
  file: string;
  history: EditHistory;
  /** Each version's reader, made when first shown: its view graph and summary are built once. */
  readers: WeakMap<Model, OnnxReader>;
}

/** The graph editors' edit sessions, by the id the extension gives each document. */
export class EditSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly models: ModelCache) {}

  /** The session, opened on its first edit from the model the graph view already decoded. */
  open(id: string, file: string): Session {
    let s = this.sessions.get(id);
    if (!s) {
      const opened = this.models.get(file);
      if (!(opened instanceof OnnxReader)) throw new EditError(`${file}: editing works on ONNX models (.onnx)`);
      // The view's reader is version 0's: the model is not decoded twice.
      s = { file, history: new EditHistory(opened.model), readers: new WeakMap([[opened.model, opened]]) };
      this.sessions.set(id, s);
    }
    return s;
  }

  get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new Error(`no edit session '${id}' (the editor was closed, or the worker restarted)`);
    return s;
  }

  has(id: string | undefined): id is string {
    return !!id && this.sessions.has(id);
  }

  /** The reader of the session's current version. */
  reader(s: Session): OnnxReader {
    const { model } = s.history.current;
    let r = s.readers.get(model);
    if (!r) s.readers.set(model, (r = new OnnxReader(model)));
    return r;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }
}
