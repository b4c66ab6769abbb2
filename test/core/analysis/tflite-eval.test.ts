import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadDatasetFor } from '../../../src/core/runtime/data';
import { TfliteSession } from '../../../src/core/runtime/tflite';
import { evaluateTflite, tfliteInputSpecs } from '../../../src/core/analysis/tflite-eval';
import { repoRoot, sharedFixture } from '../formats/tflite/build-model';

const fixture = (name: string) => path.join(repoRoot, 'test/fixtures/tflite', name);

describe('tflite eval: a data set through the TFLite interpreter', function () {
  this.timeout(60000);

  it('asks quantized inputs for real values (float32) and keeps float inputs as they are', () => {
    assert.deepEqual(tfliteInputSpecs(fixture('trained_lstm_int8.tflite')), [{ name: 'serving_default_fixed_input:0', dtype: 'float32', shape: [1, 28, 28] }]);
    assert.deepEqual(tfliteInputSpecs(fixture('trained_lstm.tflite')), [{ name: 'serving_default_fixed_input:0', dtype: 'float32', shape: [1, 28, 28] }]);
  });

  it('the int8 LSTM predicts what the float LSTM predicts on 1,000 real 28x28 images', async function () {
    const images = sharedFixture('fmnist_train1k_u8.npy');
    if (!images) this.skip(); // the Fashion-MNIST sample lives in ../shared/fixtures beside the clone
    const load = (file: string) => loadDatasetFor(tfliteInputSpecs(file), file, images!, { scale: 1 / 255 });
    const floatFile = fixture('trained_lstm.tflite');
    const int8File = fixture('trained_lstm_int8.tflite');
    // The models read digits; on clothing images their answers mean nothing, but both must give
    // the same ones. Label each image with the float model's own top-1 answer first.
    const data = await load(floatFile);
    assert.equal(data.count, 1000);
    const labels = new Int32Array(data.count);
    const session = await TfliteSession.create(floatFile);
    try {
      for (let s = 0; s < data.count; s++) {
        const [scores] = await session.run([Float32Array.from(data.batch(s, 1)['serving_default_fixed_input:0'].data as Float32Array)]);
        labels[s] = scores.indexOf(Math.max(...scores));
      }
    } finally {
      session.dispose();
    }
    const f = await evaluateTflite(floatFile, data, labels);
    assert.equal(f.samples, 1000);
    assert.equal(f.accuracy!.top1, 1, 'the float model agrees with itself through evaluateTflite');
    const q = await evaluateTflite(int8File, await load(int8File), labels);
    assert.ok(q.accuracy!.top1 > 0.9, `int8 agrees with float on ${q.accuracy!.top1 * 100}% of the images`);
    assert.equal(q.scoredOutput, 'StatefulPartitionedCall:0');
  });
});
