import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { validateRecipe, type RecipeProblem } from '../../../src/core/recipe/validate';
import { nodeNameSlot, nodeNameText, setOverride } from '../../../src/core/recipe/edit';
import { recipeFormat } from '../../../src/core/recipe/tree';

const facts = { nodeNames: ['/features/0/Conv', '/features/1/Conv', '/classifier/Gemm', 'odd: name'], weightBytes: 400_000 };

const JSON_RECIPE = `{
  "model": 3,
  "passes": [{"pass": "quantise"}, {"pass": "quantize", "options": {"mode": "fast", "blockSize": 2.5, "colour": 1, "excludeNode": ["/classifier/Gem"]}}],
  "overrides": {"/features/9/Conv": {"precision": "float"}},
  "budgets": {"maxAccuracyDrop": 0.3, "maxSizeBytes": 1000, "minCosine": 1.5},
  "extra": true
}`;

const YAML_RECIPE = `# the same recipe, in YAML
model: 3
passes:
  - pass: quantise
  - pass: quantize
    options:
      mode: fast       # not a mode
      blockSize: 2.5
      colour: 1
      excludeNode:
        - /classifier/Gem
overrides:
  /features/9/Conv: { precision: float }
budgets:
  maxAccuracyDrop: 0.3
  maxSizeBytes: 1000
  minCosine: 1.5
extra: true
`;

/** What a problem says and the token it points at, quotes aside. */
function summary(text: string, p: RecipeProblem): string {
  return `${p.severity} ${p.code} ${p.message} @${text.slice(p.offset, p.offset + p.length).replace(/^"|"$/g, '')}`;
}

describe('recipe/validate (YAML)', () => {
  it('tells YAML files from JSON by name', () => {
    assert.equal(recipeFormat('/w/edgewise.yaml'), 'yaml');
    assert.equal(recipeFormat('edgewise.YML'), 'yaml');
    assert.equal(recipeFormat('/w/edgewise.json'), 'json');
  });

  it('reports the same problems as the equivalent JSON recipe, each at its token with line and column', () => {
    const j = validateRecipe(JSON_RECIPE, facts, 'json');
    const y = validateRecipe(YAML_RECIPE, facts, 'yaml');
    assert.equal(y.recipe, undefined);
    assert.equal(y.problems.length, 11);
    assert.deepEqual(y.problems.map((p) => summary(YAML_RECIPE, p)).sort(), j.problems.map((p) => summary(JSON_RECIPE, p)).sort());
    const lines = YAML_RECIPE.split('\n');
    for (const p of y.problems) {
      assert.equal(lines[p.line].slice(p.column, p.column + p.length), YAML_RECIPE.slice(p.offset, p.offset + p.length), p.message);
    }
    const at = (code: string) => y.problems.find((p) => p.code === code)!;
    assert.deepEqual([at('unknown-node').line, at('unknown-node').column], [10, 10]);
    assert.match(at('unknown-node').message, /^\$\.passes\[1\]\.options\.excludeNode\[0\]: the model has no node '\/classifier\/Gem'; did you mean '\/classifier\/Gemm'\?$/);
    assert.deepEqual([at('type').line, at('type').column, at('type').message], [1, 7, '$.model: expected a string, got number 3']);
    assert.deepEqual([at('unknown-option').line, at('unknown-option').column], [8, 6]);
  });

  it('accepts a good YAML recipe with comments, anchors and quoted names, and returns the same data as JSON', () => {
    const text = `model: m.onnx  # float model
data: &tune
  inputs: x.npy
  labels: y.npy
eval: *tune
passes:
  - pass: mixed-precision
    options: { maxAccuracyDrop: 0.3 }
overrides:
  "odd: name": { precision: float }
budgets:
  maxAccuracyDrop: 0.3
`;
    const v = validateRecipe(text, facts, 'yaml');
    assert.deepEqual(v.problems, []);
    assert.deepEqual(v.recipe, {
      model: 'm.onnx', data: { inputs: 'x.npy', labels: 'y.npy' }, eval: { inputs: 'x.npy', labels: 'y.npy' },
      passes: [{ pass: 'mixed-precision', options: { maxAccuracyDrop: 0.3 } }],
      overrides: { 'odd: name': { precision: 'float' } }, budgets: { maxAccuracyDrop: 0.3 },
    });
  });

  it('reports YAML syntax errors with positions, and missing or duplicate keys', () => {
    const text = 'model: m.onnx\npasses: [\n  {pass: fp16}\nbudgets: {}\n';
    const v = validateRecipe(text, facts, 'yaml');
    const syntax = v.problems.filter((p) => p.code === 'syntax');
    assert.ok(syntax.length >= 1);
    assert.ok(syntax.every((p) => p.severity === 'error' && /^syntax error: /.test(p.message) && !p.message.includes('\n')));
    assert.ok(syntax.some((p) => p.line >= 1), 'the error is placed after the unclosed bracket');
    const dup = validateRecipe('model: a.onnx\npasses: []\nmodel: b.onnx\n', facts, 'yaml');
    const d = dup.problems.find((p) => p.code === 'syntax')!;
    assert.match(d.message, /unique/);
    assert.equal(d.line, 2);
    assert.deepEqual(validateRecipe('model: m.onnx\n', facts, 'yaml').problems.map((p) => p.message), ["$: missing required property 'passes'"]);
    assert.deepEqual(validateRecipe('', facts, 'yaml').problems.map((p) => p.message), ['$: expected an object, got null']);
  });
});

