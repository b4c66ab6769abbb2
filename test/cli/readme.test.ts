import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { loadCommands } from '../../src/cli/commands';

const commands = loadCommands();

const README = fs.readFileSync('README.md', 'utf8');

describe('README', () => {
  it('every CLI line it shows names a command and options that command takes', () => {
    const lines = README.split('\n').filter((l) => l.startsWith('node dist/cli.js ') && !l.includes('<command>'));
    assert.ok(lines.length > 30, `${lines.length} example lines`);
    for (const line of lines) {
      const words = line.split('#')[0].trim().split(/\s+/).slice(2);
      const cmd = commands.find((c) => c.name === words[0]);
      assert.ok(cmd, `README: unknown command in '${line}'`);
      for (const w of words.slice(1)) {
        const option = /^\[?--([a-z0-9-]+)/.exec(w)?.[1];
        if (option) assert.ok(option in cmd!.options || option === 'help' || option === 'quiet', `README: ${cmd!.name} has no --${option} ('${line}')`);
      }
    }
  });

  it('says which folders beside the repository the tests read', () => {
    assert.match(README, /`\.\.\/shared\/fixtures\/`/);
    assert.match(README, /`\/usr\/share\/libonnx-testdata\/data`/);
  });
});
