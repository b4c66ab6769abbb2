import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobFile } from './blob';
import { decodeCoreMLSpec } from './codec';
import { readCompiled, type CompiledModel } from './compiled';
import { CoreMLFormatError } from './errors';
import { forEachMilOp } from './mil-walk';
import { insidePackage, locateCoreML, type CoreMLLocation } from './package';
import type { Model } from './proto/model_pb';
import { InputFileError, readInputFile } from '../../base/input-file';

/** An opened Core ML model: its specification (or compiled folder) and lazily read weight files. */
export interface CoreMLModel {
  /** What the user opened: an .mlmodel file or an .mlpackage/.mlmodelc folder. */
  file: string;
  location: CoreMLLocation;
  spec?: Model;
  compiled?: CompiledModel;
  /** Bytes on disk: the file, or every file of the folder. */
  fileBytes: number;
  blobs: BlobFiles;
}

const MODEL_PATH = '@model_path/';

/** The blob storage files MIL constants name, resolved inside the package and opened once. */
export class BlobFiles {
  private readonly files = new Map<string, BlobFile>();

  constructor(private readonly location: CoreMLLocation) {}

  get(fileName: string): BlobFile {
    let f = this.files.get(fileName);
    if (!f) {
      const { root, container, modelPath, specFile } = this.location;
      // The folder reads stay inside: the package, or the folder of a standalone .mlmodel.
      const folder = container === 'mlmodel' ? path.dirname(root) : root;
      const rel = fileName.startsWith(MODEL_PATH)
        ? path.join(path.relative(folder, modelPath), fileName.slice(MODEL_PATH.length))
        : fileName;
      f = new BlobFile(insidePackage(folder, rel, specFile ?? root, 'weight file'));
      f.header();
      this.files.set(fileName, f);
    }
    return f;
  }

  opened(): BlobFile[] {
    return [...this.files.values()];
  }
}

/** Opens an .mlmodel, .mlpackage (folder or its Manifest.json) or .mlmodelc folder. */
export function loadCoreML(input: string): CoreMLModel {
  const location = locateCoreML(input);
  const blobs = new BlobFiles(location);
  const fileBytes = diskBytes(location.root);
  if (location.container === 'mlmodelc') {
    return { file: location.root, location, compiled: readCompiled(location.root), fileBytes, blobs };
  }
  const specFile = location.specFile!;
  let bytes: Buffer;
  try {
    bytes = readInputFile(specFile, { what: 'model', limit: { bytes: 2 ** 31 - 1, why: "past protobuf's 2 GiB limit: not a Core ML specification" } });
  } catch (e) {
    throw e instanceof InputFileError ? new CoreMLFormatError(specFile, e.problem) : e;
  }
  const spec = decodeCoreMLSpec(bytes, specFile);
  checkBlobReferences(spec, blobs);
  return { file: location.root, location, spec, fileBytes, blobs };
}

/** Every MIL constant stored in a blob file: its record is read (64 bytes) and checked now. */
function checkBlobReferences(spec: Model, blobs: BlobFiles): void {
  forEachMilOp(spec, (op) => {
    if (op.type !== 'const') return;
    const v = op.attributes.val?.value;
    if (v?.case === 'blobFileValue') blobs.get(v.value.fileName).record(Number(v.value.offset));
  });
}

function diskBytes(p: string): number {
  const st = fs.lstatSync(p);
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) total += diskBytes(path.join(p, e.name));
  return total;
}