describe('recipe/edit (YAML)', () => {
  const RECIPE = `# my recipe
model: m.onnx   # the model
passes:
  - pass: quantize
    options: {mode: static}  # fast
budgets:
  maxSizeBytes: 300000 # tight
# end
`;

  it('writes "keep in float" as new lines, keeping every other line and comment as written', () => {
    const once = setOverride(RECIPE, '/features/1/Conv', 'float', 'yaml');
    assert.equal(once, RECIPE.replace('# end\n', 'overrides:\n  /features/1/Conv:\n    precision: float\n# end\n'));
    const twice = setOverride(once, 'odd: name', 'float', 'yaml');
    assert.equal(twice, once.replace('# end\n', '  "odd: name":\n    precision: float\n# end\n'));
    const v = validateRecipe(twice, facts, 'yaml');
    assert.deepEqual(v.problems, []);
    assert.deepEqual(v.recipe!.overrides, { '/features/1/Conv': { precision: 'float' }, 'odd: name': { precision: 'float' } });
  });

  it('changes an existing override in place and fills an empty or flow-style section', () => {
    const existing = 'model: m.onnx\noverrides:\n    /features/0/Conv:\n        precision: int8   # for now\n    /features/1/Conv: {precision: fp16}\npasses: []\n';
    assert.equal(setOverride(existing, '/features/0/Conv', 'float', 'yaml'), existing.replace('int8   #', 'float   #'));
    const added = setOverride(existing, '/classifier/Gemm', 'float', 'yaml');
    assert.equal(added, existing.replace('passes', '    /classifier/Gemm:\n        precision: float\npasses'), 'follows the section\'s own indentation');
    const empty = 'model: m.onnx\noverrides: # none yet\npasses: []';
    assert.equal(setOverride(empty, '/features/0/Conv', 'float', 'yaml'), 'model: m.onnx\noverrides: # none yet\n  /features/0/Conv:\n    precision: float\npasses: []');
    const flow = 'model: m.onnx\noverrides: {"/features/0/Conv": {precision: int8}}\npasses: []\n';
    const f = setOverride(flow, '/features/1/Conv', 'float', 'yaml');
    assert.equal(f, 'model: m.onnx\noverrides: {"/features/0/Conv": {precision: int8}, /features/1/Conv: { precision: float }}\npasses: []\n');
    for (const text of [existing, added, empty, flow, f, '']) {
      const out = setOverride(text, '/features/1/Conv', 'float', 'yaml');
      assert.equal((parse(out) as { overrides: Record<string, { precision: string }> }).overrides['/features/1/Conv'].precision, 'float', out);
    }
  });

  it('finds where node names are typed: override keys and node-list items (includeNode, excludeNode), block or flow', () => {
    const text = `model: m.onnx
passes:
  - pass: quantize
    options:
      excludeNode:
        - /fe
      includeNode: [/features/0/Conv, "/cl
  - pass: prune
    options:
      excludeNode:
      - /x
overrides:
  /fo
  'odd
`;
    const slot = (word: string) => {
      const s = nodeNameSlot(text, text.indexOf(word) + word.length, 'yaml');
      return s && [s.kind, text.slice(s.offset, s.offset + s.length), s.quoted];
    };
    assert.deepEqual(slot('/fe'), ['list-item', '/fe', false]);
    assert.deepEqual(slot('"/cl'), ['list-item', '/cl', true]);
    assert.deepEqual(slot('- /x'), ['list-item', '/x', false]);
    assert.deepEqual(slot('/fo'), ['override-key', '/fo', false]);
    assert.deepEqual(slot("'odd"), ['override-key', 'odd', true]);
    assert.equal(slot('quantize'), undefined);
    assert.equal(slot('m.onnx'), undefined);
    assert.equal(slot('options'), undefined);
    const crlf = text.replace(/\n/g, '\r\n');
    assert.equal(nodeNameSlot(crlf, crlf.indexOf('/fe') + 3, 'yaml')?.kind, 'list-item', 'Windows line ends');
    assert.equal(setOverride('model: m.onnx\r\npasses: []\r\n', '/fo', 'float', 'yaml'), 'model: m.onnx\r\npasses: []\r\noverrides:\r\n  /fo:\r\n    precision: float\r\n');
    const bare = nodeNameSlot(text, text.indexOf('/fo') + 3, 'yaml')!;
    assert.equal(nodeNameText(bare, 'odd: name'), '"odd: name"');
    assert.equal(nodeNameText(bare, '/features/0/Conv'), '/features/0/Conv');
  });
});
