import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CompareOutcome } from '../../../src/extension/compare';
import { closeAllEditors, edgewise, hasUiBridge, screenshot, untilInWebview, workbenchText, workspaceFile } from './helpers';

/** Polls `fn` in the graph webviews (both are visible side by side): the first truthy answer. */
const inGraphs = <T>(fn: string) => untilInWebview<T>('#edgewise-root', fn);

const until = async (what: string, ok: () => boolean, timeoutMs = 30_000) => {
  for (const end = Date.now() + timeoutMs; !ok(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
};

describe('Compare Models...', function () {
  this.timeout(180_000);
  afterEach(closeAllEditors);

  it('diffs a float model with its INT8 version in the worker and shows both graphs side by side with the diff', async () => {
    const api = await edgewise();
    const a = workspaceFile('fmnist_mobilenet.onnx'), b = workspaceFile('fmnist_mobilenet.int8.onnx');
    // As the Explorer calls it with two models selected (the derived one first: the command puts the source in A).
    const outcome = await vscode.commands.executeCommand<CompareOutcome>('edgewise.compareModels', b, [b, a]);
    assert.ok(outcome, 'the comparison ran');
    const { diff, panels } = outcome;
    assert.equal(diff.a.file, a.fsPath);
    assert.equal(diff.b.file, b.fsPath);
    assert.ok(diff.matched.share >= 0.99, `matched ${diff.matched.share}`);
    assert.ok(diff.counts.rewritten > 0 && diff.entries.some((e) => e.rewrites?.includes('quantized')));
    assert.equal(panels.a.webviewPanel.viewColumn, vscode.ViewColumn.One);
    assert.equal(panels.b.webviewPanel.viewColumn, vscode.ViewColumn.Two);
    assert.deepEqual([panels.a.overlayIds().includes('diff'), panels.b.overlayIds().includes('diff')], [true, true]);
    await Promise.all([panels.a.whenLoaded(), panels.b.whenLoaded()]);
    if (!hasUiBridge()) return;
    const legend = await inGraphs<string>(
      `() => globalThis.edgewise?.activeOverlay === 'diff' && document.querySelectorAll('.legend-category').length === 5 && document.querySelector('.legend')?.textContent`);
    assert.match(legend, /rewritten \d+/);

    // Stepping to a difference selects it in both graphs; the inspector shows the other side.
    const session = api.compare.current()!;
    const first = diff.entries.findIndex((e) => e.status === 'rewritten' && e.a && e.b && e.opA === 'Conv');
    const index = diff.entries.filter((e) => e.status !== 'unchanged').indexOf(diff.entries[first]);
    await session.go(index);
    const entry = diff.entries[first];
    await until('both views to select the pair', () => panels.a.selection === entry.a && panels.b.selection === entry.b);
    const notes = await inGraphs<string>(`() => [...document.querySelectorAll('.inspector h3')].some((h) => h.textContent === 'Compared') && document.querySelector('.inspector .notes')?.textContent`);
    assert.match(notes, /matched by (name|structure|output)/);
    assert.match(notes, /max \|a - b\|/);

    // Selecting a node in A selects its counterpart in B.
    const other = diff.entries.find((e) => e.a && e.b && e.a !== entry.a && e.opA === 'Conv')!;
    await panels.a.reveal(other.a!);
    await until('B to follow A', () => panels.b.selection === other.b);
    // Both views have drawn their graph (the webview reports each frame it settles).
    const [ta, tb] = await Promise.all([panels.a.whenDrawn(), panels.b.whenDrawn()]);
    assert.ok(ta.view!.settledAt > 0 && tb.view!.settledAt > 0);
    await screenshot('compare-models');
    await workbenchText('.sidebar', 'Model Differences');
  });

  it('is offered in the Explorer for models and in the Model Differences view', () => {
    const pkg = vscode.extensions.getExtension('edgewise.edgewise')!.packageJSON as {
      contributes: { menus: Record<string, { command: string; when?: string }[]>; views: Record<string, { id: string }[]> };
    };
    const item = pkg.contributes.menus['explorer/context'].find((m) => m.command === 'edgewise.compareModels');
    assert.ok(item && /resourceExtname == \.onnx/.test(item.when ?? '') && /\.tflite/.test(item.when ?? ''));
    assert.ok(pkg.contributes.views.edgewise.some((v) => v.id === 'edgewise.differences'));
    assert.ok(pkg.contributes.menus['view/title'].some((m) => m.command === 'edgewise.nextDifference'));
  });
});
