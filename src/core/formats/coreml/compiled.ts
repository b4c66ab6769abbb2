import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreMLFormatError } from './errors';
import { insidePackage } from './package';
import { InputFileError, readInputText } from '../../base/input-file';
import { pushAll } from '../../base/arrays';
import { formatBytes } from '../../base/units';

/** model.mil is the program as text (weights live in blob files); metadata.json a few fields. */
const TEXT_LIMITS: Record<string, number> = { 'model.mil': 256 << 20, 'metadata.json': 16 << 20 };

/**
 * A compiled model folder (.mlmodelc) as far as it can be read honestly: `model.mil` (the ML
 * Program as text, when the model is one) and `metadata.json`. `coremldata.bin` and the rest are
 * Apple's compiled formats; they are listed, not decoded: a compiled folder is not a source model.
 */
export interface CompiledModel {
  milText?: string;
  program?: MilTextProgram;
  metadata?: Record<string, unknown>;
  /** Files of the folder (relative paths) that are not read. */
  opaqueFiles: string[];
}

export interface MilTextValue { type: string; name: string }

export interface MilTextOp {
  op: string;
  outputs: MilTextValue[];
  /** Parameter -> names of values it reads (variadic parameters list several). */
  inputs: [string, string[]][];
  /** Parameters bound to literals, and the op's bracketed attributes (name, val...). */
  literals: [string, string][];
  blocks: MilTextBlock[];
}

export interface MilTextBlock { inputs: MilTextValue[]; ops: MilTextOp[]; outputs: string[] }
export interface MilTextFunction extends MilTextBlock { name: string; opset: string }
export interface MilTextProgram { version: string; functions: MilTextFunction[] }

