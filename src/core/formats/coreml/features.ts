import type { Dim, TensorInfo } from '../../graph/types';
import { ArrayFeatureType_ArrayDataType as ArrayDT, ImageFeatureType_ColorSpace as ColorSpace, type FeatureType, type SizeRange } from './proto/feature_types_pb';
import type { FeatureDescription } from './proto/model_pb';

/** The OS releases a specification version needs (Core ML's own table of versions). */
const SPEC_OS: Record<number, { coreml: string; iOS: string; macOS: string; tvOS: string; watchOS: string }> = {
  1: { coreml: '1', iOS: '11', macOS: '10.13', tvOS: '11', watchOS: '4' },
  2: { coreml: '1.2', iOS: '11.2', macOS: '10.13.2', tvOS: '11.2', watchOS: '4.2' },
  3: { coreml: '2', iOS: '12', macOS: '10.14', tvOS: '12', watchOS: '5' },
  4: { coreml: '3', iOS: '13', macOS: '10.15', tvOS: '13', watchOS: '6' },
  5: { coreml: '4', iOS: '14', macOS: '11', tvOS: '14', watchOS: '7' },
  6: { coreml: '5', iOS: '15', macOS: '12', tvOS: '15', watchOS: '8' },
  7: { coreml: '6', iOS: '16', macOS: '13', tvOS: '16', watchOS: '9' },
  8: { coreml: '7', iOS: '17', macOS: '14', tvOS: '17', watchOS: '10' },
  9: { coreml: '8', iOS: '18', macOS: '15', tvOS: '18', watchOS: '11' },
};

/** 'iOS 16, macOS 13, tvOS 16, watchOS 9 (Core ML 6)', or a note for versions newer than the table. */
export function minimumOS(specVersion: number): string {
  const os = SPEC_OS[specVersion];
  if (!os) return specVersion > 9 ? `newer than spec 9 (iOS 18): not known to Edgewise` : 'unknown';
  return `iOS ${os.iOS}, macOS ${os.macOS}, tvOS ${os.tvOS}, watchOS ${os.watchOS} (Core ML ${os.coreml})`;
}

const ARRAY_DTYPES: Record<number, string> = {
  [ArrayDT.FLOAT32]: 'float32', [ArrayDT.DOUBLE]: 'float64', [ArrayDT.INT32]: 'int32', [ArrayDT.INT8]: 'int8', [ArrayDT.FLOAT16]: 'float16',
};

const COLOR_SPACES: Record<number, string> = {
  [ColorSpace.GRAYSCALE]: 'Grayscale', [ColorSpace.RGB]: 'RGB', [ColorSpace.BGR]: 'BGR', [ColorSpace.GRAYSCALE_FLOAT16]: 'Grayscale fp16',
};

/** A size range as a dimension: '1..2', '1..' (no upper bound), or the number when fixed. */
function rangeDim(r: SizeRange): Dim {
  const lo = Number(r.lowerBound);
  const hi = Number(r.upperBound);
  if (hi < 0) return `${lo}..`;
  return lo === hi ? lo : `${lo}..${hi}`;
}

/**
 * A feature as the format-neutral TensorInfo. multiArray: its dtype and shape (ranges as '1..2');
 * image: dtype 'image <color space>' and [height, width]; scalars: shape []; dictionaries and
 * sequences: a descriptive dtype. Enumerated shapes/sizes and optionality go in `detail`.
 */
export function featureInfo(f: FeatureDescription): TensorInfo {
  const info = typeInfo(f.type);
  const out: TensorInfo = { name: f.name, dtype: info.dtype, shape: info.shape };
  const detail = [info.detail, f.type?.isOptional ? 'optional' : undefined, f.shortDescription || undefined].filter(Boolean).join('; ');
  if (detail) out.detail = detail;
  return out;
}

function typeInfo(t: FeatureType | undefined): { dtype: string; shape: Dim[] | null; detail?: string } {
  const type = t?.Type;
  switch (type?.case) {
    case 'int64Type': return { dtype: 'int64', shape: [] };
    case 'doubleType': return { dtype: 'float64', shape: [] };
    case 'stringType': return { dtype: 'string', shape: [] };
    case 'imageType': {
      const im = type.value;
      const dtype = `image ${COLOR_SPACES[im.colorSpace] ?? `colorspace ${im.colorSpace}`}`;
      const flex = im.SizeFlexibility;
      if (flex.case === 'imageSizeRange') {
        const w = flex.value.widthRange, h = flex.value.heightRange;
        return { dtype, shape: [h ? rangeDim(h) : '?', w ? rangeDim(w) : '?'], detail: `default ${im.height}×${im.width}` };
      }
      const detail = flex.case === 'enumeratedSizes' ? `sizes ${flex.value.sizes.map((s) => `${s.height}×${s.width}`).join(', ')}` : undefined;
      return { dtype, shape: [Number(im.height), Number(im.width)], detail };
    }
    case 'multiArrayType': {
      const a = type.value;
      const dtype = ARRAY_DTYPES[a.dataType] ?? (a.dataType === ArrayDT.INVALID_ARRAY_DATA_TYPE ? 'unknown' : `array type ${a.dataType}`);
      const flex = a.ShapeFlexibility;
      let shape: Dim[] | null = a.shape.length > 0 ? a.shape.map(Number) : null;
      let detail: string | undefined;
      if (flex.case === 'shapeRange' && flex.value.sizeRanges.length > 0) shape = flex.value.sizeRanges.map(rangeDim);
      if (flex.case === 'enumeratedShapes') detail = `shapes ${flex.value.shapes.map((s) => `[${s.shape.join(', ')}]`).join(', ')}`;
      const def = a.defaultOptionalValue;
      if (def.case) detail = [detail, `default ${def.value}`].filter(Boolean).join('; ');
      return { dtype, shape, detail };
    }
    case 'dictionaryType': {
      const key = type.value.KeyType.case === 'stringKeyType' ? 'string' : 'int64';
      return { dtype: `dict<${key}, float64>`, shape: null };
    }
    case 'sequenceType': {
      const s = type.value;
      const el = s.Type.case === 'stringType' ? 'string' : s.Type.case === 'int64Type' ? 'int64' : 'unknown';
      return { dtype: `sequence<${el}>`, shape: s.sizeRange ? [rangeDim(s.sizeRange)] : null };
    }
    case 'stateType': {
      const inner = type.value.Type.case === 'arrayType' ? typeInfo({ Type: { case: 'multiArrayType', value: type.value.Type.value } } as FeatureType) : undefined;
      return { dtype: `state<${inner?.dtype ?? 'unknown'}>`, shape: inner?.shape ?? null };
    }
    default:
      return { dtype: 'unknown', shape: null };
  }
}
