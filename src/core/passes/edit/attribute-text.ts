import type { AttributeValue } from './types';

/**
 * An attribute value as typed by a user: JSON numbers, lists of numbers or of strings; anything
 * else is a string ('SAME_UPPER'). The attribute's own type is checked when it is set (attribute.ts).
 */
export function attributeValueFromText(text: string): AttributeValue {
  try {
    const parsed: unknown = JSON.parse(text);
    const all = (t: string) => Array.isArray(parsed) && parsed.every((x) => typeof x === t);
    if (typeof parsed === 'number' || all('number') || all('string')) return parsed as AttributeValue;
  } catch {
    // Not JSON: a string attribute.
  }
  return text;
}
