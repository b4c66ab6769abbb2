import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { renderWebviewHtml } from '../../webview/html';

/** The graph webview's HTML with URIs of the bundles in dist/ and a fresh nonce. */
export function graphWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const dist = vscode.Uri.joinPath(extensionUri, 'dist');
  const asset = (...parts: string[]) => {
    const uri = vscode.Uri.joinPath(dist, ...parts);
    return fs.existsSync(uri.fsPath) ? webview.asWebviewUri(uri).toString() : undefined;
  };
  const scriptUri = asset('webview.js');
  if (!scriptUri) return missingBundleHtml();
  return renderWebviewHtml({
    scriptUri,
    styleUri: asset('webview.css'),
    chromeUri: asset('webview-chrome.js'),
    codiconsUri: asset('codicons', 'codicon.css'),
    cspSource: webview.cspSource,
    nonce: randomBytes(16).toString('base64'),
    title,
  });
}

function missingBundleHtml(): string {
  return `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></head>
<body><p>The Edgewise graph view is not built: <code>dist/webview.js</code> is missing.
Run <code>npm run build</code> in the extension's folder.</p></body></html>`;
}
