/**
 * The toolbar: breadcrumb, search, the main view actions and a "More actions" menu for the rest.
 * It stays one row at any width: the search field and breadcrumb shrink first, then the main
 * actions move into the menu, last listed first. Every button has a label and a tooltip.
 */
import type { VscodeContextMenu } from '@vscode-elements/elements/dist/vscode-context-menu/vscode-context-menu.js';
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

/** One action: a button in the row or an item of the "More actions" menu (or both, when the row is narrow). */
interface Action {
  id: string;
  icon: string;
  label: string;
  /** The menu's text when it differs from the button's tooltip (a toggle says what it will do). */
  menuLabel?: () => string;
  keybinding?: string;
  run(): void;
  /** The button, when the action has one in the row. */
  button?: HTMLElement;
  disabled?: string;
}

export class Toolbar {
  readonly el: HTMLElement;
  private readonly row: HTMLElement;
  readonly searchField: HTMLElement & { value: string };
  readonly menu: VscodeContextMenu;
  readonly moreButton: HTMLElement;
  private crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Graph path' });
  private count = h('span', { class: 'search-count', 'aria-live': 'polite' });
  private what = h('span', { class: 'search-what' });
  private overlaySelect: HTMLSelectElement;
  private readonly actions: Action[];
  /** Row buttons that move into the menu when the row is too narrow, the first to go first. */
  private readonly collapsible: Action[];
  private direction: 'down' | 'right' = 'down';
  private constantsShown = false;

