/**
 * Prints a model in ONNX's textual syntax (the grammar of onnx.parser / onnx.printer), one node per
 * line, so an editor can show it and pin diagnostics to node lines.
 *
 * What the text keeps and what it summarises:
 * - Value names that are not identifiers ([A-Za-z_][A-Za-z0-9_]*, e.g. PyTorch's
 *   `/features/0/Conv_output_0`) are rewritten to identifiers; `names` maps original -> printed.
 * - Each node's own name follows it as a `# name` comment (the grammar has no node names).
 * - Initializers with at most `inlineLimit` elements are printed with their values; larger ones
 *   are declared by type and shape only (`float[16,1,3,3] W`, a `# 144 values elided` comment),
 *   which a parser reads back as value_info, not as an initializer.
 * - Tensor attributes with more than `inlineLimit` elements print as an empty `{}` body plus a
 *   comment; empty list attributes (the grammar cannot type them) are left out with a comment.
 */
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, TypeProto, ValueInfoProto } from './proto/onnx_pb';
import { AttributeProto_AttributeType as AttrType } from './proto/onnx_pb';
import type { Model } from './model';
import { elementCount, tensorByteLength } from './tensor';
import { DataType, dtypeName } from '../../tensor/dtypes';
import { nodeIds } from './node-id';
import { valueRecord } from '../../graph/types';

export interface TextOptions {
  /** Tensors with at most this many elements are printed in full (default 16). */
  inlineLimit?: number;
}

export interface ModelText {
  text: string;
  /** ViewNode.id of each main-graph node -> its 0-based line. */
  nodeLines: Record<string, number>;
  /** 0-based line -> ViewNode.id, for main-graph node lines only. */
  lineNodes: Record<number, string>;
  /** Original value name -> the identifier printed for it (only names that had to change). */
  names: Record<string, string>;
}

