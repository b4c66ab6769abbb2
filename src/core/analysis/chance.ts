/**
 * The near-chance alarm: a float model whose own top-1 on labelled data is about what guessing
 * scores (1 / classes) is not being fed what it was trained on, and every accuracy figure, drop
 * and budget measured on that data is noise. Every path that scores a model against labels
 * (TopKAccuracy, Scorer) attaches this check, and every command that reports accuracy shows it.
 */
import { formatInteger, formatPercent } from '../base/units';

/** Top-1 within this much (a fraction: 5 points) of chance counts as chance. */
export const NEAR_CHANCE_MARGIN = 0.05;

export interface NearChance {
  /** Top-1 measured, a fraction. */
  top1: number;
  classes: number;
  /** 1 / classes. */
  chance: number;
  samples: number;
  /** What a user reads: loud, with the likely causes and the options that fix them. */
  message: string;
}

/**
 * The alarm when `top1` (a fraction, over `samples` labelled samples of `classes` classes) is no
 * better than chance: within NEAR_CHANCE_MARGIN of 1/classes, or within three standard errors of
 * guessing on few samples. Undefined for a model that does better (or for one class).
 */
export function nearChance(top1: number, classes: number, samples: number, who = 'the float model'): NearChance | undefined {
  if (!(classes >= 2) || !(samples > 0)) return undefined;
  const chance = 1 / classes;
  const margin = Math.max(NEAR_CHANCE_MARGIN, 3 * Math.sqrt((chance * (1 - chance)) / samples));
  if (top1 > chance + margin) return undefined;
  return { top1, classes, chance, samples, message: nearChanceMessage(who, top1, classes, samples) };
}

function nearChanceMessage(who: string, top1: number, classes: number, samples: number): string {
  return `WARNING: AT CHANCE LEVEL: ${who} scores top-1 ${formatPercent(top1)} on ${formatInteger(samples)} labelled samples, ` +
    `where guessing scores ${formatPercent(1 / classes)} with ${classes} classes; accuracy figures and drops measured on this data mean nothing. ` +
    'The data is most likely not prepared the way the model was trained: check the scale (--scale 1/255 or --scale 1), ' +
    'the normalization (--mean and --std, e.g. 0.485,0.456,0.406 and 0.229,0.224,0.225 for ImageNet models), ' +
    'the layout (--layout NCHW or NHWC), the channel order (images are read as RGB; a BGR-trained model needs its data in BGR), ' +
    'and that the labels belong to these samples in this order';
}

/**
 * Every distinct near-chance alarm anywhere in a job's result (eval's accuracy, quantize's
 * accuracyBefore, analyze's float score, a recipe's measured figures...): what the CLI prints and
 * the extension shows for any command, so a new job that scores against labels is covered too.
 */
export function nearChanceAlarms(result: unknown): NearChance[] {
  const found = new Map<string, NearChance>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 6 || v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') walk(x, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (k === 'nearChance' && isNearChance(x)) found.set(x.message, x);
      else walk(x, depth + 1);
    }
  };
  walk(result, 0);
  return [...found.values()];
}

function isNearChance(x: unknown): x is NearChance {
  return typeof x === 'object' && x !== null && typeof (x as NearChance).message === 'string' && typeof (x as NearChance).classes === 'number';
}

/** The reason an accuracy budget cannot pass: the float model itself is at chance on the budget's data. */
export function chanceBudgetReason(n: NearChance): string {
  return `the float model is at chance level on this data (top-1 ${formatPercent(n.top1)}, ${n.classes} classes: guessing scores ${formatPercent(n.chance)}), so no accuracy budget can be shown to hold; fix the data preparation (--scale, --mean/--std, --layout, channel order)`;
}
