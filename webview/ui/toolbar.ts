/** The toolbar: breadcrumb, search, view actions, overlay picker and export. */
import { h, clear } from './dom';

export interface ToolbarActions {
  search(query: string): void;
  searchStep(delta: number): void;
  fit(): void;
  toggleDirection(): void;
  expandAll(): void;
  collapseAll(): void;
  toggleConstants(): void;
  overlay(id: string): void;
  toggleScale(): void;
  exportAs(format: 'svg' | 'png'): void;
  navigate(depth: number): void;
  togglePanel(): void;
  /** Asks the extension to run one of its commands on this model (benchmark...). */
  runCommand(command: string): void;
}

export class Toolbar {
  readonly el: HTMLElement;
  readonly searchField: HTMLElement & { value: string };
  private crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Graph path' });
  private count = h('span', { class: 'search-count', 'aria-live': 'polite' });
  private overlaySelect: HTMLSelectElement;
  readonly direction: HTMLElement;
  readonly constants: HTMLElement;
  /** Buttons that run an extension command, by command id (disabled with a reason when the format cannot). */
  private readonly commandButtons = new Map<string, { el: HTMLElement; label: string }>();

  constructor(private a: ToolbarActions) {
    this.searchField = h('vscode-textfield', { placeholder: 'Search node, op or tensor', 'aria-label': 'Search', class: 'search' }) as HTMLElement & { value: string };
    this.searchField.append(h('vscode-icon', { slot: 'content-before', name: 'search' }));
    this.searchField.addEventListener('input', () => a.search(this.searchField.value));
    this.searchField.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key === 'Enter') { e.preventDefault(); a.searchStep(e.shiftKey ? -1 : 1); }
      if (e.key === 'Escape') { this.searchField.value = ''; a.search(''); }
    });
    const button = (icon: string, label: string, f: () => void, toggle = false): HTMLElement => {
      const b = h('vscode-toolbar-button', { icon, label, title: label, toggleable: toggle });
      b.addEventListener('click', f);
      return b;
    };
    this.direction = button('arrow-right', 'Left to right', () => a.toggleDirection(), true);
    this.constants = button('symbol-constant', 'Show Constant nodes', () => a.toggleConstants(), true);
    this.overlaySelect = h('select', { class: 'overlay-select', 'aria-label': 'Overlay' });
    this.overlaySelect.addEventListener('change', () => a.overlay(this.overlaySelect.value));
    this.el = h('header', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Graph tools' },
      this.crumbs,
      h('div', { class: 'search-box' },
        this.searchField,
        this.count,
        button('arrow-up', 'Previous match (Shift+Enter)', () => a.searchStep(-1)),
        button('arrow-down', 'Next match (Enter)', () => a.searchStep(1)),
      ),
      h('div', { class: 'spacer' }),
      button('screen-full', 'Fit to view (0)', () => a.fit()),
      this.direction,
      button('expand-all', 'Expand all groups', () => a.expandAll()),
      button('collapse-all', 'Collapse all groups', () => a.collapseAll()),
      this.constants,
      h('label', { class: 'overlay-label' }, h('span', { class: 'codicon codicon-color-mode' }), this.overlaySelect),
      button('symbol-ruler', 'Linear / log colour scale', () => a.toggleScale()),
      button('file-media', 'Export PNG', () => a.exportAs('png')),
      button('file-code', 'Export SVG', () => a.exportAs('svg')),
      this.commandButton('dashboard', 'Benchmark model (latency overlay)', 'edgewise.benchmarkModel', button),
      button('layout-sidebar-right', 'Toggle side panel', () => a.togglePanel()),
    );
  }

  private commandButton(icon: string, label: string, command: string, make: (icon: string, label: string, f: () => void) => HTMLElement): HTMLElement {
    const el = make(icon, label, () => { if (!el.hasAttribute('disabled')) this.a.runCommand(command); });
    this.commandButtons.set(command, { el, label });
    return el;
  }

  /** Disables the command buttons the model's format cannot run; the reason is the button's tooltip. */
  setUnavailable(reasons: Record<string, string>): void {
    for (const [command, { el, label }] of this.commandButtons) {
      const reason = reasons[command];
      el.toggleAttribute('disabled', reason !== undefined);
      el.setAttribute('title', reason ?? label);
      el.setAttribute('label', reason ?? label);
    }
  }

  setCrumbs(names: string[]): void {
    clear(this.crumbs);
    names.forEach((n, i) => {
      if (i > 0) this.crumbs.append(h('span', { class: 'sep codicon codicon-chevron-right' }));
      if (i === names.length - 1) this.crumbs.append(h('span', { class: 'crumb current' }, n));
      else {
        const b = h('a', { href: '#', class: 'crumb' }, n);
        b.addEventListener('click', (e) => { e.preventDefault(); this.a.navigate(i); });
        this.crumbs.append(b);
      }
    });
  }

  setCount(text: string): void {
    this.count.textContent = text;
  }

  setOverlays(list: { id: string; label: string }[], active: string): void {
    clear(this.overlaySelect);
    this.overlaySelect.append(h('option', { value: '' }, 'No overlay'));
    for (const o of list) this.overlaySelect.append(h('option', { value: o.id, selected: o.id === active }, o.label));
    this.overlaySelect.value = active;
  }
}
