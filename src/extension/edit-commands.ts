/**
 * "Edgewise: Edit Model..." (graph view: inspector and toolbar; palette): picks an edit for the
 * selected node or the model, asks for what it needs, and applies it through the editor's
 * document (one step on VS Code's undo stack). Tests and other commands pass the edit itself.
 */
import * as vscode from 'vscode';
import type { ViewGraph, ViewNode } from '../core/graph/types';
import { attributeValueFromText } from '../core/passes/edit/attribute-text';
import type { ModelEdit } from '../core/passes/edit/types';
import type { EditedVersion } from '../worker/protocol';
import type { GraphPanels } from './graph-panels';
import type { ModelEditorProvider } from './model-editor';

export const EDIT_COMMAND = 'edgewise.editModel';
export const SAVE_COMMAND = 'edgewise.saveModel';

interface EditChoice extends vscode.QuickPickItem {
  make: () => Promise<ModelEdit | undefined>;
}

export function registerEditCommands(provider: ModelEditorProvider, panels: GraphPanels): vscode.Disposable[] {
  const save = vscode.commands.registerCommand(SAVE_COMMAND, async (target?: vscode.Uri) => {
    const panel = target ? panels.forFile(target)[0] : panels.active();
    const document = panel && provider.document(panel.uri);
    if (!panel || !document) return;
    if (!panel.webviewPanel.active) panel.webviewPanel.reveal();
    await provider.saveExplicitly(document);
  });
  return [save, vscode.commands.registerCommand(EDIT_COMMAND, async (target?: vscode.Uri, nodeId?: string, given?: ModelEdit): Promise<EditedVersion | undefined> => {
    const panel = target ? panels.forFile(target)[0] ?? (await panels.open(target)) : panels.active();
    if (!panel) {
      void vscode.window.showInformationMessage('Edgewise: open an ONNX model in the graph editor to edit it.');
      return undefined;
    }
    const document = provider.document(panel.uri);
    if (!document?.editable) {
      void vscode.window.showErrorMessage(`Edgewise: ${panel.uri.fsPath} cannot be edited: editing works on ONNX models (.onnx) on this machine.`);
      return undefined;
    }
    if (!(await panel.whenLoaded())) return undefined;
    const graph = panel.graph;
    if (!graph) return undefined;
    const edit = given ?? (await pickEdit(graph, graph.nodes.find((n) => n.id === (nodeId ?? panel.selection))));
    if (!edit) return undefined;
    try {
      return await provider.edit(document, edit);
    } catch (e) {
      // Refused edits say why (the checker's reasons); the model is unchanged.
      void vscode.window.showErrorMessage(`Edgewise: ${e instanceof Error ? e.message : String(e)}`);
      if (given) throw e;
      return undefined;
    }
  })];
}

async function pickEdit(graph: ViewGraph, node: ViewNode | undefined): Promise<ModelEdit | undefined> {
  const choices: EditChoice[] = [];
  if (node) {
    const label = `${node.opType} '${node.name || node.id}'`;
    choices.push(
      { label: 'Rename node...', description: label, make: async () => ask(`New name of ${label}`, node.name || node.id, (to) => ({ kind: 'rename', from: node.id, to, target: 'node' })) },
      { label: 'Set attribute...', description: label, make: () => attribute(node) },
      { label: 'Bypass node', description: label, detail: 'Removes it; its single data input feeds its consumers', make: async () => ({ kind: 'bypass', node: node.id }) },
      { label: 'Delete node', description: label, detail: 'Removes it and everything computed from it', make: async () => ({ kind: 'delete', node: node.id }) },
      { label: 'Add outputs', description: node.outputs.join(', '), detail: 'Makes this node\'s outputs graph outputs', make: async () => ({ kind: 'addOutputs', tensors: node.outputs.filter(Boolean) }) },
    );
  }
  choices.push(
    { label: 'Rename input or output...', make: () => renameIo(graph) },
    { label: 'Fix a symbolic dimension...', make: () => fixDim(graph) },
    { label: 'Extract subgraph...', detail: 'Keeps only what lies between the tensors you name', make: () => extract(graph) },
    { label: 'Fold constants', detail: 'Shape of static shapes, shape arithmetic on constants', make: async () => ({ kind: 'foldConstants' }) },
  );
  const pick = await vscode.window.showQuickPick(choices, { title: 'Edgewise: Edit Model', placeHolder: 'Every edit is checked, and undone with Undo' });
  return pick?.make();
}

async function ask(prompt: string, value: string, make: (text: string) => ModelEdit | undefined): Promise<ModelEdit | undefined> {
  const text = await vscode.window.showInputBox({ title: 'Edgewise: Edit Model', prompt, value, validateInput: (t) => (t.trim() ? undefined : 'Enter a value') });
  return text === undefined ? undefined : make(text.trim());
}

async function attribute(node: ViewNode): Promise<ModelEdit | undefined> {
  const other = { label: 'Another attribute...', value: '' };
  const pick = await vscode.window.showQuickPick([...node.attributes.map((a) => ({ label: a.name, description: `${a.type} = ${a.value}`, value: a.value })), other],
    { title: `Set an attribute of ${node.opType} '${node.name || node.id}'` });
  if (!pick) return undefined;
  const name = pick === other ? await vscode.window.showInputBox({ prompt: 'Attribute name' }) : pick.label;
  if (!name) return undefined;
  return ask(`Value of ${name} (a number, a JSON list, or text)`, pick.value, (text) => ({ kind: 'setAttribute', node: node.id, name, value: attributeValueFromText(text) }));
}

async function renameIo(graph: ViewGraph): Promise<ModelEdit | undefined> {
  const items = [...graph.inputs.map((v) => ({ label: v.name, description: 'input' })), ...graph.outputs.map((v) => ({ label: v.name, description: 'output' }))];
  const pick = await vscode.window.showQuickPick(items, { title: 'Rename an input or output' });
  return pick && ask(`New name of ${pick.description} '${pick.label}'`, pick.label, (to) => ({ kind: 'rename', from: pick.label, to, target: 'value' }));
}

async function fixDim(graph: ViewGraph): Promise<ModelEdit | undefined> {
  const items = graph.inputs.flatMap((v) => (v.shape ?? []).map((d, i) => ({ d, i })).filter(({ d }) => typeof d === 'string')
    .map(({ d, i }) => ({ label: String(d), description: `${v.name}, dimension ${i}`, input: v.name })));
  if (!items.length) {
    void vscode.window.showInformationMessage('Edgewise: every input dimension of this model is already a number.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(items, { title: 'Fix a symbolic dimension of one input' });
  if (!pick) return undefined;
  const text = await vscode.window.showInputBox({ prompt: `Value of ${pick.label} in ${pick.input}`, value: '1', validateInput: (t) => (/^[1-9]\d*$/.test(t.trim()) ? undefined : 'A whole number of at least 1') });
  return text === undefined ? undefined : { kind: 'fixDim', dim: pick.label, value: Number(text), input: pick.input };
}

async function extract(graph: ViewGraph): Promise<ModelEdit | undefined> {
  const value = `${graph.inputs.map((v) => v.name).join(',')}:${graph.outputs.map((v) => v.name).join(',')}`;
  return ask('Tensors the subgraph starts and ends at: IN[,IN..]:OUT[,OUT..]', value, (text) => {
    const at = text.lastIndexOf(':');
    const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
    return at > 0 ? { kind: 'extract', inputs: list(text.slice(0, at)), outputs: list(text.slice(at + 1)) } : undefined;
  });
}
