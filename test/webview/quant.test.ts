import * as assert from 'node:assert/strict';
import { quantText } from '../../webview/model/quant';

describe('webview: quantization parameters as text', () => {
  it('per tensor', () => {
    assert.equal(quantText({ scale: [0.007843137718737125], zeroPoint: [-1] }), 'scale 0.007843, zero point -1');
    assert.equal(quantText({ scale: [0.0000305], zeroPoint: [0] }), 'scale 3.050e-5, zero point 0');
  });
  it('per channel, with the axis', () => {
    assert.equal(quantText({ scale: [0.5, 0.25, 0.125], zeroPoint: [0, 0, 0], axis: 3 }), '3 channels on axis 3: scale 0.125 … 0.5, zero point 0');
    assert.equal(quantText({ scale: [1, 2], zeroPoint: [-3, 4], axis: 0 }), '2 channels on axis 0: scale 1 … 2, zero points -3 … 4');
  });
});
