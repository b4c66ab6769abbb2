/** What `drawnOrClosed` needs of a graph panel (graph-panel.ts). */
export interface DrawablePanel {
  whenDrawn(): Promise<unknown>;
  readonly webviewPanel: { onDidDispose(listener: () => void): { dispose(): void } };
}

/** True once the panel's graph is drawn and settled; false if the panel closes first. */
export function drawnOrClosed(panel: DrawablePanel): Promise<boolean> {
  return new Promise((resolve) => {
    const closed = panel.webviewPanel.onDidDispose(() => resolve(false));
    void panel.whenDrawn().then(() => {
      closed.dispose();
      resolve(true);
    });
  });
}
