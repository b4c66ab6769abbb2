/**
 * The graph view's controller: holds the model, the expansion state and the selection, asks the
 * layout worker for geometry, and wires toolbar, canvas, inspector and host messages together.
 */
import type { ModelSummary, ViewGraph, ViewNode } from '../src/core/graph/types';
import type { HostToWebview, Overlay } from './messages';
import type { Host } from './host';
import { LayoutCancelled, LayoutClient } from './layout/client';
import type { Direction, LayoutGroup, LayoutResult } from '../src/core/graph/layout/types';
import type { GraphModel } from '../src/core/graph/graph-model';
import { FIRST_DIRECTION, FIRST_SHOW_CONSTANTS, firstExpansion, firstScreenModel } from '../src/core/graph/first-screen';
import { LabelWidths } from './model/label-widths';
import { Versions } from './model/versions';
import { overlayBadges, overlayFills, weightBytesOverlay } from './model/overlay';
import { commonReason, findMatches, type SearchMatch } from './model/search';
import { readTheme } from './render/theme';
import { Scene } from './render/scene';
import { exportImage } from './render/export-image';
import { afterFrame, Viewport } from './render/viewport';
import { BusyNote } from './ui/busy';
import { ErrorNote } from './ui/error-note';
import { clear, h } from './ui/dom';
import { Inspector } from './ui/inspector';
import { Legend } from './ui/legend';
import { modelPanel } from './ui/model-panel';
import { Toolbar } from './ui/toolbar';
import { bindInput } from './input';
import { ViewClock, type Metrics } from './timing';

/** After this long a layout shows "still laying out… cancel". */
const SLOW_LAYOUT_MS = 1500;

interface GraphFrame { graph: ViewGraph; label: string; path: string[] }

export class App {
  file = '';
  summary: ModelSummary | null = null;
  frames: GraphFrame[] = [];
  model: GraphModel | null = null;
  scene: Scene | null = null;
  expanded = new Set<string>();
  direction: Direction = FIRST_DIRECTION;
  showConstants = FIRST_SHOW_CONSTANTS;
  private readonly widths = new LabelWidths((metrics) => this.host.post({ type: 'textMetrics', metrics }));
  selected: string | null = null;
  overlays = new Map<string, Overlay>();
  activeOverlay = '';
  matches: SearchMatch[] = [];
  matchIndex = -1;
  metrics: Metrics | null = null;
  /** Versions of an edited model shown: how many, the last one's time, the models of the last few. */
  readonly versions = new Versions();
  readonly viewport: Viewport;
  readonly layout: LayoutClient;
  readonly clock: ViewClock;
  readonly toolbar: Toolbar;
  readonly inspector: Inspector;
  readonly legend = new Legend();
  private side = h('aside', { class: 'side' });
  private nodePane = h('vscode-tab-panel', {});
  private modelPane = h('vscode-tab-panel', {});
  private busy: BusyNote;
  private status = h('div', { class: 'sr-only', 'aria-live': 'polite' });
  private message = new ErrorNote();
  private nextRequest = 1;
  private layoutSeq = 0;
  private layoutListeners: (() => void)[] = [];
  private settleListeners: (() => void)[] = [];

