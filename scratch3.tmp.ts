import { loadModel, saveModel } from './src/core/onnx/io';
import { quantizeInt4, quantizeInt8Weights } from './src/core/passes/quantize/weight-only';
import { loadDataset } from './src/core/runtime/data';
import { compareModels } from './src/core/analysis/accuracy';
(async () => {
  const m = loadModel('/work/models/transformer_4x256.onnx');
  const data = await loadDataset(m, undefined, { randomCount: 4 });
  for (const [name, fn] of [['int4', () => quantizeInt4(m)], ['int4a', () => quantizeInt4(m, { symmetric: false, blockSize: 64 })], ['int8w', () => quantizeInt8Weights(m)]] as const) {
    const { model, report } = fn();
    console.log(name, report.quantized.length, report.skipped.length, report.quantizedWeightBytesAfter / report.quantizedWeightBytesBefore, report.weightBytesAfter / report.weightBytesBefore);
    saveModel(model, `/tmp/t_${name}.onnx`, { overwrite: true });
    const r = await compareModels(m, `/tmp/t_${name}.onnx`, data, undefined, { threads: 1 });
    console.log(JSON.stringify(r.outputs));
  }
})();
