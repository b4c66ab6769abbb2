import { strict as assert } from 'node:assert';
import { loadModel } from '../../../src/core/formats/onnx/io';
import type { Calibrator } from '../../../src/core/passes/calibrate/calibrator';
import { MinMaxCalibrator } from '../../../src/core/passes/calibrate/minmax';
import { staticCalibrationTensors } from '../../../src/core/passes/quantize/static';
import { calibrate } from '../../../src/core/runtime/calibration-run';
import { loadDataset } from '../../../src/core/runtime/data';
import { FIXTURES } from '../../helpers/onnx-models';

describe('calibration runs', () => {
  it('min/max computed inside the model (ReduceMin/ReduceMax) equal min/max of the copied tensors', async () => {
    const model = loadModel(`${FIXTURES}/fmnist_cnn.onnx`);
    const data = await loadDataset(model, `${FIXTURES}/fmnist_train1k_u8.npy`, { scale: 1 / 255, batch: 64 });
    const tensors = staticCalibrationTensors(model);
    assert.deepEqual(tensors, ['input', '/1/Relu_output_0', '/4/Relu_output_0', '/8/Relu_output_0']);
    const reduced = await calibrate(model, tensors, data, new MinMaxCalibrator());
    const inner = new MinMaxCalibrator();
    // Without updateRange the runtime copies every tensor out and the calibrator scans it.
    const copying: Calibrator = { method: 'minmax', update: (t, v) => inner.update(t, v), ranges: () => inner.ranges() };
    const copied = await calibrate(model, tensors, data, copying);
    assert.deepEqual(reduced.ranges, copied.ranges);
    assert.equal(reduced.ranges.input.max, 1);
    assert.equal(reduced.ranges['/1/Relu_output_0'].min, 0);
    assert.ok(reduced.ranges['/8/Relu_output_0'].max > 1);
  });
});
