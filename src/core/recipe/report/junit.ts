/** Each budget of a recipe run as a JUnit test case, so CI systems list and gate on them natively. */
import * as path from 'node:path';
import type { RecipeRunReport } from '../run';

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
  // Characters XML 1.0 cannot carry at all.
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function reportJunit(r: RecipeRunReport, seconds: number): string {
  const suite = `edgewise budgets: ${path.basename(r.recipe)}`;
  const failures = r.budgets.filter((b) => !b.ok).length;
  const cases = r.budgets.map((b) => {
    const head = `    <testcase classname="${xml(`edgewise.${path.basename(r.recipe)}`)}" name="${xml(b.budget)}" time="0">`;
    const props = `\n      <system-out>${xml(b.message)}</system-out>`;
    return b.ok ? `${head}${props}\n    </testcase>` : `${head}\n      <failure message="${xml(b.message)}" type="BudgetBroken">${xml(`limit ${b.limit}, measured ${b.measured ?? 'nothing'}`)}</failure>${props}\n    </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="edgewise" tests="${r.budgets.length}" failures="${failures}" errors="0" time="${seconds.toFixed(3)}">
  <testsuite name="${xml(suite)}" tests="${r.budgets.length}" failures="${failures}" errors="0" skipped="0" time="${seconds.toFixed(3)}" timestamp="${new Date().toISOString().slice(0, 19)}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
