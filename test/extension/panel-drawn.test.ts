import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { drawnOrClosed, type DrawablePanel } from '../../src/extension/panel-drawn';

/** A graph panel as drawnOrClosed sees it: draw() and close() do what the view and the user would. */
function fakePanel(): DrawablePanel & { draw(): void; close(): void; listeners(): number } {
  let draw = (): void => undefined;
  const drawn = new Promise<void>((r) => { draw = r; });
  const events = new EventEmitter();
  return {
    whenDrawn: () => drawn,
    webviewPanel: {
      onDidDispose(listener) {
        events.on('dispose', listener);
        return { dispose: () => events.off('dispose', listener) };
      },
    },
    draw: () => draw(),
    close: () => events.emit('dispose'),
    listeners: () => events.listenerCount('dispose'),
  };
}

describe('drawnOrClosed (what the microcontroller fit of a .tflite waits for)', () => {
  it('is true once the graph is drawn, and stops listening for the close', async () => {
    const panel = fakePanel();
    let settled: boolean | undefined;
    const waiting = drawnOrClosed(panel).then((v) => { settled = v; });
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, undefined, 'nothing before the graph is drawn');
    panel.draw();
    await waiting;
    assert.equal(settled, true);
    assert.equal(panel.listeners(), 0);
  });

  it('is false when the panel closes before its graph is drawn', async () => {
    const panel = fakePanel();
    const waiting = drawnOrClosed(panel);
    panel.close();
    assert.equal(await waiting, false);
  });
});
