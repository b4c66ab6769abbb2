/**
 * `edgewise run --report/--summary/--junit` end to end: a real recipe run, the HTML opened in
 * headless Chromium (no request beyond the file itself, no console error, screenshot kept in
 * test-output/), the JUnit file parsed by Python's XML parser against the JUnit structure.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { CLI, ensureCliBuilt } from '../../../cli/run';
import { FIXTURES, tempDir } from '../../../helpers/onnx-models';

const ROOT = path.resolve(__dirname, '../../../..');
const SHOTS = path.join(ROOT, 'test-output');

/** A recipe on the fixture CNN: static INT8, four budgets, the latency one impossible (0.001 ms). */
function recipeDir(): string {
  const dir = tempDir();
  for (const f of ['fmnist_cnn.onnx', 'fmnist_train1k_u8.npy', 'fmnist_train1k_labels.npy', 'fmnist_test1k_u8.npy', 'fmnist_test1k_labels.npy']) fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'edgewise.yaml'), [
    'model: fmnist_cnn.onnx',
    'data: { inputs: fmnist_train1k_u8.npy, labels: fmnist_train1k_labels.npy, count: 200 }',
    'eval: { inputs: fmnist_test1k_u8.npy, labels: fmnist_test1k_labels.npy, count: 300 }',
    'passes:',
    '  - pass: quantize',
    '    options: { mode: static, perChannel: true }',
    'budgets: { maxAccuracyDrop: 2, maxSizeBytes: 300000, maxLatencyMs: 0.001, maxRamBytes: 2000000000 }',
    '',
  ].join('\n'));
  return dir;
}

describe('edgewise run --report --summary --junit', function () {
  this.timeout(240_000);
  let dir: string;
  let run: ReturnType<typeof spawnSync>;
  before(() => {
    ensureCliBuilt();
    dir = recipeDir();
    fs.mkdirSync(path.join(dir, 'out'));
    run = spawnSync(process.execPath, [CLI, 'run', 'edgewise.yaml', '--report', 'out/report.html', '--summary', 'out/report.md', '--junit', 'out/budgets.xml'], { cwd: dir, encoding: 'utf8', timeout: 200_000 });
  });

  it('checks the report paths before any pass runs', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', 'edgewise.yaml', '--report', 'missing/report.html'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /the output folder '.*missing' does not exist/);
    assert.doesNotMatch(r.stderr, /running quantize/);
    const same = spawnSync(process.execPath, [CLI, 'run', 'edgewise.yaml', '--report', 'edgewise.yaml'], { cwd: dir, encoding: 'utf8' });
    assert.match(same.stderr, /is the input model; choose another output path/);
  });

  it('exits 3 for the broken budget and writes the three files', () => {
    assert.equal(run.status, 3, String(run.stderr));
    for (const f of ['report.html', 'report.md', 'budgets.xml']) assert.match(String(run.stdout), new RegExp(`wrote .*out/${f.replace('.', '\\.')}`));
    const md = fs.readFileSync(path.join(dir, 'out/report.md'), 'utf8');
    assert.match(md, /^## ❌ Edgewise: edgewise\.yaml/);
    assert.match(md, /\*\*1 of 4 budgets broken\*\*/);
    assert.match(md, /\| ❌ \| maxLatencyMs \| 0\.001 \|/);
    assert.match(md, /\| ✅ \| maxSizeBytes \| 300,000 \| [\d,]+ \|/);
  });

  it('the JUnit file is well-formed XML with one test case per budget and a failure for the broken one', () => {
    const check = `
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == 'testsuites', root.tag
suites = root.findall('testsuite')
assert len(suites) == 1
s = suites[0]
cases = s.findall('testcase')
assert int(s.get('tests')) == len(cases) == int(root.get('tests')), (s.get('tests'), len(cases))
failed = [c.get('name') for c in cases if c.find('failure') is not None]
assert int(s.get('failures')) == len(failed)
for c in cases:
    assert c.get('classname') and c.get('name') and float(c.get('time')) >= 0
    for f in c.findall('failure'): assert f.get('message') and f.get('type')
print(','.join(c.get('name') for c in cases) + '|' + ','.join(failed))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', check, path.join(dir, 'out/budgets.xml')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'maxAccuracyDrop,maxSizeBytes,maxLatencyMs,maxRamBytes|maxLatencyMs');
  });

  it('the HTML report renders in Chromium from the file alone: no other request, no error, every section drawn', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      const problems: string[] = [];
      page.on('request', (q) => requests.push(q.url()));
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(e.message));
      const file = path.join(dir, 'out/report.html');
      await page.goto(`file://${file}`);
      assert.deepEqual(requests, [`file://${file}`], 'nothing but the file itself is loaded');
      assert.deepEqual(problems, []);
      assert.equal(await page.title(), 'Edgewise report: edgewise.yaml FAIL');
      const headings = await page.locator('h2').allTextContents();
      assert.deepEqual(headings, ['Summary', 'Budgets', 'Passes', 'Latency', 'Per-layer error', 'Graph']);
      assert.equal(await page.locator('tr.bad').count(), 1);
      assert.equal(await page.locator('tr.ok').count(), 3);
      // Histogram, slowest-layer bars, per-layer error bars, graph: each an SVG with drawn content.
      const svgs = await page.locator('section svg').evaluateAll((els) => els.map((e) => ({ label: e.getAttribute('aria-label'), w: e.getBoundingClientRect().width, marks: e.querySelectorAll('rect,polyline').length })));
      assert.deepEqual(svgs.map((s) => s.label), ['latency histogram', 'per-layer latency', 'per-layer error', 'model graph']);
      for (const s of svgs) assert.ok(s.w > 100 && s.marks > 3, JSON.stringify(s));
      // The layers whose outputs were compared (the Relus Conv folds into, the Gemms) are coloured
      // by the overlay, not the grey of nodes without a value; their tooltips give the SQNR.
      const tips = await page.locator('.graph g').evaluateAll((gs) => gs.filter((g) => g.querySelector('rect')!.getAttribute('fill')!.startsWith('rgb(')).map((g) => g.querySelector('title')!.textContent!));
      assert.ok(tips.length >= 3, JSON.stringify(tips));
      for (const t of tips) assert.match(t, /: SQNR vs the recipe's model \d+(\.\d+)? dB$/);
      fs.mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'ci-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
