import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { parse as parseYaml } from 'yaml';
import { textUri } from '../../../src/extension/model-text';
import type { AnalyzeResult } from '../../../src/worker/protocol';
import type { AnalyzeOptions } from '../../../src/extension/analysis';
import { closeAllEditors, edgewise, hasUiBridge, openGraph, screenshot, untilInGraphWebview, workspaceFile } from './helpers';

const MODEL = 'fmnist_mobilenet.onnx';

/** Where the quick fix writes overrides: edgewise.json next to the model. */
const recipeFor = (model: vscode.Uri) => vscode.Uri.joinPath(model, '..', 'edgewise.json');
const yamlRecipeFor = (model: vscode.Uri) => vscode.Uri.joinPath(model, '..', 'edgewise.yaml');

async function analyze(more: Partial<AnalyzeOptions> = {}): Promise<AnalyzeResult> {
  await edgewise();
  const result = await vscode.commands.executeCommand<AnalyzeResult>('edgewise.analyzeModel', workspaceFile(MODEL), {
    quantized: workspaceFile('fmnist_mobilenet.int8.onnx').fsPath, data: workspaceFile('fmnist_test1k_u8.npy').fsPath,
    labels: workspaceFile('fmnist_test1k_labels.npy').fsPath, count: 100, minSqnrDb: 25, ...more,
  });
  assert.ok(result, 'the analysis ran');
  return result;
}

