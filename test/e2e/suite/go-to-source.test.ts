import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { BenchmarkResponse } from '../../../src/worker/protocol';
import type { SourceOutcome } from '../../../src/extension/go-to-source';
import { formatBytes } from '../../../src/core/base/units';
import { clickNotificationButton, closeAllEditors, edgewise, hasUiBridge, openGraph, screenshot, untilInGraphWebview, workspaceFile } from './helpers';

/** Selects a node in the graph view and returns its Memory and Source sections' text once its details are there. */
function selectNode(id: string, contains: string): Promise<string> {
  return untilInGraphWebview<string>(`() => {
    const app = globalThis.edgewise;
    if (globalThis.__asked !== ${JSON.stringify(id)}) { globalThis.__asked = ${JSON.stringify(id)}; void app.revealNode(${JSON.stringify(id)}); return false; }
    const text = document.querySelector('.node-facts')?.textContent ?? '';
    return text.includes(${JSON.stringify(contains)}) && text;
  }`);
}

/** Clicks in the graph view (`selector`, the `index`th match); `answer`: the extension's answer to the Go to source it posts. */
async function clickSource(panel: Awaited<ReturnType<typeof openGraph>>, selector: string, index = 0): Promise<{ answer: Promise<SourceOutcome | undefined> }> {
  const answer = new Promise<SourceOutcome | undefined>((resolve) => { const sub = panel.onDidGoToSource((o) => { sub.dispose(); resolve(o); }); });
  await untilInGraphWebview(`() => { const el = document.querySelectorAll(${JSON.stringify(selector)})[${index}]; if (el) el.click(); return !!el; }`);
  return { answer };
}

describe('Go to source and module groups from PyTorch exporter metadata', () => {
  afterEach(closeAllEditors);

  it('groups an export by module, shows a node\'s memory beside the measured peak RSS, and opens its source line', async function () {
    if (!hasUiBridge()) return this.skip();
    const api = await edgewise();
    const panel = await openGraph('torch_net/net.onnx');
    const groups = await untilInGraphWebview<string>('() => { const g = globalThis.edgewise?.model?.hierarchy.groups; return g && [...g.keys()].sort().join(",") }');
    assert.equal(groups, ',encoder,encoder/0,encoder/2,head');

    const before = await selectNode('node_linear_2', 'Go to source');
    assert.ok(before.includes('Measured peak RSSnot measured: Benchmark Model measures it'), before);
    assert.ok(before.includes('Modulehead (Linear)'), before);
    await screenshot('go-to-source-inspector');

    // The model's own line: opened beside the graph, the cursor on it.
    const opened = await (await clickSource(panel, '.go-to-source')).answer;
    const source = workspaceFile('torch_net/model.py').fsPath;
    assert.deepEqual(opened, { kind: 'opened', file: source, line: 13 });
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, source);
    assert.equal(editor?.selection.active.line, 12);
    assert.match(editor.document.lineAt(12).text, /return torch\.softmax\(self\.head\(h\), dim=-1\)/);

    // torch's linear.py exists, outside the workspace: said so, and opened only once the user says so.
    const outside = await clickSource(panel, 'ol.frames li a', 1);
    let answered = false;
    void outside.answer.then(() => { answered = true; });
    // Test runs do not pop notifications up as toasts: the notification center shows them.
    await vscode.commands.executeCommand('notifications.showList');
    const note = await clickNotificationButton('is outside the workspace', 'Open');
    assert.match(note, /site-packages\/torch\/nn\/modules\/linear\.py is outside the workspace/);
    assert.equal(answered, false, 'nothing opened before the user chose');
    const chosen = await outside.answer;
    assert.equal(chosen?.kind, 'opened');
    assert.match(vscode.window.activeTextEditor?.document.uri.fsPath ?? '', /site-packages\/torch\/nn\/modules\/linear\.py$/);
    assert.equal(vscode.window.activeTextEditor?.selection.active.line, 124);
    await vscode.commands.executeCommand('notifications.hideList');
    // container.py is on no path here nor in the workspace: said so, nothing opened.
    await selectNode('node_relu', 'container.py');
    const missing = await (await clickSource(panel, 'ol.frames li a', 1)).answer;
    assert.equal(missing?.kind, 'missing');

    // A benchmark measures the peak RSS; the inspector shows it beside the next node's memory.
    const bench = await vscode.commands.executeCommand<BenchmarkResponse>('edgewise.benchmarkModel', panel.uri);
    assert.ok(bench, 'the benchmark ran');
    const measured = formatBytes(bench.results[0].peakRssBytes);
    // The results panel is a webview too: the graph alone again, opened afresh (the measurement is kept by model).
    await closeAllEditors();
    const again = await openGraph('torch_net/net.onnx');
    const after = await selectNode('node_softmax', `Measured peak RSS${measured}`);
    assert.ok(after.includes('last benchmark'), after);
    assert.deepEqual((await api.panels.peakRss(again.uri))?.bytes, bench.results[0].peakRssBytes);
    await screenshot('go-to-source-measured');
  });
});
