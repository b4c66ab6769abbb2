import * as assert from 'node:assert/strict';
import { benchmarkReportHtml } from '../../../src/extension/benchmark/report-html';
import { latencyStats } from '../../../src/core/runtime/stats';
import type { BenchmarkResult } from '../../../src/core/runtime/types';
import { launchChromium } from '../../../bench/page';

function result(): BenchmarkResult {
  const nodes = Array.from({ length: 12 }, (_, i) => ({ name: i === 0 ? '<img src=x onerror=alert(1)>' : `/layer${i}/Conv`, opType: 'Conv', meanUs: 1000 - i * 10, share: 0.05 }));
  return {
    model: '/models/net.onnx', modelBytes: 1 << 20, threads: 1, optLevel: 'all', executionProviders: ['cpu'], spinning: false,
    ortVersion: '1.30.0', machine: { cpuModel: 'CPU', cores: 2, totalMemBytes: 1, platform: 'linux', arch: 'x64', nodeVersion: '20' },
    inputs: [], warnings: [], warmup: 1, initMs: 10, firstRunMs: 2, latency: latencyStats([1, 2, 2, 3, 9]),
    peakRssBytes: 100 << 20, rssAfterLoadBytes: 90 << 20, rssBaselineBytes: 50 << 20,
    profile: { optLevel: 'disabled', runs: 5, droppedRuns: 0, runMeanMs: 12, ortRunMeanMs: 11.9, coverage: 0.97, coverageOfOrtRun: 0.98, unattributedShare: 0.03, nodes },
  };
}

describe('extension/benchmark/report-html', () => {
  it('renders a script-free page with a strict CSP, a histogram and the 10 slowest layers, escaping names', () => {
    const html = benchmarkReportHtml([result()], { nonce: 'abc123', target: 'edge-small', budgetBreaks: [{ budget: 'ram', what: 'peak RAM', limit: 1, measured: 2, unit: 'bytes', message: 'peak RAM 2 is over' }] });
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-abc123'; img-src data:;">/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62;/);
    assert.equal((html.match(/<tr><td class="name"/g) ?? []).length, 10);
    assert.match(html, /<svg role="img" aria-label="latency histogram"/);
    assert.equal((html.match(/class="bar"/g) ?? []).length, 30);
    assert.match(html, /<li>peak RAM 2 is over<\/li>/);
    assert.doesNotMatch(html, /not shown/);
  });

  it('stops the histogram at p99 when a few preempted runs would squash it', () => {
    const r = result();
    r.latency = latencyStats([...Array.from({ length: 200 }, (_, i) => 1 + (i % 10) / 10), 150]);
    const html = benchmarkReportHtml([r], { nonce: 'n' });
    assert.match(html, /1 slower run \(to 150 ms\) not shown/);
    assert.match(html, /class="lbl end">1\.9 ms<\/text><\/svg>/, 'the axis ends at p99');
  });

  it('fits a narrow column: nothing runs off the right edge, no figure is cut short', async function () {
    this.timeout(60_000);
    const r = result();
    r.profile!.nodes[1].name = '/features/features.13/conv/conv.0/conv.0.0/Conv_with_a_long_scope_name';
    const html = benchmarkReportHtml([r], { nonce: 'n', target: 'edge-small', budgetBreaks: [] });
    const browser = await launchChromium();
    try {
      for (const width of [300, 420, 900]) {
        const page = await browser.newPage({ viewport: { width, height: 800 } });
        await page.setContent(html);
        const seen = await page.evaluate(() => ({
          overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          // A figure (name or value) cut or spilling out of its cell.
          cut: [...document.querySelectorAll('.kv dt, .kv dd')].filter((e) => e.scrollWidth > e.clientWidth + 1 ||
            e.getBoundingClientRect().right > Math.min(document.documentElement.clientWidth, e.parentElement!.getBoundingClientRect().right + 1)).map((e) => e.textContent),
          // Long layer names end in an ellipsis, with the whole name as their tooltip.
          names: [...document.querySelectorAll('.layers td.name')].every((td) => td.getAttribute('title') === td.textContent),
        }));
        assert.ok(seen.overflow <= 0, `${width}px: the page is ${seen.overflow}px wider than the panel`);
        assert.deepEqual(seen.cut, [], `${width}px: figures cut short`);
        assert.ok(seen.names, 'layer names carry their full text as a tooltip');
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