async function until<T>(get: () => T | undefined | Promise<T | undefined>, what: string, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('per-layer analysis in VS Code', function () {
  this.timeout(120000);
  afterEach(closeAllEditors);

  it('puts findings in the Problems panel on the model file, and as overlays on its graph', async () => {
    const panel = await openGraph(MODEL);
    const result = await analyze();
    const model = workspaceFile(MODEL);
    const diags = vscode.languages.getDiagnostics(model).filter((d) => d.source === 'edgewise');
    assert.equal(diags.length, result.findings.length);
    const low = diags.find((d) => typeof d.code === 'object' && d.code.value === 'low-sqnr');
    assert.ok(low, 'a low-SQNR warning');
    assert.equal(low.severity, vscode.DiagnosticSeverity.Warning);
    // The code link reveals the node in the graph.
    assert.ok(typeof low.code === 'object' && low.code.target.scheme === 'command');
    assert.ok(panel.overlayIds().includes('analysis.sqnr'));
    const nodeId = low.message.split(': ')[0];
    await vscode.commands.executeCommand('edgewise.revealNode', model, nodeId);
    assert.equal(panel.selection ?? nodeId, nodeId);
  });

  it('shows the model as text with diagnostics on node lines and hovers, and the quick fix writes the recipe', async () => {
    const api = await edgewise();
    await analyze();
    const model = workspaceFile(MODEL);
    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('edgewise.openModelAsText', model);
    const doc = editor.document;
    assert.equal(doc.uri.toString(), textUri(model).toString());
    assert.match(doc.getText(), /^<ir_version: 8, opset_import: \["" : 17\]/);
    const diags = await until(() => { const d = vscode.languages.getDiagnostics(doc.uri); return d.length ? d : undefined; }, 'text-view diagnostics');
    const text = api.analysis.text.textOf(model)!;
    for (const d of diags) {
      const nodeId = text.lineNodes[d.range.start.line];
      assert.ok(nodeId, `diagnostic on a node line (${d.range.start.line})`);
      assert.ok(doc.lineAt(d.range.start.line).text.endsWith(`# ${nodeId}`));
    }
    const line = diags[0].range.start.line;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, 2));
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(hoverText, /SQNR \| -?\d+(\.\d+)? dB/);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, diags[0].range);
    const fix = actions.find((a) => a.title === 'Keep this layer in float');
    assert.ok(fix?.command, 'the quick fix is offered');
    await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
    const recipe = JSON.parse(fs.readFileSync(recipeFor(model).fsPath, 'utf8'));
    assert.deepEqual(recipe.overrides, { [text.lineNodes[line]]: { precision: 'float' } });
  });

  it('with latency: INT8-slower warnings and hot-layer information, gain/latency overlays, CodeLens and hovers by time', async () => {
    const panel = await openGraph(MODEL);
    const api = await edgewise();
    // No cost threshold, so every timed layer gets the noise rule's verdict (analysis/noise.ts):
    // slower beyond the noise is a warning, within it a note, faster nothing. Every layer over 2%
    // of the run is "hot".
    const result = await analyze({ latency: true, latencyRuns: 5, int8SlowerUs: -1e9, hotLayerShare: 0.02 });
    const model = workspaceFile(MODEL);
    assert.ok(result.latency && result.latency.timedLayers > 0 && result.latency.floatMs > 0);
    const diags = vscode.languages.getDiagnostics(model).filter((d) => d.source === 'edgewise');
    const code = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? d.code.value : d.code);
    const slower = diags.filter((d) => code(d) === 'int8-slower');
    const noise = diags.filter((d) => code(d) === 'int8-within-noise');
    assert.equal(slower.length, result.latency.slowerLayers);
    assert.equal(noise.length, result.latency.noiseLayers);
    assert.ok(slower.length + noise.length <= result.latency.timedLayers);
    assert.ok(slower.every((d) => d.severity === vscode.DiagnosticSeverity.Warning && /INT8 is slower than float here .*beyond the .* run-to-run noise/.test(d.message)));
    assert.ok(noise.every((d) => d.severity === vscode.DiagnosticSeverity.Information && /INT8 and float are within noise here/.test(d.message)));
    const hot = diags.filter((d) => code(d) === 'hot-layer');
    assert.ok(hot.length > 0 && hot.every((d) => d.severity === vscode.DiagnosticSeverity.Information && /% of the model's kernel time/.test(d.message)));
    assert.ok(['analysis.gain', 'analysis.latency'].every((id) => panel.overlayIds().includes(id)));
    if (hasUiBridge()) {
      await untilInGraphWebview(`() => globalThis.edgewise?.overlays.has('analysis.gain') && globalThis.edgewise?.overlays.has('analysis.latency')`);
      await screenshot('analysis-latency-overlay');
    }

    const editor = await vscode.commands.executeCommand<vscode.TextEditor>('edgewise.openModelAsText', model);
    const doc = editor.document;
    const text = api.analysis.text.textOf(model)!;
    const lenses = await until(async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return l?.length ? l : undefined;
    }, 'CodeLens on the text view');
    // VS Code returns the lenses in line order; the ranks are in their titles.
    const titles = lenses.map((l) => l.command?.title ?? '');
    assert.deepEqual(titles.map((t) => t.split(' ')[0]).sort(), ['#1', '#2', '#3', '#4', '#5']);
    const first = lenses.find((l) => l.command?.title.startsWith('#1 '))!;
    assert.match(first.command!.title, /^#1 by time: \d+(\.\d+)? (µs|ms) \(\d+\.\d%\)/);
    // The gain as the noise rule judges it: saves, costs, or within noise of float.
    const gain = String.raw`(saves|costs) \d+(\.\d+)? (µs|ms)|within noise of float \(\d+(\.\d+)? (µs|ms) apart\)`;
    assert.ok(titles.every((t) => new RegExp(` · INT8 (${gain})`).test(t)), titles.join('\n'));
    // The slowest float layer heads the list, on its own line (of layers timed alike, the first in the text).
    const timed = Object.entries(result.facts).filter(([id, f]) => f.latencyUs !== undefined && text.nodeLines[id] !== undefined);
    const slowestUs = Math.max(...timed.map(([, f]) => f.latencyUs!));
    const firstNode = text.lineNodes[first.range.start.line];
    assert.equal(result.facts[firstNode]?.latencyUs, slowestUs, `${firstNode} is among the slowest`);
    const tied = timed.filter(([, f]) => f.latencyUs === slowestUs).map(([id]) => text.nodeLines[id]);
    assert.equal(first.range.start.line, Math.min(...tied));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(first.range.start.line, 2));
    const hoverText = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(hoverText, /\| latency \| \d+(\.\d+)? (µs|ms) \(\d+\.\d% of the run\) \|/);
    assert.match(hoverText, new RegExp(String.raw`\| INT8 vs float \| (${gain}) \|`));
    // The same findings sit on the node lines of the text view.
    // Hot layers are always there, so they say the text view's diagnostics have arrived.
    const onText = await until(() => { const d = vscode.languages.getDiagnostics(doc.uri); return d.some((x) => x.code === 'hot-layer') ? d : undefined; }, 'text-view latency diagnostics');
    const onLines = onText.filter((x) => x.code === 'int8-slower' || x.code === 'int8-within-noise');
    assert.equal(onLines.length, slower.length + noise.length);
    for (const d of onLines) assert.ok(doc.lineAt(d.range.start.line).text.endsWith(`# ${text.lineNodes[d.range.start.line]}`));
  });

  it('validates recipes as diagnostics and completes node names', async () => {
    const api = await edgewise();
    const recipe = recipeFor(workspaceFile(MODEL));
    fs.writeFileSync(recipe.fsPath, '{\n  "model": "fmnist_mobilenet.onnx",\n  "passes": [{"pass": "quantize", "options": {"excludeNode": ["/classifier/Gem"]}}],\n  "budgets": {"maxSizeBytes": 1000}\n}\n');
    const doc = await vscode.workspace.openTextDocument(recipe);
    await vscode.window.showTextDocument(doc);
    const diags = await until(() => { const d = vscode.languages.getDiagnostics(recipe).filter((x) => x.source === 'edgewise'); return d.length >= 2 ? d : undefined; }, 'recipe diagnostics');
    const unknown = diags.find((d) => d.code === 'unknown-node');
    assert.ok(unknown);
    assert.equal(doc.getText(unknown.range), '"/classifier/Gem"');
    assert.match(unknown.message, /did you mean '\/classifier\/Gemm'/);
    assert.ok(diags.some((d) => d.code === 'unreachable-budget'));
    const inside = doc.positionAt(doc.getText().indexOf('/classifier/Gem') + 3);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', recipe, inside);
    assert.ok(list.items.some((i) => i.label === '/classifier/Gemm'));
    void api;
  });

  it('validates YAML recipes as diagnostics and completes node names', async () => {
    await edgewise();
    const recipe = yamlRecipeFor(workspaceFile(MODEL));
    fs.writeFileSync(recipe.fsPath, [
      '# a YAML recipe', 'model: fmnist_mobilenet.onnx', 'passes:', '  - pass: quantize', '    options:', '      excludeNode:', '        - /classifier/Gem  # typo',
      'budgets:', '  maxSizeBytes: 1000', '',
    ].join('\n'));
    try {
      const doc = await vscode.workspace.openTextDocument(recipe);
      await vscode.window.showTextDocument(doc);
      const diags = await until(() => { const d = vscode.languages.getDiagnostics(recipe).filter((x) => x.source === 'edgewise'); return d.length >= 2 ? d : undefined; }, 'YAML recipe diagnostics');
      const unknown = diags.find((d) => d.code === 'unknown-node');
      assert.ok(unknown);
      assert.equal(doc.getText(unknown.range), '/classifier/Gem');
      assert.equal(unknown.range.start.line, 6);
      assert.match(unknown.message, /did you mean '\/classifier\/Gemm'/);
      assert.ok(diags.some((d) => d.code === 'unreachable-budget' && d.range.start.line === 8));
      const inside = doc.positionAt(doc.getText().indexOf('/classifier/Gem') + 3);
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', recipe, inside);
      assert.ok(list.items.some((i) => i.label === '/classifier/Gemm'));
    } finally {
      fs.rmSync(recipe.fsPath, { force: true });
    }
  });

  it('the quick fix writes the override into a YAML recipe (edgewise.yaml) next to the model, keeping its comments', async () => {
    const api = await edgewise();
    const model = workspaceFile(MODEL);
    const recipe = yamlRecipeFor(model);
    fs.rmSync(recipeFor(model).fsPath, { force: true });
    const original = '# quantize the MobileNet\nmodel: fmnist_mobilenet.onnx  # float model\npasses:\n  - pass: quantize   # static INT8\n# end\n';
    fs.writeFileSync(recipe.fsPath, original);
    try {
      await analyze();
      const editor = await vscode.commands.executeCommand<vscode.TextEditor>('edgewise.openModelAsText', model);
      const diags = await until(() => { const d = vscode.languages.getDiagnostics(editor.document.uri); return d.length ? d : undefined; }, 'text-view diagnostics');
      const nodeId = api.analysis.text.textOf(model)!.lineNodes[diags[0].range.start.line];
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', editor.document.uri, diags[0].range);
      const fix = actions.find((a) => a.title === 'Keep this layer in float');
      assert.ok(fix?.command, 'the quick fix is offered');
      await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
      const written = fs.readFileSync(recipe.fsPath, 'utf8');
      assert.ok(written.startsWith(original.replace('# end\n', '')), `the lines before stay as written:\n${written}`);
      assert.ok(written.endsWith('    precision: float\n# end\n'), written);
      assert.deepEqual(parseYaml(written).overrides, { [nodeId]: { precision: 'float' } });
      assert.ok(!fs.existsSync(recipeFor(model).fsPath), 'no edgewise.json was made beside the YAML recipe');
      const check = await api.recipes.validate(await vscode.workspace.openTextDocument(recipe));
      assert.deepEqual(check.problems.filter((p) => p.severity === 'error'), []);
    } finally {
      fs.rmSync(recipe.fsPath, { force: true });
    }
  });
});
