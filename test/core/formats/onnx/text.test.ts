import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../../../../src/core/formats/onnx/io';
import { floatLiteral, modelToText } from '../../../../src/core/formats/onnx/text';
import { nodeIds } from '../../../../src/core/formats/onnx/node-id';

const FIXTURES = [
  path.join(__dirname, '../../../fixtures/fmnist_mobilenet.onnx'),
  path.join(__dirname, '../../../fixtures/fmnist_cnn.onnx'),
].filter((f) => fs.existsSync(f));

/** Parses ONNX text with Debian's onnx 1.12 and returns what it read back. */
function parseWithOnnx(text: string): { nodes: [string, string[], string[]][]; inits: string[]; valueInfo: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-text-'));
  const file = path.join(dir, 'model.txt');
  fs.writeFileSync(file, text);
  const script = [
    'import json, sys, onnx.parser',
    'm = onnx.parser.parse_model(open(sys.argv[1]).read())',
    'print(json.dumps({"nodes": [[n.op_type, list(n.input), list(n.output)] for n in m.graph.node],',
    '  "inits": [t.name for t in m.graph.initializer], "valueInfo": [v.name for v in m.graph.value_info]}))',
  ].join('\n');
  try {
    return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('onnx/text', () => {
  it('prints floats the 1.12 parser reads as floats of the same float32', () => {
    assert.equal(floatLiteral(1), '1.0');
    assert.equal(floatLiteral(1e-5), '0.00001');
    assert.equal(floatLiteral(0.1), '0.1');
    assert.equal(floatLiteral(-6), '-6.0');
    assert.equal(Math.fround(Number(floatLiteral(Math.PI))), Math.fround(Math.PI));
  });

  for (const file of FIXTURES) {
    it(`round-trips ${path.basename(file)} through onnx.parser`, function () {
      this.timeout(30000);
      const model = loadModel(file);
      const printed = modelToText(model);
      const lines = printed.text.split('\n');
      const ids = nodeIds(model.graph.nodes);
      assert.equal(Object.keys(printed.nodeLines).length, model.graph.nodes.length);
      model.graph.nodes.forEach((n, i) => {
        const line = lines[printed.nodeLines[ids[i]]];
        assert.match(line, new RegExp(`= ${n.opType}\\b`));
        if (n.name) assert.ok(line.endsWith(`# ${n.name}`), line);
      });
      const back = parseWithOnnx(printed.text);
      const rename = (v: string): string => printed.names[v] ?? v;
      assert.deepEqual(back.nodes, model.graph.nodes.map((n) => [n.opType, n.input.map(rename), n.output.map(rename)]));
      // Every initializer comes back either with its values (small) or declared by type (elided).
      const declared = new Set([...back.inits, ...back.valueInfo]);
      for (const t of model.graph.proto.initializer) assert.ok(declared.has(rename(t.name)), t.name);
      assert.ok(back.inits.length > 0 || model.graph.proto.initializer.every((t) => t.dims.reduce((a, b) => a * Number(b), 1) > 16));
    });
  }
});
