import type { ModelFormat } from '../format';
import { lazyModule } from '../../base/lazy';

/** The reader and its schema load on first use (see lazyModule). */
const reader = lazyModule(() => require('./reader') as typeof import('./reader'));

/**
 * Apple Core ML: .mlmodel files, .mlpackage folders (root model found through Manifest.json) and
 * compiled .mlmodelc folders (read as far as their text and JSON go). Viewed and inspected only:
 * running a Core ML model needs Apple's Core ML framework, which exists on macOS and iOS alone.
 */
export const coremlFormat: ModelFormat = {
  id: 'coreml',
  label: 'Core ML',
  fileExtensions: ['.mlmodel'],
  folderExtensions: ['.mlpackage', '.mlmodelc'],
  open: (file) => reader().CoreMLReader.open(file),
  actions: [],
  unavailableReason: 'running a Core ML model needs Apple\'s Core ML framework, which exists only on macOS and iOS',
};