export function readCompiled(folder: string): CompiledModel {
  const files = listFiles(folder);
  const read = (rel: string): string | undefined => {
    if (!files.includes(rel)) return undefined;
    const file = insidePackage(folder, rel, folder, rel);
    try {
      return readInputText(file, { what: rel, limit: { bytes: TEXT_LIMITS[rel], why: `more than a compiled model's ${rel} holds (${formatBytes(TEXT_LIMITS[rel])})` } });
    } catch (e) {
      throw e instanceof InputFileError ? new CoreMLFormatError(file, e.problem) : e;
    }
  };
  const out: CompiledModel = { opaqueFiles: files.filter((f) => f !== 'model.mil' && f !== 'metadata.json') };
  const metaText = read('metadata.json');
  if (metaText !== undefined) {
    try {
      const parsed = JSON.parse(metaText) as unknown;
      const first = Array.isArray(parsed) ? parsed[0] : parsed;
      if (first && typeof first === 'object') out.metadata = first as Record<string, unknown>;
    } catch (e) {
      throw new CoreMLFormatError(path.join(folder, 'metadata.json'), `is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  out.milText = read('model.mil');
  if (out.milText !== undefined) out.program = parseMilText(out.milText, path.join(folder, 'model.mil'));
  if (!out.metadata && !out.program) {
    throw new CoreMLFormatError(folder, 'has neither model.mil nor metadata.json: nothing of this compiled model can be read (compiled files are not a source model)');
  }
  return out;
}

function listFiles(folder: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(folder, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) pushAll(out, listFiles(folder, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}

const FUNC = /^func\s+([A-Za-z_][\w]*)\s*(?:<([^>]*)>)?\s*\((.*)\)\s*\{$/;
const CLOSE = /^\}\s*->\s*\((.*)\)\s*;?$/;

/** Parses the statements of MIL text: functions, ops (`type name = op(args)[attrs];`), nested blocks. */
export function parseMilText(text: string, file: string): MilTextProgram {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const version = /^program\(([^)]*)\)/.exec(lines[0] ?? '')?.[1];
  if (version === undefined) throw new CoreMLFormatError(file, 'does not start with program(...): not MIL text');
  const functions: MilTextFunction[] = [];
  const stack: MilTextBlock[] = [];
  let lastOp: MilTextOp | undefined;
  for (const line of lines.slice(1)) {
    const f = FUNC.exec(line);
    if (f) {
      const fn: MilTextFunction = { name: f[1], opset: f[2] ?? '', inputs: parseParams(f[3]), ops: [], outputs: [] };
      functions.push(fn);
      stack.push(fn);
      continue;
    }
    const close = CLOSE.exec(line);
    if (close) {
      const b = stack.pop();
      if (b) b.outputs = splitTop(close[1]).map((s) => s.trim()).filter(Boolean);
      continue;
    }
    const block = stack[stack.length - 1];
    if (!block) continue; // program attributes and braces outside functions
    if (line.endsWith('{') && lastOp) {
      // A nested block of the op before it (cond / while_loop bodies): `name(args) {` or `{`.
      const params = /\((.*)\)\s*\{$/.exec(line)?.[1];
      const nested: MilTextBlock = { inputs: params ? parseParams(params) : [], ops: [], outputs: [] };
      lastOp.blocks.push(nested);
      stack.push(nested);
      continue;
    }
    const op = parseOp(line);
    if (op) {
      block.ops.push(op);
      lastOp = op;
    }
  }
  return { version, functions };
}

/** `tensor<fp16, [1, 10]> x, tensor<fp16, [1, 10]> y` -> typed names. */
function parseParams(text: string): MilTextValue[] {
  return splitTop(text).map((p) => p.trim()).filter(Boolean).map((p) => {
    const at = p.lastIndexOf(' ');
    return { type: p.slice(0, at).trim(), name: p.slice(at + 1).trim() };
  });
}

const IDENT = /^[A-Za-z_][\w@]*$/;

function parseOp(line: string): MilTextOp | undefined {
  const eq = topLevelIndex(line, '=');
  if (eq < 0) return undefined;
  const outputs = parseParams(line.slice(0, eq));
  const rest = line.slice(eq + 1).trim();
  const m = /^([A-Za-z_][\w.]*)\s*\(/.exec(rest);
  if (!m) return undefined;
  const argsEnd = matching(rest, m[0].length - 1);
  const args = rest.slice(m[0].length, argsEnd);
  const inputs: [string, string[]][] = [];
  const literals: [string, string][] = [];
  for (const a of splitTop(args)) {
    const k = topLevelIndex(a, '=');
    if (k < 0) continue;
    const key = a.slice(0, k).trim();
    let value = a.slice(k + 1).trim();
    if (value.startsWith('(') && value.endsWith(')')) value = value.slice(1, -1);
    const parts = splitTop(value).map((s) => s.trim());
    if (parts.length > 0 && parts.every((p) => IDENT.test(p) && p !== 'true' && p !== 'false')) inputs.push([key, parts]);
    else literals.push([key, value]);
  }
  const attrs = /^\s*\[(.*)\]\s*;?\s*$/.exec(rest.slice(argsEnd + 1))?.[1];
  if (attrs) {
    for (const a of splitTop(attrs)) {
      const k = topLevelIndex(a, '=');
      if (k >= 0) literals.push([a.slice(0, k).trim(), a.slice(k + 1).trim()]);
    }
  }
  return { op: m[1], outputs, inputs, literals, blocks: [] };
}

/** Splits on commas outside brackets, parentheses, braces and strings. */
function splitTop(text: string): string[] {
  const out: string[] = [];
  let depth = 0, start = 0, quote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quote = !quote;
    if (quote) continue;
    if ('([{<'.includes(c)) depth++;
    else if (')]}>'.includes(c)) depth--;
    else if (c === ',' && depth === 0) { out.push(text.slice(start, i)); start = i + 1; }
  }
  if (text.slice(start).trim()) out.push(text.slice(start));
  return out;
}

function topLevelIndex(text: string, ch: string): number {
  let depth = 0, quote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quote = !quote;
    if (quote) continue;
    if ('([{<'.includes(c)) depth++;
    else if (')]}>'.includes(c)) depth--;
    else if (c === ch && depth === 0) return i;
  }
  return -1;
}

function matching(text: string, open: number): number {
  let depth = 0, quote = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && text[i - 1] !== '\\') quote = !quote;
    if (quote) continue;
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return text.length;
}
