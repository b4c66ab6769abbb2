/**
 * What PyTorch's ONNX exporter (torch.onnx.export, dynamo) writes into each node's metadata_props
 * about where the node came from. Each value is the Python repr() of a list, or a traceback text:
 *   pkg.torch.onnx.name_scopes      ['', 'encoder', 'encoder.layers.0', 'linear_3']: the module
 *                                   paths from the root ('') down, then the FX node's own name;
 *   pkg.torch.onnx.class_hierarchy  ['m.Net', 'm.Encoder', 'm.Block', 'aten.linear.default']: the
 *                                   same modules' classes, then the op;
 *   pkg.torch.onnx.stack_trace      'File "/src/m.py", line 12, in forward\n    return ...', the
 *                                   outermost call first ('' when torch had none).
 */
import type { SourceFrame } from '../../graph/types';

export const TORCH_NAME_SCOPES = 'pkg.torch.onnx.name_scopes';
export const TORCH_CLASS_HIERARCHY = 'pkg.torch.onnx.class_hierarchy';
export const TORCH_STACK_TRACE = 'pkg.torch.onnx.stack_trace';

/** Parses "['', 'encoder', 'layers.0']" (a Python list literal of strings) or a JSON array of strings; null when it is neither. */
export function parseStringList(text: string): string[] | null {
  const out: string[] = [];
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.push((m[1] ?? m[2]).replace(/\\(.)/g, '$1'));
  if (out.length === 0 && !/^\s*\[\s*\]\s*$/.test(text)) return null;
  return out;
}

/**
 * The module a node was made in, as hierarchy segments: the name-scope list without its root ('')
 * and its last entry (the FX node, not a module), each path relative to its parent's
 * (['encoder', 'encoder.layers.0'] -> ['encoder', 'layers.0']). Null when the text is not a list.
 */
export function torchModuleScope(nameScopes: string): string[] | null {
  const list = parseStringList(nameScopes);
  if (!list) return null;
  const modules = list.slice(0, -1);
  const out: string[] = [];
  let parent = '';
  for (const path of modules) {
    if (!path || path === parent) continue;
    out.push(parent && path.startsWith(`${parent}.`) ? path.slice(parent.length + 1) : path);
    parent = path;
  }
  return out;
}

/** The innermost module's path and class ('encoder.layers.0', 'm.Block'); undefined at the root or without the metadata. */
export function torchModule(nameScopes: string | undefined, classes: string | undefined): { path: string; className?: string } | undefined {
  const list = nameScopes !== undefined ? parseStringList(nameScopes) : null;
  if (!list || list.length < 2) return undefined;
  const i = list.length - 2;
  if (!list[i]) return undefined;
  const classList = classes !== undefined ? parseStringList(classes) : null;
  const className = classList?.length === list.length ? classList[i] : undefined;
  return className ? { path: list[i], className } : { path: list[i] };
}

/**
 * The frames of a Python traceback text ('File "p.py", line 3, in f' lines, each optionally
 * followed by its code line), in the text's order. A frame inside an installed package or the
 * standard library is marked `library`.
 */
export function parseStackTrace(text: string): SourceFrame[] {
  const frames: SourceFrame[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*File "(.+)", line (\d+), in (.+?)\s*$/.exec(lines[i]);
    if (!m) continue;
    const frame: SourceFrame = { file: m[1], line: Number(m[2]), function: m[3] };
    const next = lines[i + 1];
    if (next !== undefined && next.trim() && !/^\s*File "/.test(next)) frame.code = next.trim();
    if (isLibraryFile(frame.file)) frame.library = true;
    frames.push(frame);
  }
  return frames;
}

function isLibraryFile(file: string): boolean {
  return /[\\/](site|dist)-packages[\\/]/.test(file) || /[\\/]lib[\\/]python\d+(\.\d+)?[\\/]/i.test(file) || file.startsWith('<');
}
