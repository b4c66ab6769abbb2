import { strict as assert } from 'node:assert';
import { validateRecipe } from '../../../src/core/recipe/validate';
import { nodeNameSlot, setOverride } from '../../../src/core/recipe/edit';

const facts = { nodeNames: ['/features/0/Conv', '/features/1/Conv', '/classifier/Gemm'], weightBytes: 400_000 };

describe('recipe/validate', () => {
  it('accepts a good recipe (with comments and trailing commas) and returns it', () => {
    const text = `{
  // mobile build
  "model": "m.onnx",
  "data": {"inputs": "x.npy", "labels": "y.npy"},
  "passes": [{"pass": "quantize", "options": {"mode": "static", "excludeNode": ["/classifier/Gemm"]}},],
  "overrides": {"/features/0/Conv": {"precision": "float"}},
  "budgets": {"maxAccuracyDrop": 0.3, "maxSizeBytes": 200000}
}`;
    const v = validateRecipe(text, facts);
    assert.deepEqual(v.problems, []);
    assert.equal(v.recipe?.passes[0].pass, 'quantize');
    assert.deepEqual(v.recipe?.overrides, { '/features/0/Conv': { precision: 'float' } });
  });

  it('reports each problem with its JSON path and exact position', () => {
    const text = `{
  "model": 3,
  "passes": [{"pass": "quantise"}, {"pass": "quantize", "options": {"mode": "fast", "blockSize": 2.5, "colour": 1}}],
  "overrides": {"/features/9/Conv": {"precision": "float"}},
  "budgets": {"maxAccuracyDrop": 0.3, "maxSizeBytes": 1000, "minCosine": 1.5},
  "extra": true
}`;
    const v = validateRecipe(text, facts);
    assert.equal(v.recipe, undefined);
    const got = v.problems.map((p) => [p.severity, p.code, p.line, text.slice(p.offset, p.offset + p.length)]);
    assert.deepEqual(got, [
      ['error', 'type', 1, '3'],
      ['error', 'value', 2, '"quantise"'],
      ['error', 'value', 2, '"fast"'],
      ['error', 'value', 2, '2.5'],
      ['error', 'unknown-option', 2, '"colour"'],
      ['error', 'unknown-node', 3, '"/features/9/Conv"'],
      ['error', 'unreachable-budget', 4, '"maxAccuracyDrop"'],
      ['error', 'unreachable-budget', 4, '1000'],
      ['error', 'value', 4, '1.5'],
      ['error', 'unknown-property', 5, '"extra"'],
    ]);
    const unknownNode = v.problems.find((p) => p.code === 'unknown-node')!;
    assert.match(unknownNode.message, /^\$\.overrides\["\/features\/9\/Conv"\]: the model has no node '\/features\/9\/Conv'; did you mean '\/features\/0\/Conv'\?/);
    assert.match(v.problems[0].message, /^\$\.model: expected a string, got number 3/);
    assert.equal(v.problems[1].column, text.split('\n')[2].indexOf('"quantise"'));
  });

  it('reports syntax errors and missing required properties', () => {
    const v = validateRecipe('{"model": "m.onnx", "passes": [}');
    assert.ok(v.problems.some((p) => p.code === 'syntax'));
    const w = validateRecipe('{"model": "m.onnx"}');
    assert.deepEqual(w.problems.map((p) => p.message), ["$: missing required property 'passes'"]);
  });
});

describe('recipe/edit', () => {
  it('writes "keep in float" overrides, creating the section and keeping comments', () => {
    const text = '{\n  // keep\n  "model": "m.onnx",\n  "passes": []\n}\n';
    const once = setOverride(text, '/features/1/Conv', 'float');
    assert.ok(once.includes('// keep'));
    assert.deepEqual(JSON.parse(once.replace('// keep', '')).overrides, { '/features/1/Conv': { precision: 'float' } });
    const twice = setOverride(once, '/classifier/Gemm', 'float');
    assert.deepEqual(Object.keys(validateRecipe(twice, facts).recipe!.overrides!), ['/features/1/Conv', '/classifier/Gemm']);
  });

  it('finds where node names are typed', () => {
    const text = '{"passes": [{"pass": "quantize", "options": {"excludeNode": ["/fe"]}}], "overrides": {"/cl": {}}}';
    assert.equal(nodeNameSlot(text, text.indexOf('/fe') + 2)?.kind, 'list-item');
    assert.equal(nodeNameSlot(text, text.indexOf('/cl') + 2)?.kind, 'override-key');
    assert.equal(nodeNameSlot(text, text.indexOf('quantize') + 2), undefined);
  });
});
