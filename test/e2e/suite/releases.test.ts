import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ReleasesView, type ReleaseNode } from '../../../src/extension/releases-view';
import type { RepositoryStatus } from '../../../src/ota/publisher/status';
import type { InitResult } from '../../../src/ota/publisher/init';
import { edgewise, hasUiBridge, screenshot, workspaceFile } from './helpers';

describe('releases in VS Code: Publish Model Release... and the Releases view', function () {
  this.timeout(180_000);
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-e2e-repo-'));
  after(async () => {
    // The workbench remembers the open sidebar: leave the Explorer showing, as the UI checks expect.
    await vscode.commands.executeCommand('workbench.view.explorer');
    await vscode.workspace.getConfiguration('edgewise.releases').update('repository', undefined, vscode.ConfigurationTarget.Workspace);
    fs.rmSync(repo, { recursive: true, force: true });
  });

  const releaseNodes = async () => {
    const api = await edgewise();
    const [channel] = api.releases.view.getChildren();
    assert.equal(channel?.kind, 'channel', JSON.stringify(channel));
    return api.releases.view.getChildren(channel).filter((n): n is Extract<ReleaseNode, { kind: 'release' }> => n.kind === 'release');
  };

  it('the Edgewise sidebar holds the Releases view, which offers to open or create a repository', async () => {
    const api = await edgewise();
    await vscode.commands.executeCommand('workbench.view.extension.edgewise');
    await vscode.commands.executeCommand('edgewise.releases.focus');
    assert.equal(api.releases.repository(), undefined);
    assert.deepEqual(api.releases.view.getChildren(), [], 'empty: the welcome content shows');
    if (hasUiBridge()) await screenshot('releases-welcome');
  });

  it('creates a repository with keys outside the workspace, publishes a model, and promotes, pauses and rolls back from the view', async () => {
    const api = await edgewise();
    const init = await vscode.commands.executeCommand<InitResult>('edgewise.releases.createRepository', vscode.Uri.file(repo));
    assert.ok(init, 'the repository was created');
    assert.equal(api.releases.repository(), repo);
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    assert.ok(!init.keys.dir.startsWith(ws + path.sep), `keys in ${init.keys.dir}, outside the workspace ${ws}`);

    const model = workspaceFile('fmnist_cnn.onnx');
    const published = await vscode.commands.executeCommand<{ release: { version: string } }>('edgewise.publishRelease', model, { channel: 'stable', version: '1.0.0', rollout: 5 });
    assert.equal(published?.release.version, '1.0.0');
    let [node] = await releaseNodes();
    assert.equal(node.release.rollout, 5);
    assert.match(String(api.releases.view.getTreeItem(node).description), /^5% · /);
    assert.equal(api.releases.view.getTreeItem(node).contextValue, 'edgewise.release.active');
    if (hasUiBridge()) await screenshot('releases-published');

    await vscode.commands.executeCommand('edgewise.releases.promote', node, 25);
    [node] = await releaseNodes();
    assert.equal(node.release.rollout, 25);
    await vscode.commands.executeCommand('edgewise.releases.pause', node, { confirmed: true });
    [node] = await releaseNodes();
    assert.equal(node.release.state, 'paused');
    assert.equal(api.releases.view.getTreeItem(node).contextValue, 'edgewise.release.paused');
    await vscode.commands.executeCommand('edgewise.releases.rollback', node, { confirmed: true });
    [node] = await releaseNodes();
    assert.equal(node.release.state, 'rolled-back');
    assert.match(String(api.releases.view.getTreeItem(node).description), /rolled back at 25%/);
    if (hasUiBridge()) await screenshot('releases-rolled-back');
  });

  it('reads the repository when the view first shows, not before, and a reload begun meanwhile wins', async () => {
    const real = (await edgewise()).releases.view.current;
    assert.ok(real?.channels.length, 'the repository the last test published to');
    const answers: ((s: RepositoryStatus) => void)[] = [];
    // A folder of its own: the view watches its repository's timestamp, which the last test's changes may still be reporting.
    const quiet = fs.mkdtempSync(path.join(os.tmpdir(), 'ew-e2e-quiet-repo-'));
    const view = new ReleasesView(() => quiet, () => new Promise((r) => answers.push(r)));
    const shown = () => view.getChildren().map((n) => (n.kind === 'message' ? n.text : n.kind));
    try {
      view.refreshIfRead();
      assert.equal(answers.length, 0, 'a setting changed before the view showed: nothing is read');
      assert.deepEqual(shown(), ['Reading the release repository...']);
      assert.equal(answers.length, 1, 'the first show reads it, once');
      view.refreshIfRead();
      assert.equal(answers.length, 2, 'a setting changed once it was read: read again');
      const older = view.refresh();
      void view.refresh();
      let olderDone = false;
      void older.then(() => { olderDone = true; });
      for (const answer of answers.slice(0, 3)) answer({ ...real, channels: [] });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(olderDone, false, 'the older reload waits for the later one');
      assert.deepEqual(shown(), ['Reading the release repository...']);
      answers[3](real);
      await older;
      assert.equal(view.current, real);
      assert.equal(shown()[0], 'channel');
    } finally {
      view.dispose();
      fs.rmSync(quiet, { recursive: true, force: true });
    }
  });
});
