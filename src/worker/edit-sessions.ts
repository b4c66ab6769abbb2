import { OnnxReader } from '../core/formats/onnx/reader';
import type { Model } from '../core/formats/onnx/model';
import { EditError, EditHistory } from '../core/jobs/edit';
import type { ModelCache } from './model-cache';

interface Session {
  file: string;
  history: EditHistory;
  /** Readers of the versions shown last (their view graphs are large), most recent last. */
  readers: Map<Model, OnnxReader>;
}

/** Versions whose reader (view graph, summary) a session keeps; older ones are built again if shown. */
const KEPT_READERS = 4;

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
      // The view's reader is version 0's: the model is not decoded twice. Edits read raw_data themselves.
      opened.model.loadWeights();
      s = { file, history: new EditHistory(opened.model), readers: new Map([[opened.model, opened]]) };
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
    return this.readerOf(s, s.history.current.model);
  }

  /** The reader of a version whose reader is still kept (its view graph built), else undefined. */
  keptReader(s: Session, version: number): OnnxReader | undefined {
    const model = s.history.model(version);
    return model && s.readers.get(model);
  }

  private readerOf(s: Session, model: Model): OnnxReader {
    const r = s.readers.get(model) ?? new OnnxReader(model);
    s.readers.delete(model);
    s.readers.set(model, r);
    if (s.readers.size > KEPT_READERS) s.readers.delete(s.readers.keys().next().value as Model);
    return r;
  }

  close(id: string): void {
    this.sessions.delete(id);
  }
}
