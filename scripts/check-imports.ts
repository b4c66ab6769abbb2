/**
 * The import rules that keep Edgewise's layers visible (run by `npm test` through
 * test/import-rules.test.ts; `npx tsx scripts/check-imports.ts` prints the same list).
 *
 * Data flows one way: file -> format -> job -> worker -> extension -> webview. The rules:
 * - `vscode` only in src/extension;
 * - src/core imports nothing from src/worker, src/extension, src/cli or webview/;
 * - inside src/core a module imports its own layer or a lower one (CORE_LAYERS), and a format
 *   folder imports no other format;
 * - src/cli does not import src/worker or src/extension; src/worker does not import src/extension
 *   or src/cli;
 * - webview/ imports only webview/ and the few shared files in WEBVIEW_SHARED; outside webview/,
 *   only its host-facing files (WEBVIEW_HOST_FILES) are imported;
 * - no import cycle (type-only imports count too);
 * - no hand-written module over MAX_LINES lines (files marked `@generated` are exempt).
 * ALLOWED lists the known violations that issue 12 still has to remove; an entry that no longer
 * matches anything is itself reported, so the list only shrinks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

/** The layers of src/core, lowest first. A module may import its own layer and the ones before it. */
export const CORE_LAYERS = [
  'base', // cancellation, atomic files: nothing about models
  'tensor', // data types and number formats
  'graph', // the format-neutral view model, its hierarchy and statistics
  'formats', // one folder per format (codec, detect, view graph, summary, text) and the registry
  'passes', // model rewrites: fp16, quantize, calibrate, prune
  'runtime', // ORT and TFLite sessions, benchmark children, data sets, devices
  'analysis', // accuracy, per-layer error, sensitivity, mixed precision, diagnostics
  'jobs', // one job per user action, one contract (jobs/job.ts)
  'recipe', // recipes: schema, validation, edits; they run jobs
] as const;

/** Files outside webview/ that the webview may import (plain data types and pure view-model code). */
export const WEBVIEW_SHARED = ['src/core/graph/types.ts', 'src/core/graph/packed.ts', 'src/core/graph/view-delta.ts', 'src/core/graph/string-table.ts', 'src/core/graph/layout/packed-result.ts', 'src/core/graph/layout/quick-layout.ts', 'src/core/graph/layout/relative.ts', 'src/core/graph/hierarchy.ts', 'src/core/graph/graph-model.ts', 'src/core/graph/expansion.ts', 'src/core/graph/ops.ts', 'src/core/graph/text-metrics.ts', 'src/core/graph/first-screen.ts', 'src/core/graph/layout/types.ts', 'src/core/runtime/train-events.ts', 'src/fl/round-report.ts', 'src/core/base/units.ts'];

/** Files of webview/ that the extension host (and benchmarks) may import: the message protocol and the page. */
export const WEBVIEW_HOST_FILES = ['webview/messages.ts', 'webview/html.ts', 'webview/train/messages.ts', 'webview/train/html.ts', 'webview/fl/messages.ts', 'webview/fl/html.ts'];

export const MAX_LINES = 400;

/** Known violations, each with the issue that removes it. Keep this list short; empty it. */
export const ALLOWED: { rule: Rule; file: string; why: string }[] = [
];

export type Rule = 'vscode' | 'core-outward' | 'layer' | 'format' | 'cli' | 'worker' | 'webview' | 'webview-host' | 'cycle' | 'lines' | 'stale-allow';

export interface Violation {
  rule: Rule;
  /** Repository-relative path of the importing (or too long) file. */
  file: string;
  message: string;
}

const ROOTS = ['src', 'webview', 'test', 'bench', 'scripts'];
const SKIP_DIRS = new Set(['node_modules', 'dist', '.work', 'test-output']);
const EXTENSIONS = ['.ts', '.mts', '.mjs', '.js'];

interface Module {
  file: string;
  lines: number;
  generated: boolean;
  /** Resolved repository-relative targets of relative imports, and bare package names. */
  imports: { target: string; external: boolean }[];
}

/** Every violation in the repository at `root`. */
export function checkImports(root: string): Violation[] {
  const modules = readModules(root);
  const found = [...ruleViolations(modules), ...cycles(modules)];
  const allowed = (v: Violation) => ALLOWED.some((a) => a.rule === v.rule && a.file === v.file);
  const out = found.filter((v) => !allowed(v));
  for (const a of ALLOWED) {
    if (!found.some((v) => v.rule === a.rule && v.file === a.file)) {
      out.push({ rule: 'stale-allow', file: a.file, message: `allowed '${a.rule}' violation is gone: remove it from ALLOWED in scripts/check-imports.ts` });
    }
  }
  return out;
}

