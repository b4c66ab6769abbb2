/** The note over the canvas that says what went wrong (a model that does not open, a failed layout). */
import { clear, h } from './dom';

export class ErrorNote {
  readonly el = h('div', { class: 'message error', role: 'alert', hidden: true });
  private page: HTMLElement | undefined;

  /** `alone`: the page shows nothing else (class `no-graph` on it hides the toolbar and side panel). */
  show(text: string, alone?: HTMLElement): void {
    clear(this.el);
    this.el.append(h('span', { class: 'codicon codicon-error' }), h('span', {}, text));
    this.el.hidden = false;
    this.page = alone;
    alone?.classList.add('no-graph');
  }

  hide(): void {
    this.page?.classList.remove('no-graph');
    this.page = undefined;
    this.el.hidden = true;
    clear(this.el);
  }
}