  constructor(private a: ToolbarActions) {
    this.searchField = h('vscode-textfield', { placeholder: 'Search node, op or tensor', 'aria-label': 'Search', title: 'Search node, op or tensor (/)', class: 'search' }) as HTMLElement & { value: string };
    this.searchField.append(h('vscode-icon', { slot: 'content-before', name: 'search' }));
    this.searchField.addEventListener('input', () => a.search(this.searchField.value));
    this.searchField.addEventListener('keydown', (e: KeyboardEvent) => {
      if (e.key === 'Enter') { e.preventDefault(); a.searchStep(e.shiftKey ? -1 : 1); }
      if (e.key === 'Escape') { this.searchField.value = ''; a.search(''); }
    });
    const act = (id: string, icon: string, label: string, run: () => void, extra: Partial<Action> = {}): Action => ({ id, icon, label, run, ...extra });
    const fit = act('fit', 'screen-full', 'Fit to view', () => a.fit(), { keybinding: '0' });
    const benchmark = act('edgewise.benchmarkModel', 'dashboard', 'Benchmark model (latency overlay)', () => a.runCommand('edgewise.benchmarkModel'));
    const panel = act('panel', 'layout-sidebar-right', 'Toggle side panel', () => a.togglePanel());
    this.actions = [
      fit,
      act('direction', 'arrow-right', 'Layout direction', () => { this.direction = this.direction === 'down' ? 'right' : 'down'; a.toggleDirection(); },
        { menuLabel: () => (this.direction === 'down' ? 'Lay out left to right' : 'Lay out top to bottom') }),
      act('expand', 'expand-all', 'Expand all groups', () => a.expandAll()),
      act('collapse', 'collapse-all', 'Collapse all groups', () => a.collapseAll()),
      act('constants', 'symbol-constant', 'Constant nodes', () => { this.constantsShown = !this.constantsShown; a.toggleConstants(); },
        { menuLabel: () => (this.constantsShown ? 'Hide Constant nodes' : 'Show Constant nodes') }),
      act('scale', 'symbol-ruler', 'Overlay colour scale: linear / log', () => a.toggleScale()),
      act('png', 'file-media', 'Export PNG', () => a.exportAs('png')),
      act('svg', 'file-code', 'Export SVG', () => a.exportAs('svg')),
      act('edgewise.editModel', 'edit', 'Edit model... (undo with Ctrl+Z)', () => a.runCommand('edgewise.editModel')),
      benchmark,
      panel,
    ];
    const button = (x: Action): HTMLElement => {
      const b = h('vscode-toolbar-button', { icon: x.icon, label: x.label, title: x.keybinding ? `${x.label} (${x.keybinding})` : x.label });
      b.addEventListener('click', () => { if (!b.hasAttribute('disabled')) x.run(); });
      x.button = b;
      return b;
    };
    this.overlaySelect = h('select', { class: 'overlay-select', 'aria-label': 'Overlay', title: 'Colour the nodes by a value (overlay)' });
    this.overlaySelect.addEventListener('change', () => a.overlay(this.overlaySelect.value));
    this.menu = h('vscode-context-menu', { class: 'more-menu' }) as VscodeContextMenu;
    this.menu.addEventListener('vsc-context-menu-select', (e) => this.actions.find((x) => x.id === e.detail.value)?.run());
    this.moreButton = h('vscode-toolbar-button', { icon: 'ellipsis', label: 'More actions', title: 'More actions', 'aria-haspopup': 'menu', class: 'more' });
    this.moreButton.addEventListener('click', () => this.toggleMenu());
    this.row = h('div', { class: 'toolbar-row' },
      this.crumbs,
      h('div', { class: 'search-box' },
        this.searchField,
        this.count,
        this.what,
        h('vscode-toolbar-button', { icon: 'arrow-up', label: 'Previous match (Shift+Enter)', title: 'Previous match (Shift+Enter)', class: 'step-prev' }),
        h('vscode-toolbar-button', { icon: 'arrow-down', label: 'Next match (Enter)', title: 'Next match (Enter)', class: 'step-next' }),
      ),
      h('div', { class: 'spacer' }),
      button(fit),
      h('label', { class: 'overlay-label', title: 'Overlay' }, h('span', { class: 'codicon codicon-color-mode' }), this.overlaySelect),
      button(benchmark),
      button(panel),
      this.moreButton,
    );
    // The menu hangs below the row, outside it: the row clips what does not fit.
    this.el = h('header', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Graph tools' }, this.row, this.menu);
    this.row.querySelector('.step-prev')!.addEventListener('click', () => a.searchStep(-1));
    this.row.querySelector('.step-next')!.addEventListener('click', () => a.searchStep(1));
    this.collapsible = [benchmark, fit, panel];
    // The row's width, and its members' (the search field and overlay list size themselves late).
    const resize = new ResizeObserver(() => this.fitRow());
    for (const el of [this.row, this.searchField, this.overlaySelect, this.what]) resize.observe(el);
  }

  /** Shows or hides the "More actions" menu (the actions not in the row, then the rest). */
  toggleMenu(show = !this.menu.show): void {
    if (show) {
      const inRow = (x: Action): boolean => !!x.button && !x.button.hidden;
      const item = (x: Action) => ({ label: x.disabled ?? x.menuLabel?.() ?? x.label, value: x.disabled ? '' : x.id, keybinding: x.keybinding ?? '' });
      const hidden = this.actions.filter((x) => !inRow(x)).map(item);
      this.menu.data = hidden;
    }
    this.menu.show = show;
    this.moreButton.setAttribute('aria-expanded', String(show));
  }

  /** Keeps the row on one line: moves main actions into the menu while it overflows. */
  fitRow(): void {
    for (const x of this.collapsible) x.button!.hidden = false;
    for (const x of this.collapsible) {
      if (this.row.scrollWidth <= this.row.clientWidth) break;
      x.button!.hidden = true;
    }
  }

  /** Disables the command buttons the model's format cannot run; the reason is the button's tooltip. */
  /** Edits are offered for ONNX models only (`reasons` comes with every model message). */
  setUnavailable(reasons: Record<string, string>, editable = false): void {
    if (!editable) reasons = { ...reasons, 'edgewise.editModel': 'Editing works on ONNX models (.onnx)' };
    for (const x of this.actions) {
      if (!x.id.startsWith('edgewise.')) continue;
      const reason = reasons[x.id];
      x.disabled = reason;
      x.button?.toggleAttribute('disabled', reason !== undefined);
      x.button?.setAttribute('title', reason ?? x.label);
      x.button?.setAttribute('label', reason ?? x.label);
    }
  }

  setCrumbs(names: string[]): void {
    clear(this.crumbs);
    names.forEach((n, i) => {
      if (i > 0) this.crumbs.append(h('span', { class: 'sep codicon codicon-chevron-right' }));
      if (i === names.length - 1) this.crumbs.append(h('span', { class: 'crumb current', title: n }, n));
      else {
        const b = h('a', { href: '#', class: 'crumb', title: n }, n);
        b.addEventListener('click', (e) => { e.preventDefault(); this.a.navigate(i); });
        this.crumbs.append(b);
      }
    });
  }

  /** The match count, and what the current match (or every match) matched: 'op Conv', 'input x'. */
  setCount(text: string, what?: string): void {
    this.count.textContent = text;
    this.what.textContent = what ?? '';
    this.what.title = what ?? '';
    this.fitRow();
  }

  setOverlays(list: { id: string; label: string }[], active: string): void {
    clear(this.overlaySelect);
    this.overlaySelect.append(h('option', { value: '' }, 'No overlay'));
    for (const o of list) this.overlaySelect.append(h('option', { value: o.id, selected: o.id === active }, o.label));
    this.overlaySelect.value = active;
  }
}
