/** The page's label widths (core/graph/text-metrics.ts): each table character measured in the fonts the scene draws labels with. */
import { LABEL_FONT, TABLE_CHARS, TITLE_FONT, type TextMetrics } from '../../src/core/graph/text-metrics';

export function measureTextMetrics(font: string): TextMetrics {
  const ctx = document.createElement('canvas').getContext('2d')!;
  const widths = (size: string): number[] => {
    ctx.font = `${size} ${font}`;
    return Array.from(TABLE_CHARS, (c) => Math.round(ctx.measureText(c).width * 100) / 100);
  };
  return { font, normal: widths(LABEL_FONT), bold: widths(TITLE_FONT) };
}