function readModules(root: string): Module[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (SKIP_DIRS.has(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (EXTENSIONS.includes(path.extname(e.name)) && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  for (const r of ROOTS) if (fs.existsSync(path.join(root, r))) walk(path.join(root, r));
  return files.map((abs) => {
    const text = fs.readFileSync(abs, 'utf8');
    const imports = ts.preProcessFile(text, true, true).importedFiles.map((i) => {
      if (!i.fileName.startsWith('.')) return { target: i.fileName, external: true };
      const resolved = resolve(path.resolve(path.dirname(abs), i.fileName));
      return { target: rel(root, resolved ?? path.resolve(path.dirname(abs), i.fileName)), external: false };
    });
    const head = text.slice(0, 1000);
    return { file: rel(root, abs), lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), generated: head.includes('@generated by'), imports };
  });
}

function resolve(base: string): string | undefined {
  for (const c of [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => path.join(base, 'index' + e))]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return undefined;
}

const rel = (root: string, p: string) => path.relative(root, p).split(path.sep).join('/');
const under = (file: string, dir: string) => file.startsWith(dir + '/');

/** The core layer of a src/core file (undefined outside src/core); a file directly in src/core has layer ''. */
function coreLayer(file: string): string | undefined {
  if (!under(file, 'src/core')) return undefined;
  const parts = file.split('/');
  return parts.length > 3 ? parts[2] : '';
}

function formatFolder(file: string): string | undefined {
  const m = /^src\/core\/formats\/([^/]+)\//.exec(file);
  return m ? m[1] : undefined;
}

function ruleViolations(modules: Module[]): Violation[] {
  const out: Violation[] = [];
  const add = (rule: Rule, file: string, message: string) => out.push({ rule, file, message });
  for (const m of modules) {
    const f = m.file;
    if (!m.generated && m.lines > MAX_LINES) add('lines', f, `${m.lines} lines (at most ${MAX_LINES} for a hand-written module)`);
    const layer = coreLayer(f);
    if (layer !== undefined && !(CORE_LAYERS as readonly string[]).includes(layer)) {
      add('layer', f, `is in no core layer: put it in one of src/core/{${CORE_LAYERS.join(',')}}/`);
    }
    for (const { target: t, external } of m.imports) {
      if (external) {
        if ((t === 'vscode' || t.startsWith('vscode/')) && !under(f, 'src/extension') && !under(f, 'test')) add('vscode', f, `imports 'vscode' outside src/extension`);
        continue;
      }
      if (layer !== undefined) {
        const outward = ['src/worker', 'src/extension', 'src/cli'].find((d) => under(t, d)) ?? (under(t, 'webview') ? 'webview' : undefined);
        if (outward) add('core-outward', f, `imports ${t}: core never imports ${outward}`);
        const tl = coreLayer(t);
        if (tl !== undefined && layer !== '' && tl !== layer) {
          const [a, b] = [CORE_LAYERS.indexOf(layer as never), CORE_LAYERS.indexOf(tl as never)];
          if (a >= 0 && b > a) add('layer', f, `imports ${t}: ${layer} is below ${tl} (order: ${CORE_LAYERS.join(' < ')})`);
        }
        const fmt = formatFolder(f);
        if (fmt && under(t, 'src/core/formats') && formatFolder(t) !== fmt && t !== 'src/core/formats/format.ts') {
          add('format', f, `imports ${t}: a format folder imports only itself and src/core/formats/format.ts`);
        }
      }
      if (under(f, 'src/cli') && (under(t, 'src/worker') || under(t, 'src/extension'))) add('cli', f, `imports ${t}: the CLI calls core jobs, not the worker or the extension`);
      if (under(f, 'src/worker') && (under(t, 'src/extension') || under(t, 'src/cli'))) add('worker', f, `imports ${t}: the worker never imports the extension or the CLI`);
      if (under(f, 'webview') && !under(t, 'webview') && !WEBVIEW_SHARED.includes(t)) {
        add('webview', f, `imports ${t}: the webview imports only webview/ and ${WEBVIEW_SHARED.join(', ')}`);
      }
      if (under(f, 'src') && under(t, 'webview') && !WEBVIEW_HOST_FILES.includes(t)) {
        add('webview-host', f, `imports ${t}: outside webview/ only ${WEBVIEW_HOST_FILES.join(', ')} may be imported`);
      }
    }
  }
  return out;
}

/** One violation per import cycle (a strongly connected component of more than one module, or a self-import). */
function cycles(modules: Module[]): Violation[] {
  const graph = new Map(modules.map((m) => [m.file, m.imports.filter((i) => !i.external).map((i) => i.target)]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: Violation[] = [];
  let next = 0;
  // Tarjan's algorithm, iterative so deep import chains cannot overflow the stack.
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { v: string; i: number }[] = [{ v: start, i: 0 }];
    index.set(start, next); low.set(start, next++); stack.push(start); onStack.add(start);
    while (work.length) {
      const top = work[work.length - 1];
      const edges = graph.get(top.v) ?? [];
      if (top.i < edges.length) {
        const w = edges[top.i++];
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, next); low.set(w, next++); stack.push(w); onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) low.set(work[work.length - 1].v, Math.min(low.get(work[work.length - 1].v)!, low.get(top.v)!));
      if (low.get(top.v) === index.get(top.v)) {
        const scc: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== top.v);
        if (scc.length > 1 || edges.includes(top.v)) {
          scc.sort();
          out.push({ rule: 'cycle', file: scc[0], message: `import cycle: ${scc.join(' <-> ')}` });
        }
      }
    }
  }
  return out;
}

if (require.main === module) {
  const violations = checkImports(path.resolve(__dirname, '..'));
  for (const v of violations) process.stdout.write(`${v.file}: [${v.rule}] ${v.message}\n`);
  process.stdout.write(violations.length ? `${violations.length} import-rule violation(s)\n` : 'import rules: ok\n');
  process.exitCode = violations.length ? 1 : 0;
}
