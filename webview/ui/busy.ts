/** "Still laying out N items… Cancel": shown when a layout runs long. */
import { clear, h } from './dom';
import { formatInteger } from '../../src/core/base/units';

export class BusyNote {
  readonly el = h('div', { class: 'busy', role: 'status', hidden: true });

  constructor(private readonly onCancel: () => void) {}

  show(items: number): void {
    clear(this.el);
    const cancel = h('vscode-button', { secondary: true }, 'Cancel');
    cancel.addEventListener('click', () => this.onCancel());
    this.el.append(h('vscode-progress-ring', {}), h('span', {}, `Still laying out ${formatInteger(items)} items…`), cancel);
    this.el.hidden = false;
  }

  hide(): void {
    this.el.hidden = true;
  }
}
