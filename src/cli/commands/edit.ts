import * as path from 'node:path';
import { EditError, runEditJob, type EditJobResult, type ModelEdit } from '../../core/jobs/edit';
import { attributeValueFromText } from '../../core/passes/edit/attribute-text';
import { CliError, flag, str, strs, type Command } from '../command';
import { formatBytes } from '../../core/base/units';

const USAGE = `usage: edgewise edit MODEL [edits] [--out NEW] [--force] [--json]

Edits an ONNX model and writes the result to NEW (default: MODEL.edited.onnx beside MODEL; never
MODEL itself). Every edit is checked: one that would leave the model malformed is refused with the
reason, and nothing is written. Edits apply in the order listed here:

  --rename A=B            rename a tensor (input, output, any value), or a node when no tensor is named A
  --fix-dim [INPUT:]D=N   set the symbolic dim D (a name like 'batch', or with INPUT its index) to N,
                          in INPUT or in every input that has it
  --set-attr NODE:ATTR=V  set a node's attribute; V is a number, a list like [1,1] or a string
  --bypass NODE           remove NODE; its one data input feeds its consumers (refused when the type
                          or shape would change)
  --delete NODE           remove NODE and everything computed from it (and the outputs it fed)
  --add-output T[,T..]    make tensors graph outputs
  --fold-constants        replace Shape of static shapes and constant shape arithmetic by values
  --extract IN[,IN..]:OUT[,OUT..]
                          keep only the subgraph from tensors IN to tensors OUT (a new model)
The edit options repeat (--rename a=b --rename c=d). Nodes go by name.
`;

export const edit: Command = {
  name: 'edit',
  usage: USAGE,
  options: {
    rename: { type: 'string', multiple: true },
    'fix-dim': { type: 'string', multiple: true },
    'set-attr': { type: 'string', multiple: true },
    bypass: { type: 'string', multiple: true },
    delete: { type: 'string', multiple: true },
    'add-output': { type: 'string', multiple: true },
    'fold-constants': { type: 'boolean' },
    extract: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args, io) {
    const file = args.positionals[0];
    if (!file) throw new CliError('missing MODEL argument', 2);
    const edits: ModelEdit[] = [
      ...strs(args, 'rename').map((s): ModelEdit => { const [from, to] = pair(s, '=', '--rename A=B'); return { kind: 'rename', from, to }; }),
      ...strs(args, 'fix-dim').map(fixDim),
      ...strs(args, 'set-attr').map(setAttr),
      ...strs(args, 'bypass').map((node): ModelEdit => ({ kind: 'bypass', node })),
      ...strs(args, 'delete').map((node): ModelEdit => ({ kind: 'delete', node })),
      ...(strs(args, 'add-output').length ? [{ kind: 'addOutputs', tensors: strs(args, 'add-output').flatMap(list) } as ModelEdit] : []),
      ...(flag(args, 'fold-constants') ? [{ kind: 'foldConstants' } as ModelEdit] : []),
      ...(str(args, 'extract') ? [extract(str(args, 'extract')!)] : []),
    ];
    if (edits.length === 0) throw new CliError('no edit given: use --rename, --fix-dim, --set-attr, --bypass, --delete, --add-output, --fold-constants or --extract', 2);
    try {
      const result = await runEditJob(path.resolve(file), { edits, out: str(args, 'out'), force: flag(args, 'force'), signal: io.signal, progress: io.progress });
      io.out(flag(args, 'json') ? JSON.stringify(result, null, 2) : describe(result));
      return 0;
    } catch (e) {
      if (e instanceof EditError) throw new CliError(e.message);
      throw e;
    }
  },
};

function pair(text: string, sep: string, form: string): [string, string] {
  const at = text.lastIndexOf(sep);
  if (at <= 0 || at === text.length - 1) throw new CliError(`expected ${form}, got '${text}'`, 2);
  return [text.slice(0, at), text.slice(at + 1)];
}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);

function fixDim(text: string): ModelEdit {
  const [left, n] = pair(text, '=', '--fix-dim [INPUT:]DIM=N');
  const value = Number(n);
  if (!Number.isSafeInteger(value) || value < 1) throw new CliError(`--fix-dim ${text}: N must be a whole number of at least 1`, 2);
  const colon = left.lastIndexOf(':');
  const input = colon > 0 ? left.slice(0, colon) : undefined;
  const dim = colon > 0 ? left.slice(colon + 1) : left;
  return { kind: 'fixDim', dim: input !== undefined && /^\d+$/.test(dim) ? Number(dim) : dim, value, input };
}

function setAttr(text: string): ModelEdit {
  const [left, raw] = pair(text, '=', '--set-attr NODE:ATTR=VALUE');
  const [node, name] = pair(left, ':', '--set-attr NODE:ATTR=VALUE');
  return { kind: 'setAttribute', node, name, value: attributeValueFromText(raw) };
}

function extract(text: string): ModelEdit {
  const [inputs, outputs] = pair(text, ':', '--extract IN[,IN..]:OUT[,OUT..]');
  return { kind: 'extract', inputs: list(inputs), outputs: list(outputs) };
}

function describe(r: EditJobResult): string {
  return [
    ...r.edits.map((e) => `  ${e.description}`),
    `${r.nodesBefore} -> ${r.nodesAfter} nodes; inputs ${r.inputs.join(', ')}; outputs ${r.outputs.join(', ')}`,
    `wrote ${r.output} (${formatBytes(r.fileBytes)})`,
  ].join('\n');
}
