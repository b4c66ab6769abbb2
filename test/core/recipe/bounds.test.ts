import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateRecipe } from '../../../src/core/recipe/validate';
import { overrideEdits, nodeNameSlot } from '../../../src/core/recipe/edit';
import { RECIPE_LIMITS } from '../../../src/core/recipe/tree';
import { recipePathProblems } from '../../../src/core/recipe/paths';
import { loadRecipe } from '../../../src/core/recipe/run';
import { FIXTURES } from '../../helpers/fmnist';
import { yamlAliasBomb } from '../../helpers/hostile-files';

/** Runs `fn` and returns its result with the milliseconds it took. */
function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, performance.now() - t0];
}

describe('recipe parsing is bounded (size, nesting, alias expansion)', () => {
  const errors = (text: string, format: 'json' | 'yaml') => validateRecipe(text, undefined, format).problems.filter((p) => p.severity === 'error').map((p) => p.message);

  it('refuses a YAML alias bomb quickly, naming the limit', () => {
    const [messages, ms] = timed(() => errors(yamlAliasBomb(), 'yaml'));
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.deepEqual(messages, [`the recipe expands more than ${RECIPE_LIMITS.aliases} aliases`]);
    // Fewer aliases, but a tree too large once expanded: the resolved size bounds it.
    const wide = ['model: m.onnx', 'passes: []', `x0: &x0 [${Array(2000).fill('1').join(', ')}]`, `x1: &x1 [${Array(60).fill('*x0').join(', ')}]`].join('\n');
    assert.deepEqual(errors(wide, 'yaml'), [`the recipe stands for more than ${RECIPE_LIMITS.values} values once its aliases are expanded`]);
  });

  it('still expands the aliases a real recipe uses', () => {
    const text = 'model: m.onnx\npasses:\n  - pass: quantize\n    options: { mode: fp16, excludeNode: &skip [/a/Conv, /b/Conv] }\n  - pass: quantize\n    options: { mode: int4, excludeNode: *skip }\n';
    const v = validateRecipe(text, undefined, 'yaml');
    assert.deepEqual(v.recipe?.passes.map((p) => p.options?.excludeNode), [['/a/Conv', '/b/Conv'], ['/a/Conv', '/b/Conv']]);
  });

  for (const [name, format, text] of [
    ['JSON 100,000 arrays deep', 'json', `{"model":"m.onnx","passes":[],"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
    ['JSON objects in a comment-laden text', 'json', `// [[[[\n{"model":"m.onnx","passes":[],"x":${'{"a":'.repeat(70)}1${'}'.repeat(70)}}`],
    ['YAML flow 100,000 deep', 'yaml', `model: m.onnx\npasses: []\nx: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`],
    ['YAML compact sequences 50,000 deep', 'yaml', `model: m.onnx\npasses: []\nx: \n  ${'- '.repeat(50_000)}a\n`],
    ['YAML block mappings 200 deep', 'yaml', `model: m.onnx\npasses: []\n${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`],
  ] as const) {
    it(`refuses nesting past ${RECIPE_LIMITS.depth} levels: ${name}`, () => {
      const [messages, ms] = timed(() => errors(text, format));
      assert.ok(ms < 2000, `took ${ms} ms`);
      assert.deepEqual(messages, [`the recipe nests more than ${RECIPE_LIMITS.depth} levels deep`]);
    });
  }

  it('accepts nesting up to the limit', () => {
    const text = `{"model":"m.onnx","passes":[],"x":${'['.repeat(60)}${']'.repeat(60)}}`;
    // The only complaint is the key the schema does not know, none about the depth.
    assert.deepEqual(errors(text, 'json'), ["$.x: unknown property 'x'"]);
  });

  it('refuses a text past the size limit, and the editor helpers do not parse it', () => {
    const text = `model: m.onnx\npasses: []\n# ${'x'.repeat(RECIPE_LIMITS.chars)}\n`;
    assert.match(errors(text, 'yaml')[0], /^the recipe is \d+ characters long; recipes are limited to 1048576$/);
    const deep = `model: m.onnx\npasses: []\nx: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    const [, ms] = timed(() => assert.throws(() => overrideEdits(deep, '/a', 'float', 'yaml'), /nests more than 64 levels/));
    assert.ok(ms < 2000, `took ${ms} ms`);
    assert.equal(nodeNameSlot(deep, 30, 'yaml'), undefined);
  });
});

describe('recipe paths stay inside the recipe folder', () => {
  let dir: string;
  let outside: string;
  beforeEach(() => {
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-outside-'));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-recipe-paths-'));
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), path.join(outside, 'cnn.onnx'));
    fs.copyFileSync(path.join(FIXTURES, 'fmnist_cnn.onnx'), path.join(dir, 'cnn.onnx'));
    fs.symlinkSync(path.join(outside, 'cnn.onnx'), path.join(dir, 'linked.onnx'));
    fs.symlinkSync(outside, path.join(dir, 'out'));
  });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); fs.rmSync(outside, { recursive: true, force: true }); });

  it('flags absolute paths, paths that climb out and links that lead out; --allow-outside lets them through', () => {
    const cases: [object, RegExp][] = [
      [{ model: 'cnn.onnx', output: '../x.onnx' }, /\$\.output: '\.\.\/x\.onnx' leaves the recipe's folder; edgewise run refuses it unless given --allow-outside/],
      [{ model: 'cnn.onnx', output: path.join(outside, 'x.onnx') }, /\$\.output: '.*x\.onnx' is an absolute path, outside the recipe's folder/],
      [{ model: 'linked.onnx' }, /\$\.model: 'linked\.onnx' is a link to '.*cnn\.onnx', outside the recipe's folder/],
      [{ model: 'cnn.onnx', output: 'out/x.onnx' }, /\$\.output: 'out\/x\.onnx' is a link to '.*ew-outside-[^']*', outside the recipe's folder/],
      [{ model: 'cnn.onnx', data: { inputs: '/dev/zero' } }, /\$\.data\.inputs: '\/dev\/zero' is an absolute path/],
      [{ model: 'cnn.onnx', passes: [{ pass: 'distill', options: { teacher: '../t.onnx' } }] }, /\$\.passes\[0\]\.options\.teacher: '\.\.\/t\.onnx' leaves the recipe's folder/],
    ];
    for (const [fields, why] of cases) {
      const file = path.join(dir, 'edgewise.json');
      const text = JSON.stringify({ passes: [], ...fields });
      fs.writeFileSync(file, text);
      const problems = recipePathProblems(text, 'json', file, 'warning');
      assert.equal(problems.length, 1, text);
      assert.match(problems[0].message, why);
      assert.throws(() => loadRecipe(file), (e: Error) => why.test(e.message) && e.message.startsWith(`${file}:1:`));
      if (!('data' in fields)) loadRecipe(file, true);
    }
    fs.writeFileSync(path.join(dir, 'edgewise.json'), JSON.stringify({ model: 'cnn.onnx', output: 'sub/../x.onnx', passes: [] }));
    assert.deepEqual(recipePathProblems(fs.readFileSync(path.join(dir, 'edgewise.json'), 'utf8'), 'json', path.join(dir, 'edgewise.json'), 'error'), []);
  });
});
