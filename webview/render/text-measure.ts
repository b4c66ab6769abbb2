/** Label widths for layout, measured once per text in the fonts the scene draws with. */
import type { Theme } from './theme';

export type MeasureText = (text: string, bold: boolean) => number;

export function textMeasurer(theme: Theme): MeasureText {
  const ctx = document.createElement('canvas').getContext('2d')!;
  const widths = new Map<string, number>();
  return (text, bold) => {
    const key = (bold ? 'b' : 'n') + text;
    let w = widths.get(key);
    if (w === undefined) {
      ctx.font = bold ? `600 12.5px ${theme.font}` : `11px ${theme.font}`;
      w = ctx.measureText(text).width;
      widths.set(key, w);
    }
    return w;
  };
}