  constructor(readonly root: HTMLElement, readonly host: Host) {
    this.layout = new LayoutClient(host);
    this.clock = new ViewClock(host);
    this.busy = new BusyNote(() => this.layout.cancel());
    this.toolbar = new Toolbar({
      search: (q) => this.search(q),
      searchStep: (d) => void this.searchStep(d),
      fit: () => this.viewport.fit(),
      toggleDirection: () => { this.direction = this.direction === 'DOWN' ? 'RIGHT' : 'DOWN'; void this.relayout(true); },
      expandAll: () => void this.expandAll(),
      collapseAll: () => { this.expanded.clear(); void this.relayout(true); },
      toggleConstants: () => { this.showConstants = !this.showConstants; void this.rebuild(); },
      overlay: (id) => this.setOverlay(id),
      toggleScale: () => this.toggleScale(),
      exportAs: (f) => this.exportAs(f),
      navigate: (depth) => this.navigate(depth),
      togglePanel: () => { this.side.hidden = !this.side.hidden; },
      runCommand: (command) => this.host.post({ type: 'command', command }),
    });
    this.inspector = new Inspector({
      openSubgraph: (n, a) => this.openSubgraph(n, a),
      reveal: (name) => { this.toolbar.searchField.value = name; this.search(name); void this.searchStep(1); },
      post: (m) => this.host.post(m),
    });
    const canvas = h('canvas', { tabindex: '0', class: 'graph', role: 'application', 'aria-label': 'Model graph. Arrow keys move the selection, Enter expands, plus and minus zoom, 0 fits.' });
    const tabs = h('vscode-tabs', { 'selected-index': '0' },
      h('vscode-tab-header', { slot: 'header' }, 'Node'), this.nodePane,
      h('vscode-tab-header', { slot: 'header' }, 'Model'), this.modelPane);
    this.nodePane.append(this.inspector.el);
    this.side.append(tabs);
    clear(root);
    root.classList.remove('loading');
    root.append(this.toolbar.el, h('main', {}, h('div', { class: 'stage' }, canvas, this.legend.el, this.busy.el, this.message.el), this.side), this.status);
    this.viewport = new Viewport(canvas, readTheme());
    bindInput(this, canvas);
    new MutationObserver(() => { this.viewport.theme = readTheme(); this.viewport.redraw(); })
      .observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  // ---- host messages ----

  handle(m: HostToWebview): void {
    switch (m.type) {
      case 'model': case 'modelDelta': return this.load(m);
      case 'error': return this.showBroken(m.file, m.message);
      case 'nodeDetails': if (m.requestId === this.nextRequest - 1) this.inspector.showDetails(m.details, m.peakRss); return;
      case 'nodeDetailsError': if (m.requestId === this.nextRequest - 1) this.inspector.showDetailsError(m.message); return;
      case 'overlay': this.overlays.set(m.overlay.id, m.overlay); this.refreshOverlays(m.overlay.id); return;
      case 'removeOverlay': this.overlays.delete(m.id); this.refreshOverlays(this.activeOverlay === m.id ? '' : this.activeOverlay); return;
      case 'reveal': void this.revealNode(m.nodeId); return;
      case 'layout': case 'layoutError': this.layout.answer(m); return;
    }
  }

  /** A model that does not open: the error alone, without the toolbar and inspector of a graph that is not there. */
  private showBroken(file: string, message: string): void {
    this.model = this.scene = this.viewport.scene = null; // the last graph drawn is not what the file holds now
    this.viewport.redraw();
    this.message.show(`${file}: ${message}`, this.root);
  }

  /**
   * Shows a model. An edited version (an edit, undo, redo; whole or as a delta) keeps the groups
   * still there open, the selected node selected, and the view where it is.
   */
  load(m: Extract<HostToWebview, { type: 'model' | 'modelDelta' }>): void {
    const { file, summary } = m, t0 = performance.now();
    const keep = (m.type === 'modelDelta' || m.edited) && this.model ? { expanded: this.expanded, node: this.selected ? this.nodeOf(this.selected)?.id : undefined, t0 } : undefined;
    if (!keep) this.clock.received(); // before the graph is unpacked: that is the page's work, not the message's
    const graph = this.versions.graphOf(m, this.frames[0]?.graph, this.model);
    this.toolbar.setUnavailable(m.unavailable ?? {}, this.inspector.editable = !!m.editable);
    // A file fixed on disk after an error reloads here: the old error must go.
    this.message.hide();
    this.widths.take(m);
    if (!keep) this.metrics = { nodes: graph.nodes.length, edges: 0, groups: 0, visibleNodes: 0, layoutMs: 0, elkMs: 0, renderedAt: 0, settledAt: 0, receivedAt: t0 };
    this.file = file;
    this.summary = summary;
    this.frames = [{ graph, label: file.split(/[\\/]/).pop() ?? file, path: [] }];
    this.overlays.set('weight-bytes', weightBytesOverlay(graph));
    this.refreshOverlays(this.activeOverlay, false);
    clear(this.modelPane);
    // The Model tab is hidden at first: filled once the graph's frame is on screen, which its making (Intl) and layout would delay.
    void this.rebuild(keep).then(afterFrame).then(() => { if (this.summary === summary) this.modelPane.append(modelPanel(file, summary)); this.widths.offer(this.viewport.theme.font); });
  }

  get frame(): GraphFrame {
    return this.frames[this.frames.length - 1];
  }

  /**
   * Recomputes the drawable model for the current graph and lays it out from scratch (`keep`: with
   * these groups open and this node selected, not moving the view); resolves once drawn (or failed).
   */
  rebuild(keep?: { expanded: Set<string>; node?: string; t0: number }): Promise<boolean> {
    const model = this.model = this.versions.modelOf(this.frame.graph, this.showConstants)
      ?? firstScreenModel(this.frame.graph, this.widths.metrics, this.showConstants);
    const first = keep ? new Set([...keep.expanded].filter((g) => model.group(g))) : firstExpansion(model);
    this.expanded = new Set(first);
    this.selected = null;
    this.toolbar.setCrumbs(this.frames.map((f) => f.label));
    this.inspector.empty();
    if (keep) {
      return this.relayout(false).then((ok) => {
        if (ok && !this.selected) this.select((keep.node && model.leafOfNode.get(keep.node)) || null, false);
        this.versions.drawn(performance.now() - keep.t0);
        return ok;
      });
    }
    // elkjs's layout, where the own one does not fit, is asked for before the own one is made and drawn: the worker works on it meanwhile.
    const tree = model.layoutTree(this.expanded), elk = this.layout.ownFits(tree) ? undefined : this.clock.elkAsked(() => this.layout.layout(tree, this.direction));
    elk?.catch(() => undefined); // refine() reports it
    const drawn = this.relayout(true, undefined, undefined, { quick: true, tree });
    return drawn.then((ok) => { void this.refine(model, first, ok && !!elk, elk); return ok; });
  }

  /**
   * `drawn`: the page's own layout is drawn and elkjs's of the groups `first` (`asked`: asked for already) replaces it, unless the
   * user expanded or collapsed something meanwhile; refitted unless the user moved the view, else its first item stays put. Then settled.
   */
  private async refine(model: GraphModel, first: Set<string>, drawn: boolean, asked?: Promise<LayoutResult>): Promise<void> {
    const same = (): boolean => this.model === model && this.expanded.size === first.size && [...first].every((g) => this.expanded.has(g));
    if (drawn && same()) {
      const view = (): string => [this.viewport.scale, this.viewport.tx, this.viewport.ty].join();
      const before = view();
      await this.relayout(() => view() === before, undefined, this.scene?.items[0]?.id, { asked });
    }
    if (this.metrics && this.model === model && this.metrics.settledAt === 0) { this.metrics.settledAt = performance.now(); this.clock.settled(this.scene?.items.length ?? 0); }
    for (const f of this.settleListeners.splice(0)) f();
  }

  /** Resolves once the next quick layout (first frame, expand-all) and elkjs's that follows it are drawn. */
  whenSettled(): Promise<void> {
    return new Promise((r) => this.settleListeners.push(r));
  }

  // ---- layout ----

  /**
   * Lays out the current expansion (`quick`: with the fast first-frame layout, not elkjs; `tree`: its
   * request, made already; `asked`: its layout, asked for already); on cancel, restores `previous`. Resolves when drawn.
   */
  async relayout(fitView: boolean | (() => boolean), previous?: Set<string>, focus?: string, how: { quick?: boolean; tree?: LayoutGroup; asked?: Promise<LayoutResult> } = {}): Promise<boolean> {
    const model = this.model;
    if (!model) return false;
    const seq = ++this.layoutSeq;
    const t0 = performance.now();
    const slow = setTimeout(() => this.busy.show(model.countVisible(this.expanded)), SLOW_LAYOUT_MS);
    let result: LayoutResult;
    try {
      this.clock.layoutRequested();
      result = await (how.asked ?? this.layout.layout(how.tree ?? model.layoutTree(this.expanded), this.direction, how.quick));
      this.clock.layoutAnswered(result, !!how.quick);
    } catch (e) {
      clearTimeout(slow);
      this.busy.hide();
      if (e instanceof LayoutCancelled) {
        if (seq === this.layoutSeq && previous) { this.expanded = previous; void this.relayout(false); }
        return false;
      }
      this.message.show(`Layout failed: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    } finally {
      clearTimeout(slow);
    }
    this.busy.hide();
    if (seq !== this.layoutSeq || model !== this.model) return false;
    const fit = typeof fitView === 'function' ? fitView() : fitView;
    const anchor = focus ? this.scene?.byId.get(focus) : undefined;
    const before = anchor ? { x: anchor.x * this.viewport.scale + this.viewport.tx, y: anchor.y * this.viewport.scale + this.viewport.ty } : null;
    this.scene = new Scene(model, result);
    this.viewport.scene = this.scene;
    if (this.metrics && this.metrics.renderedAt === 0) {
      Object.assign(this.metrics, { layoutMs: performance.now() - t0, elkMs: result.elkMs, groups: model.hierarchy.groups.size - 1, edges: model.links.length });
    }
    if (this.metrics) this.metrics.visibleNodes = this.scene.items.length;
    this.applyOverlay();
    this.refreshHighlights();
    // Keep the group that was clicked where it was on screen.
    const after = focus ? this.scene.byId.get(focus) : undefined;
    if (fit) this.viewport.fitOrStart(this.direction);
    else if (before && after) {
      this.viewport.tx = before.x - after.x * this.viewport.scale;
      this.viewport.ty = before.y - after.y * this.viewport.scale;
    }
    this.viewport.drawNow();
    if (this.metrics && this.metrics.renderedAt === 0) { this.metrics.renderedAt = performance.now(); this.clock.drawn(this.scene.items.length); }
    for (const f of this.layoutListeners.splice(0)) f();
    return true;
  }

  /** Resolves after the next layout is drawn (for the benchmark and tests). */
  whenLaidOut(): Promise<void> {
    return new Promise((r) => this.layoutListeners.push(r));
  }

  toggleGroup(groupId: string): void {
    const previous = new Set(this.expanded);
    if (this.expanded.has(groupId)) {
      for (const g of [...this.expanded]) if (g === groupId || g.startsWith(groupId + '/')) this.expanded.delete(g);
    } else {
      this.expanded.add(groupId);
    }
    void this.relayout(false, previous, `G:${groupId}`);
    this.select(`G:${groupId}`, false);
  }

  /** Opens every group: drawn with the quick layout (resolves then), elkjs's follows (`whenSettled`). */
  async expandAll(): Promise<number> {
    const model = this.model;
    if (!model) return 0;
    const t0 = performance.now();
    const previous = new Set(this.expanded);
    const all = new Set(model.allGroups());
    this.expanded = new Set(all);
    const tree = model.layoutTree(all), drawn = await this.relayout(true, previous, undefined, { quick: true, tree });
    void this.refine(model, all, drawn && !this.layout.ownFits(tree));
    return performance.now() - t0;
  }

  // ---- selection, search, navigation ----

  select(id: string | null, reveal: boolean): void {
    this.selected = id;
    this.viewport.state = { ...this.viewport.state, selected: id };
    this.host.post({ type: 'selection', nodeId: id && id.startsWith('N') ? this.nodeOf(id)?.id ?? null : null });
    const item = id ? this.scene?.byId.get(id) : undefined;
    if (item && reveal) this.viewport.reveal(item);
    this.viewport.redraw();
    if (!id || !this.model) { this.inspector.empty(); return; }
    if (id.startsWith('G:')) {
      const g = this.model.group(id.slice(2));
      if (g) this.inspector.showGroup(g, this.model.composition.get(g.id) ?? []);
      this.status.textContent = `Group ${g?.label}, ${g?.size} nodes, ${this.expanded.has(id.slice(2)) ? 'expanded' : 'collapsed'}`;
      return;
    }
    const n = this.nodeOf(id);
    if (!n) { this.status.textContent = id.slice(2); return; }
    this.inspector.showNode(n, this.frame.graph, this.frames.length === 1 ? this.overlays.get(this.activeOverlay)?.notes?.[n.id] : undefined);
    this.status.textContent = `${n.opType} ${n.name}`;
    this.host.post({ type: 'nodeDetails', requestId: this.nextRequest++, nodeId: n.id, graphPath: this.frame.path });
  }

  nodeOf(itemId: string): ViewNode | undefined {
    const leaf = this.model?.leaves.get(itemId);
    return leaf && leaf.kind === 'node' ? this.frame.graph.nodes[leaf.index] : undefined;
  }

  search(query: string): void {
    this.matches = this.model ? findMatches(this.model, this.frame.graph, query) : [];
    this.matchIndex = -1;
    this.toolbar.setCount(query.trim() ? `${this.matches.length} found` : '', commonReason(this.matches));
    this.refreshHighlights();
  }

  async searchStep(delta: number): Promise<void> {
    if (this.matches.length === 0) return;
    const m = this.matches[(this.matchIndex = (this.matchIndex + delta + this.matches.length) % this.matches.length)];
    this.toolbar.setCount(`${this.matchIndex + 1} of ${this.matches.length}`, m.what);
    await this.revealItem(m.id);
  }

  /** Expands the groups around an item, then selects and centres it. */
  async revealItem(leafId: string): Promise<void> {
    const leaf = this.model?.leaves.get(leafId);
    if (!leaf) return;
    const missing = leaf.chain.filter((g) => !this.expanded.has(g));
    if (missing.length) {
      const previous = new Set(this.expanded);
      for (const g of missing) this.expanded.add(g);
      await this.relayout(false, previous);
    }
    this.select(leafId, true);
  }

  async revealNode(nodeId: string): Promise<void> {
    while (this.frames.length > 1 && !this.model?.leafOfNode.has(nodeId)) this.navigate(0);
    const leaf = this.model?.leafOfNode.get(nodeId);
    if (leaf) await this.revealItem(leaf);
  }

  private refreshHighlights(): void {
    const set = new Set<string>();
    if (this.model) for (const m of this.matches) set.add(this.model.visibleOf(m.id, this.expanded));
    this.viewport.state = { ...this.viewport.state, highlighted: set };
    this.viewport.redraw();
  }

  openSubgraph(n: ViewNode, attribute: string): void {
    const sub = n.subgraphs.find((s) => s.attribute === attribute);
    if (!sub) return;
    this.frames.push({ graph: sub.graph, label: `${n.name || n.opType}.${attribute}`, path: [...this.frame.path, n.id, attribute] });
    void this.rebuild();
  }

  navigate(depth: number): void {
    if (depth >= this.frames.length - 1) return;
    this.frames.length = depth + 1;
    void this.rebuild();
  }

  // ---- overlays ----

  private refreshOverlays(active: string, apply = true): void {
    this.toolbar.setOverlays([...this.overlays.values()], active);
    this.activeOverlay = active;
    if (apply) this.applyOverlay();
  }

  setOverlay(id: string): void {
    this.refreshOverlays(this.overlays.has(id) ? id : '');
  }

  private toggleScale(): void {
    const o = this.overlays.get(this.activeOverlay);
    if (o) { o.scale = o.scale === 'log' ? 'linear' : 'log'; this.applyOverlay(); }
  }

  /** Node values by item id; collapsed groups get the sum of their nodes. */
  private applyOverlay(): void {
    const o = this.frames.length > 1 || !this.scene ? undefined : this.overlays.get(this.activeOverlay);
    const shown = o && this.model ? { ...overlayFills(o, this.model, this.expanded), badges: overlayBadges(o, this.model, this.expanded) } : undefined;
    this.viewport.state = { ...this.viewport.state, overlay: shown?.fills ?? null, badges: shown?.badges ?? null };
    this.legend.show(shown ? o! : null, shown?.scale ?? null);
    this.viewport.redraw();
  }

  exportAs(format: 'svg' | 'png'): void {
    if (this.scene) this.host.post({ type: 'export', format, data: exportImage(this.scene, this.viewport.theme, this.viewport.state, format) });
  }
}
