/**
 * A module loaded on its first use. The format registry is imported by every process at start
 * (the worker, the CLI, the extension host), but a format's reader pulls in its schema: the
 * protobuf descriptors of ONNX and Core ML cost tens of milliseconds to build at import, which
 * every start paid for formats it never opened. `load` is a `require` of the reader, so esbuild
 * bundles it as a module initialised when first required.
 */
export function lazyModule<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
