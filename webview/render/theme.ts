/** Colours from VS Code's theme variables, read once per theme change. */
import { CATEGORY_HUE, type OpCategory } from '../../src/core/graph/ops';

export interface Theme {
  dark: boolean;
  background: string;
  foreground: string;
  muted: string;
  border: string;
  focus: string;
  highlight: string;
  edge: string;
  groupFill: string;
  groupBorder: string;
  font: string;
  monoFont: string;
}

export function readTheme(el: Element = document.body): Theme {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  const light = document.body.classList.contains('vscode-light');
  const background = v('--vscode-editor-background', light ? '#ffffff' : '#1e1e1e');
  const dark = document.body.classList.contains('vscode-dark') || document.body.classList.contains('vscode-high-contrast') ||
    (!light && luminance(background) < 0.4);
  const foreground = v('--vscode-editor-foreground', dark ? '#cccccc' : '#333333');
  return {
    dark,
    background,
    foreground,
    muted: v('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171'),
    border: v('--vscode-editorWidget-border', dark ? '#454545' : '#c8c8c8'),
    focus: v('--vscode-focusBorder', '#007fd4'),
    highlight: v('--vscode-editor-findMatchHighlightBorder', '') || v('--vscode-list-highlightForeground', '#e2a400'),
    edge: dark ? 'rgba(200,200,200,0.55)' : 'rgba(70,70,70,0.55)',
    groupFill: dark ? 'rgba(255,255,255,0.035)' : 'rgba(0,0,0,0.03)',
    groupBorder: dark ? 'rgba(255,255,255,0.22)' : 'rgba(0,0,0,0.2)',
    font: v('--vscode-font-family', 'system-ui, -apple-system, "Segoe UI", sans-serif'),
    monoFont: v('--vscode-editor-font-family', 'monospace'),
  };
}

/** Fill, border and accent of a node of a category. */
export function categoryColours(cat: OpCategory | 'io', t: Theme): { fill: string; border: string; accent: string } {
  if (cat === 'io') return { fill: t.dark ? '#2b2b2b' : '#f3f3f3', border: t.dark ? '#8a8a8a' : '#8a8a8a', accent: t.foreground };
  const [h, s] = CATEGORY_HUE[cat];
  return t.dark
    ? { fill: `hsl(${h} ${s * 0.55}% 22%)`, border: `hsl(${h} ${s}% 48%)`, accent: `hsl(${h} ${s}% 58%)` }
    : { fill: `hsl(${h} ${s}% 93%)`, border: `hsl(${h} ${s * 0.8}% 62%)`, accent: `hsl(${h} ${s}% 45%)` };
}

/** A stable hue for a repeated block's signature. */
export function signatureHue(sig: string): number {
  let h = 0;
  for (let i = 0; i < sig.length; i++) h = (h * 31 + sig.charCodeAt(i)) >>> 0;
  return h % 360;
}

function luminance(colour: string): number {
  const m = colour.match(/^#([0-9a-f]{6})/i);
  if (!m) return 0;
  const n = parseInt(m[1], 16);
  return (0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255)) / 255;
}
