// Bundles the extension, the worker, the CLI and the webview with esbuild.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
// jsonc-parser's default (UMD) build requires its modules dynamically, which a bundle cannot
// follow; its ES module build bundles cleanly.
const common = { bundle: true, sourcemap: true, logLevel: 'info', minify: false, alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' } };
// @tensorflow/tfjs-tflite: only require.resolve'd, as the fallback location of the wasm files copied to dist/tflite below.
// ssh2's optional native parts (its crypto binding, cpu-features) are loaded in try/catch: without
// them it runs in plain JavaScript, so the bundle leaves them out.
const nodeExternal = ['vscode', 'onnxruntime-node', 'sharp', '@tensorflow/tfjs-tflite', 'cpu-features', '*.node'];

const targets = [
  { entryPoints: { extension: 'src/extension/extension.ts' }, platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  // dist/worker.js starts dist/worker-main.js with V8's code cache (worker/boot.ts): no import() in it, as in the CLI.
  { entryPoints: { worker: 'src/worker/boot.ts' }, platform: 'node', format: 'cjs', target: 'node20' },
  { entryPoints: { 'worker-main': 'src/worker/main.ts' }, platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal, supported: { 'dynamic-import': false } },
  // dist/layout-thread.js starts dist/layout-thread-main.js (elkjs) with V8's code cache (worker/layout/thread-boot.ts).
  { entryPoints: { 'layout-thread': 'src/worker/layout/thread-boot.ts' }, platform: 'node', format: 'cjs', target: 'node20' },
  { entryPoints: { 'layout-thread-main': 'src/worker/layout/thread.ts' }, platform: 'node', format: 'cjs', target: 'node20', minify: true },
  // dist/layout-snapshot.js: elkjs loaded and warmed up, kept by node --build-snapshot (worker/layout/snapshot-blob.ts); self-contained.
  { entryPoints: { 'layout-snapshot': 'src/worker/layout/snapshot-main.ts' }, platform: 'node', format: 'cjs', target: 'node20', minify: true },
  // The CLI has no import(): launch.ts compiles it with V8's code cache through vm.Script, which has no module loader.
  { entryPoints: { cli: 'src/cli/main.ts' }, platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal, supported: { 'dynamic-import': false } },
  { entryPoints: { launch: 'src/cli/launch.ts' }, platform: 'node', format: 'cjs', target: 'node20' },
  { entryPoints: { 'bench-child': 'src/core/runtime/bench-child.ts' }, platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  { entryPoints: { 'fl-client-child': 'src/fl/simulate/fl-client-child.ts' }, platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  // `edgewise/ota`, the device library for apps: self-contained (no VS Code, no ONNX Runtime).
  { entryPoints: { ota: 'src/ota/client/index.ts' }, platform: 'node', format: 'cjs', target: 'node20' },
  { entryPoints: { 'train-child': 'src/core/jobs/train-child.ts' }, platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  // Minified, as the chart pages: the page fetches, compiles and starts it at every open.
  { entryPoints: { webview: 'webview/main.ts' }, platform: 'browser', format: 'iife', target: 'es2022', loader: { '.css': 'css', '.ttf': 'file' }, minify: true },
  // The chrome's web components (Lit, @vscode-elements), fetched after the graph's first frame (webview/chrome.ts):
  // a webview's scripts come through VS Code's service worker, compiled afresh at every open.
  { entryPoints: { 'webview-chrome': 'webview/ui/elements.ts' }, platform: 'browser', format: 'iife', target: 'es2022', minify: true },
  { entryPoints: { 'train-chart': 'webview/train/main.ts' }, platform: 'browser', format: 'iife', target: 'es2022', minify: true },
  { entryPoints: { 'fl-chart': 'webview/fl/main.ts' }, platform: 'browser', format: 'iife', target: 'es2022', minify: true },
].filter((t) => Object.values(t.entryPoints).every((p) => existsSync(p)));

/**
 * esbuild escapes non-ASCII characters in code but keeps the comments it carries over as they are.
 * One such character makes V8 hold the whole bundle as a two-byte string: the worker's 2.9 MB
 * bundle was read, compiled and started about 10 ms slower (bench/worker-start.ts).
 * So those are escaped too; in a comment the escape only changes how the comment reads.
 */
const asciiOutput = {
  name: 'ascii-output',
  setup(build) {
    build.onEnd((result) => {
      for (const file of Object.keys(result.metafile?.outputs ?? {})) {
        if (!file.endsWith('.js')) continue;
        const text = readFileSync(file, 'utf8');
        if (/[^\x00-\x7f]/.test(text)) writeFileSync(file, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
      }
    });
  },
};

for (const t of targets) {
  const options = { ...common, ...t, outdir: 'dist', metafile: true, plugins: [asciiOutput] };
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
}

// The walkthrough's sample (edgewise.openSample): the Fashion-MNIST CNN, calibration images and their labels.
mkdirSync('dist/sample', { recursive: true });
for (const f of ['fmnist_cnn.onnx', 'fmnist_train1k_u8.npy', 'fmnist_train1k_labels.npy']) copyFileSync(`test/fixtures/${f}`, `dist/sample/${f}`);
// Icons for the webview (the page links dist/codicons/codicon.css with id vscode-codicon-stylesheet).
if (existsSync('node_modules/@vscode/codicons/dist/codicon.css')) {
  mkdirSync('dist/codicons', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/codicons/${f}`);
}

// TFLite's WebAssembly interpreter (single-threaded builds, plain and SIMD) for src/core/runtime/tflite.ts.
const tfliteWasm = 'node_modules/@tensorflow/tfjs-tflite/wasm';
if (existsSync(tfliteWasm)) {
  mkdirSync('dist/tflite', { recursive: true });
  for (const f of ['tflite_web_api_client.js', 'tflite_web_api_cc.js', 'tflite_web_api_cc.wasm', 'tflite_web_api_cc_simd.js', 'tflite_web_api_cc_simd.wasm']) {
    copyFileSync(`${tfliteWasm}/${f}`, `dist/tflite/${f}`);
  }
}