const TYPE_NAMES: Record<number, string> = {
  [DataType.float32]: 'float', [DataType.uint8]: 'uint8', [DataType.int8]: 'int8', [DataType.uint16]: 'uint16',
  [DataType.int16]: 'int16', [DataType.int32]: 'int32', [DataType.int64]: 'int64', [DataType.string]: 'string',
  [DataType.bool]: 'bool', [DataType.float16]: 'float16', [DataType.float64]: 'double', [DataType.uint32]: 'uint32',
  [DataType.uint64]: 'uint64', [DataType.complex64]: 'complex64', [DataType.complex128]: 'complex128',
  [DataType.bfloat16]: 'bfloat16',
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Turns arbitrary value names into unique identifiers, keeping valid ones as they are. */
class Identifiers {
  private readonly map = new Map<string, string>();
  private readonly used = new Set<string>();
  readonly changed: Record<string, string> = {};

  constructor(reserved: Iterable<string>) {
    for (const r of reserved) if (IDENT.test(r)) { this.map.set(r, r); this.used.add(r); }
  }

  get(name: string): string {
    if (name === '') return '';
    let id = this.map.get(name);
    if (id) return id;
    let base = name.replace(/^[^A-Za-z0-9_]+/, '').replace(/[^A-Za-z0-9_]+/g, '_') || 'v';
    if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
    id = base;
    for (let k = 1; this.used.has(id); k++) id = `${base}_${k}`;
    this.used.add(id);
    this.map.set(name, id);
    this.changed[name] = id;
    return id;
  }
}

/** Prints a number so the parser reads back a float (never an int literal) of the same float32. */
export function floatLiteral(x: number): string {
  if (!Number.isFinite(x)) return '0.0';
  const f = Math.fround(x);
  let s = String(f);
  for (let p = 1; p <= 9; p++) {
    const t = f.toPrecision(p);
    if (Math.fround(Number(t)) === f) { s = String(Number(t)); break; }
  }
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function stringLiteral(s: string): string {
  // The 1.12 parser has no escapes: a quote would end the string early.
  return `"${s.replace(/"/g, "'").replace(/\n/g, ' ')}"`;
}

class Printer {
  private readonly lines: string[] = [];
  private readonly limit: number;

  constructor(private readonly model: Model, private readonly ids: Identifiers, options: TextOptions) {
    this.limit = options.inlineLimit ?? 16;
  }

  print(): ModelText {
    const proto: ModelProto = this.model.proto;
    const header = [`ir_version: ${Number(proto.irVersion)}`];
    const opsets = proto.opsetImport.map((o) => `${stringLiteral(o.domain === 'ai.onnx' ? '' : o.domain)} : ${Number(o.version)}`);
    header.push(`opset_import: [${opsets.join(', ')}]`);
    if (proto.producerName) header.push(`producer_name: ${stringLiteral(proto.producerName)}`);
    if (proto.producerVersion) header.push(`producer_version: ${stringLiteral(proto.producerVersion)}`);
    this.lines.push(`<${header.join(', ')}>`);
    const nodeLines = valueRecord<number>();
    const lineNodes: Record<number, string> = {};
    const graphIds = nodeIds(this.model.graph.nodes);
    this.graph(this.model.graph.proto, '', (i, line) => {
      nodeLines[graphIds[i]] = line;
      lineNodes[line] = graphIds[i];
    });
    if (proto.functions.length) this.lines.push(`# ${proto.functions.length} model-local function(s) not shown`);
    return { text: this.lines.join('\n') + '\n', nodeLines, lineNodes, names: this.ids.changed };
  }

  /** Prints a graph; its last line ends with '}' and the caller may append to it. */
  private graph(g: GraphProto, indent: string, onNode?: (index: number, line: number) => void): void {
    const inits = new Map(g.initializer.map((t) => [t.name, t]));
    const inputs = g.input.map((v) => this.valueInfo(v));
    const outputs = g.output.map((v) => this.valueInfo(v));
    const name = this.ids.get(g.name || 'graph');
    this.lines.push(`${indent}${name} (${inputs.join(', ')}) => (${outputs.join(', ')})`);
    const inputNames = new Set(g.input.map((v) => v.name));
    const own = g.initializer.filter((t) => !inputNames.has(t.name));
    if (own.length) {
      this.lines.push(`${indent}<`);
      own.forEach((t, i) => this.lines.push(`${indent}  ${this.initializer(t, i === own.length - 1)}`));
      this.lines.push(`${indent}>`);
    }
    void inits;
    this.lines.push(`${indent}{`);
    g.node.forEach((n, i) => {
      onNode?.(i, this.lines.length);
      this.node(n, `${indent}  `);
    });
    this.lines.push(`${indent}}`);
  }

  private node(n: NodeProto, indent: string): void {
    const outs = n.output.map((o) => this.ids.get(o)).join(', ');
    const op = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
    let inputs = [...n.input];
    while (inputs.length && inputs[inputs.length - 1] === '') inputs.pop();
    inputs = inputs.map((i) => this.ids.get(i));
    const notes: string[] = [];
    if (n.name) notes.push(n.name);
    const attrs: string[] = [];
    let graphAttrs: AttributeProto[] = [];
    for (const a of n.attribute) {
      if (a.type === AttrType.GRAPH) { graphAttrs.push(a); continue; }
      const text = this.attribute(a, notes);
      if (text !== undefined) attrs.push(text);
    }
    const attrText = attrs.length || graphAttrs.length ? ` <${attrs.join(', ')}` : '';
    const comment = notes.length ? `  # ${notes.join('; ').replace(/\n/g, ' ')}` : '';
    if (!graphAttrs.length) {
      this.lines.push(`${indent}${outs} = ${op}${attrText ? `${attrText}>` : ''} (${inputs.join(', ')})${comment}`);
      return;
    }
    // Graph attributes span lines: `out = If <then_branch = g1 (...) => (...) {...}, else_branch = ...> (cond)`.
    this.lines.push(`${indent}${outs} = ${op}${attrText}${attrs.length ? ',' : ''}${comment}`);
    graphAttrs.forEach((a, k) => {
      this.lines.push(`${indent}  ${a.name} =`);
      this.graph(a.g!, `${indent}    `);
      if (k < graphAttrs.length - 1) this.lines[this.lines.length - 1] += ',';
    });
    this.lines.push(`${indent}> (${inputs.join(', ')})`);
    graphAttrs = [];
  }

  private attribute(a: AttributeProto, notes: string[]): string | undefined {
    const list = (items: string[]): string | undefined => {
      if (items.length === 0) { notes.push(`${a.name} = [] not shown`); return undefined; }
      return `${a.name} = [${items.join(', ')}]`;
    };
    switch (a.type) {
      case AttrType.INT: return `${a.name} = ${Number(a.i)}`;
      case AttrType.FLOAT: return `${a.name} = ${floatLiteral(a.f)}`;
      case AttrType.STRING: return `${a.name} = ${stringLiteral(new TextDecoder().decode(a.s))}`;
      case AttrType.INTS: return list(a.ints.map((x) => String(Number(x))));
      case AttrType.FLOATS: return list(a.floats.map(floatLiteral));
      case AttrType.STRINGS: return list(a.strings.map((s) => stringLiteral(new TextDecoder().decode(s))));
      case AttrType.TENSOR: {
        const t = a.t!;
        const { body, note } = this.tensorBody(t);
        if (note) notes.push(`${a.name}: ${note}`);
        return `${a.name} = ${this.tensorType(t)} ${body}`;
      }
      default:
        notes.push(`${a.name}: ${AttrType[a.type] ?? a.type} attribute not shown`);
        return undefined;
    }
  }

  private initializer(t: TensorProto, last: boolean): string {
    const decl = `${this.tensorType(t)} ${this.ids.get(t.name)}`;
    const comma = last ? '' : ',';
    const { body, note } = this.tensorBody(t);
    if (note) return `${decl}${comma}  # ${note}`;
    return `${decl} = ${body}${comma}`;
  }

  /** `{1, 2, 3}`, or `{}` with a note saying what was elided. */
  private tensorBody(t: TensorProto): { body: string; note?: string } {
    const count = elementCount(t);
    const type = TYPE_NAMES[t.dataType];
    const values = count <= this.limit && type && t.dataType !== DataType.float16 && t.dataType !== DataType.bfloat16
      ? this.values(t) : undefined;
    if (values) return { body: `{${values.join(', ')}}` };
    return { body: '{}', note: `${count} ${dtypeName(t.dataType)} values elided (${tensorByteLength(t)} bytes)` };
  }

  private values(t: TensorProto): string[] | undefined {
    let data;
    try {
      data = this.model.tensorData(t);
    } catch {
      return undefined;
    }
    const out: string[] = [];
    const isFloat = t.dataType === DataType.float32 || t.dataType === DataType.float64;
    for (const v of data as Iterable<unknown>) {
      if (typeof v === 'string') out.push(stringLiteral(v));
      else if (typeof v === 'bigint') out.push(String(v));
      else if (typeof v === 'number') {
        if (!Number.isFinite(v)) return undefined;
        out.push(isFloat ? floatLiteral(v) : String(v));
      } else if (typeof v === 'boolean') out.push(v ? '1' : '0');
      else return undefined;
    }
    return out;
  }

  private tensorType(t: TensorProto): string {
    const type = TYPE_NAMES[t.dataType] ?? 'float';
    return t.dims.length ? `${type}[${t.dims.map(Number).join(',')}]` : type;
  }

  private valueInfo(v: ValueInfoProto): string {
    const type = v.type ? this.type(v.type) : undefined;
    return type ? `${type} ${this.ids.get(v.name)}` : this.ids.get(v.name);
  }

  private type(tp: TypeProto): string | undefined {
    const value = tp.value;
    switch (value.case) {
      case 'tensorType': {
        const name = TYPE_NAMES[value.value.elemType];
        if (!name) return undefined;
        const shape = value.value.shape;
        if (!shape) return `${name}[]`;
        if (shape.dim.length === 0) return name;
        const dims = shape.dim.map((d) => {
          if (d.value.case === 'dimValue') return String(Number(d.value.value));
          if (d.value.case === 'dimParam') return this.ids.get(d.value.value);
          return '?';
        });
        return `${name}[${dims.join(',')}]`;
      }
      case 'sequenceType': {
        const inner = value.value.elemType ? this.type(value.value.elemType) : undefined;
        return inner ? `seq(${inner})` : undefined;
      }
      case 'optionalType': {
        const inner = value.value.elemType ? this.type(value.value.elemType) : undefined;
        return inner ? `optional(${inner})` : undefined;
      }
      default:
        return undefined;
    }
  }
}

/** The model as ONNX text, with the line of every main-graph node. */
export function modelToText(model: Model, options: TextOptions = {}): ModelText {
  const reserved: string[] = [];
  for (const g of model.allGraphs()) {
    for (const v of [...g.proto.input, ...g.proto.output]) reserved.push(v.name);
    for (const n of g.proto.node) reserved.push(...n.output);
    for (const t of g.proto.initializer) reserved.push(t.name);
  }
  return new Printer(model, new Identifiers(reserved), options).print();
}
