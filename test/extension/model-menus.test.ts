import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FORMATS } from '../../src/core/formats/registry';
import { MODEL_COMMANDS, extensionsFor, modelPatterns } from '../../src/extension/model-commands';

interface MenuItem { command: string; when?: string }
const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8'));

/** The extensions a `when` clause names with `resourceExtname == .x`. */
function extensionsIn(when: string): string[] {
  return [...when.matchAll(/resourceExtname == (\.[\w.]+)/g)].map((m) => m[1]).sort();
}

describe('package.json model menus follow the format registry', () => {
  it('the custom editor opens the file extensions of every registered format', () => {
    const patterns: string[] = pkg.contributes.customEditors.find((e: { viewType: string }) => e.viewType === 'edgewise.modelGraph')
      .selector.map((s: { filenamePattern: string }) => s.filenamePattern).sort();
    assert.deepEqual(patterns, FORMATS.flatMap((f) => f.fileExtensions.map((e) => `*${e}`)).sort());
  });

  it('activates in a workspace with a model of any registered format (the worker starts early)', () => {
    const events: string[] = pkg.activationEvents.filter((e: string) => e.startsWith('workspaceContains:**/*.'));
    assert.deepEqual(events.map((e) => e.slice('workspaceContains:'.length)).sort(), modelPatterns().sort());
  });

  const menus: Record<string, MenuItem[]> = pkg.contributes.menus;
  // A view's own menus (view/title: the Edgewise side bar) act on no resource.
  for (const [menu, items] of Object.entries(menus).filter(([m]) => !m.startsWith('view/'))) {
    for (const item of items.filter((i) => i.command in MODEL_COMMANDS && i.when !== 'false')) {
      it(`${menu}: ${item.command} is offered for exactly the formats that can ${MODEL_COMMANDS[item.command]}`, () => {
        assert.deepEqual(extensionsIn(item.when ?? ''), extensionsFor(MODEL_COMMANDS[item.command]).sort(),
          `update its "when" in package.json to list resourceExtname == <ext> for each extension`);
      });
    }
  }

  it('fails on a menu that leaves a format out (the check above can fail)', () => {
    assert.notDeepEqual(extensionsIn('resourceExtname == .onnx'), extensionsFor('view').sort());
    assert.deepEqual(extensionsIn('activeCustomEditorId == x && (resourceExtname == .onnx || resourceExtname == .tflite)'), ['.onnx', '.tflite']);
  });
});
