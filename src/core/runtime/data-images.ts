import * as path from 'node:path';
import { inputFileSize } from '../base/input-file';
import { ArrayDataset, batchLimit, channelAxisOf, defaultScale, preprocess, type DataOptions, type Dataset, type InputSpec } from './data-array';

/** An image file larger than this is not a sample image (sharp also bounds the pixel count). */
const IMAGE_LIMIT = { bytes: 256 << 20, why: 'over the 256 MiB an input image may have' };

/**
 * Images decoded and resized with sharp into the model's input layout: [C,H,W] (NCHW) or
 * [H,W,C] (NHWC), pixels x scale (default 1/255), then (x - mean) / std per channel.
 */
export async function imageDataset(specs: InputSpec[], files: string[], folder: string, options: DataOptions): Promise<Dataset> {
  if (specs.length !== 1) throw new Error(`${folder}: images can feed a single-input model only; this one has ${specs.length} inputs`);
  const spec = specs[0];
  if (spec.shape.length !== 4) throw new Error(`${folder}: input '${spec.name}' has shape [${spec.shape}]; images need a 4-D input (NCHW or NHWC)`);
  const axis = channelAxisOf(spec, options.layout)!;
  const nchw = axis === 0;
  const dims = spec.shape.slice(1);
  const channels = Number(nchw ? dims[0] : dims[2]);
  const [h, w] = options.resize ?? (nchw ? [dims[1], dims[2]] : [dims[0], dims[1]]).map(Number) as [number, number];
  if (!(channels === 1 || channels === 3) || !(h > 0) || !(w > 0)) {
    throw new Error(`${folder}: cannot tell the image size/channels from input shape [${spec.shape}]; give --resize HxW and --layout`);
  }
  const sharp = (await import('sharp')).default;
  const per = channels * h * w;
  const data = new Float32Array(per * files.length);
  for (let k = 0; k < files.length; k++) {
    inputFileSize(files[k], { what: 'image', limit: IMAGE_LIMIT });
    let img = sharp(files[k]).resize(w, h, { fit: 'fill' }).removeAlpha();
    if (channels === 1) img = img.greyscale();
    let raw: Buffer;
    try {
      raw = await img.raw().toBuffer();
    } catch (e) {
      throw new Error(`${files[k]}: cannot be decoded as an image (${(e as Error).message})`);
    }
    const got = raw.length / (h * w);
    const base = k * per;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < channels; c++) {
          const v = raw[(y * w + x) * got + Math.min(c, got - 1)];
          data[base + (nchw ? c * h * w + y * w + x : (y * w + x) * channels + c)] = v;
        }
      }
    }
  }
  const sample = nchw ? [channels, h, w] : [h, w, channels];
  const scaled = { ...options, scale: options.scale ?? defaultScale('uint8') };
  for (let k = 0; k < files.length; k++) preprocess(data.subarray(k * per, (k + 1) * per), sample, scaled, axis);
  return new ArrayDataset(`${path.basename(folder)}/: ${files.length} images -> [${sample.join(',')}]`, files.length, false, batchLimit(specs, options.batch ?? 32), [{ spec, sample, data }]);
}
