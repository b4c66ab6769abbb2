import { strict as assert } from 'node:assert';
import { loadModel } from '../../../src/core/formats/onnx/io';
import { modelToText } from '../../../src/core/formats/onnx/text';
import { analysisOverlays, annotateText, nodeFacts } from '../../../src/core/analysis/annotations';
import { diagnose } from '../../../src/core/analysis/diagnostics';
import { FMNIST_MODEL } from '../../helpers/fmnist';
import { latencyGains } from '../../../src/core/analysis/latency-gain';

describe('analysis/annotations', () => {
  const model = loadModel(FMNIST_MODEL);
  const text = modelToText(model);
  const lines = text.text.split('\n');
  const conv0 = '/features/features.0/Conv', gemm = '/classifier/Gemm', dw = '/features/features.3/body/body.0/Conv';

  it('puts findings, hovers and CodeLens on the lines of their nodes', () => {
    const facts = nodeFacts({
      tensorErrors: [{ tensor: 't', quantTensor: 'q', layer: dw, opType: 'Conv', sqnrDb: 12, cosine: 0.97, relativeError: 0.25, maxAbsError: 1 }],
      latency: [{ nodeId: conv0, meanUs: 300, share: 0.3 }, { nodeId: gemm, meanUs: 20, share: 0.02 }, { nodeId: dw, meanUs: 50, share: 0.05 }],
      gains: latencyGains({ [dw]: 50 }, { [dw]: 80 }),
      weightBytes: { [conv0]: 576 },
    });
    const findings = diagnose({ tensorErrors: [{ tensor: 't', quantTensor: 'q', layer: dw, opType: 'Conv', sqnrDb: 12, cosine: 0.97, relativeError: 0.25, maxAbsError: 1 }],
      layerShares: [{ nodeId: conv0, share: 0.3 }], budgetBreaks: [{ budget: 'ram', message: 'peak RAM over budget' }] });
    const a = annotateText(text, findings, facts, 2);
    const onLine = (id: string) => a.diagnostics.filter((d) => d.nodeId === id).map((d) => [d.code, lines[d.line].trim().endsWith(`# ${id}`)]);
    assert.deepEqual(onLine(dw), [['low-sqnr', true]]);
    assert.deepEqual(onLine(conv0), [['hot-layer', true]]);
    assert.deepEqual(a.diagnostics.filter((d) => d.code === 'budget-ram').map((d) => d.line), [0]);
    assert.match(a.hovers[text.nodeLines[conv0]], /\| weights \| 576 B \|/);
    assert.match(a.hovers[text.nodeLines[dw]], /\| INT8 vs float \| costs 30 µs \|/);
    assert.deepEqual(a.lenses.map((l) => [l.nodeId, l.line]), [[conv0, text.nodeLines[conv0]], [dw, text.nodeLines[dw]]]);
    assert.match(a.lenses[0].title, /^#1 by time: 300 µs \(30\.0%\)/);

    const overlays = analysisOverlays(facts);
    assert.deepEqual(overlays.map((o) => o.id), ['analysis.sqnr', 'analysis.gain', 'analysis.latency']);
    assert.deepEqual(overlays[0].values, { [dw]: 12 });
  });

  it('ranks layers of equal time in the model\'s order, as the run-time shares do', () => {
    // Medians of whole microseconds tie often; the facts' own order (errors first) must not decide.
    const facts = nodeFacts({
      tensorErrors: [{ tensor: 't', quantTensor: 'q', layer: gemm, opType: 'Gemm', sqnrDb: 30, cosine: 1, relativeError: 0.01, maxAbsError: 0.1 }],
      latency: [{ nodeId: gemm, meanUs: 40, share: 0.1 }, { nodeId: dw, meanUs: 40, share: 0.1 }, { nodeId: conv0, meanUs: 40, share: 0.1 }],
    });
    const ids = annotateText(text, [], facts).lenses.map((l) => l.nodeId);
    assert.deepEqual(ids, [conv0, dw, gemm]);
    assert.ok(text.nodeLines[conv0] < text.nodeLines[dw] && text.nodeLines[dw] < text.nodeLines[gemm]);
  });
});
