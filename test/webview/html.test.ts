import * as assert from 'node:assert/strict';
import { renderWebviewHtml } from '../../webview/html';

describe('renderWebviewHtml', () => {
  const html = renderWebviewHtml({
    scriptUri: 'https://res/webview.js', styleUri: 'https://res/webview.css',
    codiconsUri: 'https://res/codicon.css', chromeUri: 'https://res/webview-chrome.js?a="b', cspSource: 'https://res', nonce: 'abc123', title: 'a<b>.onnx',
  });

  it('sets a strict CSP with the nonce and no unsafe sources', () => {
    const csp = html.match(/Content-Security-Policy" content="([^"]+)"/)![1];
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc123'/);
    // elkjs's layouts come from the worker process through the host (the page makes only the quick
    // first-frame layouts itself): the page starts no worker and fetches nothing.
    assert.doesNotMatch(csp, /worker-src|connect-src/);
    assert.doesNotMatch(csp, /unsafe-(inline|eval)/);
  });

  it('loads the bundle with the nonce and links codicons by the id vscode-elements expects', () => {
    assert.match(html, /<script nonce="abc123" src="https:\/\/res\/webview.js"><\/script>/);
    // Disabled: not fetched before the graph's first frame (webview/chrome.ts enables it).
    assert.match(html, /id="vscode-codicon-stylesheet" href="https:\/\/res\/codicon.css" disabled>/);
    assert.match(html, /<title>a&lt;b>.onnx<\/title>/);
    // The chrome's components: named for webview/chrome.ts, which fetches them after the first frame.
    assert.match(html, /<div id="edgewise-root" class="loading" data-chrome="https:\/\/res\/webview-chrome.js\?a=&quot;b">/);
    // The head's one inline script (it says 'ready' before the bundle is fetched) carries the nonce too.
    assert.equal(html.match(/<script/g)!.length, 2);
    assert.match(html, /<head>[^]*<script nonce="abc123">\(function\(\)\{[^<]*\}\)\(\);<\/script>[^]*<\/head>/);
    assert.doesNotMatch(html, /<style|onclick=|style="/);
  });
});
