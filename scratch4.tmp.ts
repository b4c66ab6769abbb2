import { loadModel, saveModel } from './src/core/onnx/io';
import { convertFp16 } from './src/core/passes/fp16';
import { loadDataset } from './src/core/runtime/data';
import { loadLabels } from './src/core/runtime/data-labels';
import { compareModels } from './src/core/analysis/accuracy';
(async () => {
  for (const f of ['/work/shared/fixtures/fmnist_cnn.onnx', '/work/models/transformer_4x256.onnx', '/work/models/resnet18.onnx']) {
    const m = loadModel(f);
    const { model, report } = convertFp16(m);
    const { tensors, ...r } = report;
    console.log(f, JSON.stringify(r), report.weightBytesAfter / report.weightBytesBefore);
    saveModel(model, `/tmp/fp16.onnx`, { overwrite: true });
    const fm = f.includes('fmnist');
    const data = await loadDataset(m, fm ? '/work/shared/fixtures/fmnist_train1k_u8.npy' : undefined, { scale: 1 / 255, randomCount: 2 });
    const res = await compareModels(m, '/tmp/fp16.onnx', data, fm ? loadLabels('/work/shared/fixtures/fmnist_train1k_labels.npy') : undefined);
    console.log(JSON.stringify(res.outputs), JSON.stringify(res.accuracyA), JSON.stringify(res.accuracyB));
  }
})();
