/** The note over the canvas that says what went wrong (a model that does not open, a failed layout). */
import { clear, h } from './dom';

export class ErrorNote {
  readonly el = h('div', { class: 'message error', role: 'alert', hidden: true });

  show(text: string): void {
    clear(this.el);
    this.el.append(h('span', { class: 'codicon codicon-error' }), h('span', {}, text));
    this.el.hidden = false;
  }

  hide(): void {
    this.el.hidden = true;
    clear(this.el);
  }
}
