import { loadModel, saveModel } from './src/core/onnx/io';
import { quantizeStatic, staticCalibrationTensors } from './src/core/passes/quantize/static';
import { MinMaxCalibrator } from './src/core/passes/calibrate/minmax';
import { EntropyCalibrator } from './src/core/passes/calibrate/entropy';
import { PercentileCalibrator } from './src/core/passes/calibrate/percentile';
import { calibrate } from './src/core/runtime/calibration-run';
import { loadDataset } from './src/core/runtime/data';
import { loadLabels } from './src/core/runtime/data-labels';
import { compareModels } from './src/core/analysis/accuracy';
import { fusedOps } from './src/core/runtime/fused-ops';
(async () => {
  const m = loadModel('/work/shared/fixtures/fmnist_cnn.onnx');
  const data = await loadDataset(m, '/work/shared/fixtures/fmnist_train1k_u8.npy', { scale: 1 / 255 });
  const labels = loadLabels('/work/shared/fixtures/fmnist_train1k_labels.npy', data.count);
  const tensors = staticCalibrationTensors(m, {});
  console.log(tensors);
  for (const cal of [new MinMaxCalibrator(), new PercentileCalibrator(), new EntropyCalibrator()]) {
    const c = await calibrate(m, tensors, data, cal);
    console.log(cal.method, c.ms.toFixed(0), JSON.stringify(c.ranges));
    const { model, report } = quantizeStatic(m, { ranges: c.ranges, perChannel: true });
    console.log(report.quantized.length, report.skipped, report.foldedRelus);
    saveModel(model, `/tmp/fm_${cal.method}.onnx`, { overwrite: true });
    const r = await compareModels(m, model, data, labels);
    console.log(JSON.stringify(r));
    console.log(await fusedOps(`/tmp/fm_${cal.method}.onnx`));
  }
})();
