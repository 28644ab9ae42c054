// glue-nb in JupyterLab: a Workflows panel in the left sidebar, run and design tabs, and
// executed notebooks opened in a tab. Everything goes through glue-nb's Jupyter Server
// extension (`glue-nb/api/...`), so nothing here needs a kernel.
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { MainAreaWidget, WidgetTracker } from '@jupyterlab/apputils';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import {
  GraphViewport,
  NOTEBOOK_SCHEME,
  ServerApi,
  baseUrl,
  mountRunView
} from './run_view.js';
import type { ViewData, ViewDetail, ViewSource } from './run_view.js';

// The styles (style/index.css) are loaded by JupyterLab from package.json's "style".

const ICON = new LabIcon({
  name: 'glue-nb:workflows',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<rect x="2" y="3" width="8" height="5" rx="1.5"/><rect x="14" y="3" width="8" height="5" rx="1.5"/>' +
    '<rect x="8" y="16" width="8" height="5" rx="1.5"/><path d="M6 8v3h12V8h1.6v4.6h-6.8V16h-1.6v-3.4H4.4V8z"/>' +
    '</g></svg>'
});

interface RunSummary {
  workflow: string;
  run_id: string;
  status: string;
  category: string;
  active: boolean;
  started: string | null;
  duration: number | null;
  statistics: Record<string, number>;
  resumable: boolean;
}

interface WorkflowSummary {
  name: string;
  description: string;
  runs: RunSummary[];
}

interface RunRef {
  home: string;
  workflow: string;
  run_id?: string;
}

const COLOURS: Record<string, [string, string]> = {
  pending: ['#f3f4f6', '#9ca3af'],
  running: ['#bfdbfe', '#1d4ed8'],
  succeeded: ['#bbf7d0', '#15803d'],
  failed: ['#fecaca', '#b91c1c'],
  stopped: ['#e9d5ff', '#7e22ce']
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls = '',
  text = ''
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) {
    e.className = cls;
  }
  if (text) {
    e.textContent = text;
  }
  return e;
}

function badge(status: string, category: string): HTMLElement {
  const [fill, stroke] = COLOURS[category] ?? COLOURS.pending;
  const b = el('span', 'gnb-badge', status);
  b.style.background = fill;
  b.style.borderColor = stroke;
  return b;
}

function when(iso: string | null, seconds: number | null): string {
  if (!iso) {
    return '';
  }
  const d = new Date(iso);
  const today = d.toDateString() === new Date().toDateString();
  const time = today
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  if (seconds === null) {
    return time;
  }
  const s = Math.round(seconds);
  const dur = s < 60 ? `${s} s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `${time} · ${dur}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => window.setTimeout(resolve, ms));
}

/** How long the panel waits for the store to change before refreshing anyway, in seconds (so
 * that the durations of running runs move on); a run tab, whose clock shows, waits 1 s. */
const PANEL_WAIT = 5;
const TAB_WAIT = 1;

/** The next change of a home's store after `since` (a change token; '' for none yet): the new
 * token, once the store has changed or after `wait` seconds. A failed request waits a moment
 * instead, so that a stopped server is not asked in a tight loop. */
async function nextChange(
  api: ServerApi,
  home: string,
  since: string,
  wait: number
): Promise<string> {
  try {
    const answer = await api.get('changes', { home, since, wait: String(wait) });
    return answer.token ?? '';
  } catch {
    await sleep(2000);
    return since;
  }
}

function action(label: string, title: string, name: string, run: () => void): HTMLButtonElement {
  const b = el('button', 'gnb-act', label);
  b.type = 'button';
  b.title = title;
  b.dataset.action = name;
  b.addEventListener('click', e => {
    e.stopPropagation();
    run();
  });
  return b;
}

/** The left sidebar: workflows with their latest runs, refreshed as soon as the store changes
 * while it is shown. */
class WorkflowsPanel extends Widget {
  constructor(
    private api: ServerApi,
    private app: JupyterFrontEnd,
    public home: string
  ) {
    super();
    this.id = 'glue-nb-workflows';
    this.title.icon = ICON;
    this.title.caption = 'glue-nb workflows';
    this.addClass('gnb-panel');
    const head = el('div', 'gnb-panel-head');
    head.append(el('b', '', 'Workflows'));
    this.homeInput = el('input', 'gnb-home');
    this.homeInput.value = home;
    this.homeInput.title = 'The glue-nb home (folder of the store) to show';
    this.homeInput.addEventListener('change', () => {
      this.home = this.homeInput.value.trim();
      void this.refresh();
    });
    head.append(action('⟳', 'Refresh', 'refresh', () => void this.refresh()));
    this.message = el('div', 'gnb-panel-msg');
    this.list = el('div', 'gnb-wf-list');
    this.node.append(head, this.homeInput, this.message, this.list);
    void this.follow();
  }

  /** While the panel is shown: wait for the store to change, then refresh. */
  private async follow(): Promise<void> {
    let token = '';
    while (!this.isDisposed) {
      if (!this.isVisible) {
        await sleep(500);
        continue;
      }
      const home = this.home;
      token = await nextChange(this.api, home, home === this.followed ? token : '', PANEL_WAIT);
      this.followed = home;
      if (!this.isDisposed && this.isVisible) {
        await this.refresh();
      }
    }
  }

  protected onAfterShow(): void {
    void this.refresh();
  }

  async refresh(): Promise<void> {
    let data: { exists: boolean; workflows: WorkflowSummary[] };
    try {
      data = await this.api.get('workflows', { home: this.home });
    } catch (err) {
      this.message.textContent = String(err);
      return;
    }
    this.message.textContent = data.exists
      ? data.workflows.length
        ? ''
        : 'No workflows in this home yet.'
      : 'No glue-nb store here yet: it is made by the first run (wf.start()).';
    this.list.replaceChildren(...data.workflows.map(wf => this.row(wf)));
  }

  private row(wf: WorkflowSummary): HTMLElement {
    const box = el('div', 'gnb-wf');
    box.dataset.workflow = wf.name;
    const line = el('div', 'gnb-wf-line');
    const name = el('span', 'gnb-wf-name', wf.name);
    name.title = wf.description || wf.name;
    const latest = wf.runs[0];
    const ref = { home: this.home, workflow: wf.name };
    line.append(
      el('span', 'gnb-caret', this.expanded.has(wf.name) ? '▾' : '▸'),
      name
    );
    if (latest) {
      line.append(badge(latest.status, latest.category));
    }
    const tools = el('span', 'gnb-wf-tools');
    tools.append(
      action('▶', 'Start a run', 'start', () => void this.start(wf.name)),
      action('◇', 'Open the design', 'design', () =>
        void this.app.commands.execute('glue-nb:open-design', { ...ref })
      )
    );
    line.append(tools);
    line.addEventListener('click', () => {
      if (this.expanded.has(wf.name)) {
        this.expanded.delete(wf.name);
      } else {
        this.expanded.add(wf.name);
      }
      void this.refresh();
    });
    box.append(line);
    if (this.expanded.has(wf.name)) {
      const runs = el('div', 'gnb-runs');
      if (!wf.runs.length) {
        runs.append(el('div', 'gnb-panel-msg', 'No runs yet.'));
      }
      for (const r of wf.runs) {
        runs.append(this.runRow(r));
      }
      box.append(runs);
    }
    return box;
  }

  private runRow(r: RunSummary): HTMLElement {
    const row = el('div', 'gnb-run');
    row.dataset.runId = r.run_id;
    row.dataset.status = r.status;
    const ref = { home: this.home, workflow: r.workflow, run_id: r.run_id };
    const stats = r.statistics || {};
    const text = el('span', 'gnb-run-text', when(r.started, r.duration));
    text.title = `${r.run_id}\n${stats.SucceededActions ?? 0} succeeded, ${
      stats.FailedActions ?? 0
    } failed of ${stats.TotalActions ?? 0}`;
    row.append(badge(r.status, r.category), text);
    const tools = el('span', 'gnb-wf-tools');
    tools.append(
      action('Open', 'Open the live view of this run', 'open', () =>
        void this.app.commands.execute('glue-nb:open-run', { ...ref })
      )
    );
    if (r.active) {
      tools.append(action('■', 'Stop this run', 'stop', () => void this.act('stop', ref)));
    }
    if (r.resumable) {
      tools.append(
        action('↻', 'Resume its failed nodes in a new run', 'resume', () =>
          void this.act('resume', ref)
        )
      );
    }
    tools.append(
      action('Report', 'Open the run report', 'report', () =>
        void this.app.commands.execute('glue-nb:open-report', { ...ref })
      )
    );
    row.append(tools);
    row.addEventListener('dblclick', () =>
      void this.app.commands.execute('glue-nb:open-run', { ...ref })
    );
    return row;
  }

  private async start(workflow: string): Promise<void> {
    this.message.textContent = `starting ${workflow}…`;
    try {
      const answer = await this.api.post('start', { home: this.home, workflow });
      this.expanded.add(workflow);
      this.message.textContent = '';
      void this.app.commands.execute('glue-nb:open-run', {
        home: this.home,
        workflow,
        run_id: answer.run_id
      });
    } catch (err) {
      this.message.textContent = String(err);
    }
    void this.refresh();
  }

  private async act(name: string, ref: RunRef): Promise<void> {
    try {
      const answer = await this.api.post(name, ref);
      if (name === 'resume') {
        void this.app.commands.execute('glue-nb:open-run', { ...ref, run_id: answer.run_id });
      }
    } catch (err) {
      this.message.textContent = String(err);
    }
    void this.refresh();
  }

  private homeInput: HTMLInputElement;
  private message: HTMLElement;
  private list: HTMLElement;
  private followed = '';
  private expanded = new Set<string>();
}

/** A run's live view in a main-area tab, fed by the server (no kernel). */
class RunTab extends Widget {
  constructor(
    private api: ServerApi,
    public ref: RunRef
  ) {
    super();
    this.addClass('gnb-tab');
    this.title.label = ref.workflow;
    this.title.icon = ICON;
    this.title.closable = true;
    const source: ViewSource = {
      data: () => this.data,
      onData: cb => {
        this.listeners.add(cb);
        return () => this.listeners.delete(cb);
      },
      select: id => {
        this.chosen = id;
        void this.load();
      },
      act: async name => {
        const target = { ...this.ref, run_id: this.data?.state.run_id ?? this.ref.run_id };
        if (name === 'refresh') {
          await this.load();
          return '';
        }
        const answer = await this.api.post(name, target);
        if (name === 'resume') {
          this.ref = { ...this.ref, run_id: answer.run_id };
          this.chosen = '';
        }
        this.schedule();
        return name === 'stop' ? `stop requested (${answer.status})` : 'resumed';
      },
      openNotebook: () => undefined,
      notebookHref: link => this.api.notebookUrl(link)
    };
    const box = el('div', 'gnb-tab-body');
    this.node.append(box);
    this.unmount = mountRunView(box, source);
    void this.load();
  }

  dispose(): void {
    this.generation++;
    this.unmount();
    super.dispose();
  }

  /** Load again as soon as the store changes (once, whatever asked for it last). */
  private schedule(): void {
    const generation = ++this.generation;
    void nextChange(this.api, this.ref.home, this.token, TAB_WAIT).then(token => {
      this.token = token;
      if (generation === this.generation && !this.isDisposed) {
        void this.load();
      }
    });
  }

  private async load(): Promise<void> {
    try {
      const data: ViewData = await this.api.get('view', {
        home: this.ref.home,
        workflow: this.ref.workflow,
        run_id: this.ref.run_id ?? '',
        selected: this.chosen
      });
      this.data = data;
      this.ref = { ...this.ref, run_id: data.state.run_id };
      this.title.label = `${this.ref.workflow} · ${data.state.status.toLowerCase()}`;
      this.listeners.forEach(cb => cb());
      if (data.state.active) {
        this.schedule();
      }
    } catch (err) {
      this.node.dataset.error = String(err);
      this.schedule();
    }
  }

  private data: ViewData | null = null;
  private chosen = '';
  private listeners = new Set<() => void>();
  private generation = 0;
  private token = '';
  private unmount: () => void;
}

/** A stored workflow's design graph in a tab, with a Start button. */
class DesignTab extends Widget {
  constructor(api: ServerApi, ref: RunRef, start: () => void) {
    super();
    this.addClass('gnb-tab');
    this.addClass('gnb-design-tab');
    this.title.label = `${ref.workflow} (design)`;
    this.title.icon = ICON;
    this.title.closable = true;
    const body = el('div', 'gnb-tab-body gnb-run-view');
    const bar = el('div', 'gnb-bar');
    bar.append(action('▶ Start a run', 'Start a run of this workflow', 'start', start));
    body.append(bar);
    this.node.append(body);
    const graph = new GraphViewport(body);
    graph.setFollow(false);
    graph.followButton.hidden = true; // nothing runs in a design
    bar.append(graph.tools);
    api
      .get('design', { home: ref.home, workflow: ref.workflow })
      .then((d: { svg: string }) => graph.setSvg(d.svg))
      .catch((err: unknown) => body.append(el('div', 'gnb-panel-msg', String(err))));
  }
}

/** A page of the server (an executed notebook, a report) in a tab. */
class PageTab extends Widget {
  constructor(url: string, label: string) {
    super();
    this.addClass('gnb-page-tab');
    this.title.label = label;
    this.title.closable = true;
    const frame = el('iframe', 'gnb-page-frame');
    frame.setAttribute('sandbox', 'allow-scripts allow-popups allow-popups-to-escape-sandbox');
    frame.src = url;
    this.node.append(frame);
  }
}

/** The path an executed-notebook link points at, if it is one. */
function notebookOf(a: HTMLAnchorElement): string | null {
  const marked = a.dataset.gnbNotebook;
  if (marked && marked.startsWith(NOTEBOOK_SCHEME)) {
    return decodeURIComponent(marked.slice(NOTEBOOK_SCHEME.length));
  }
  if (!a.closest('.gnb-table, .gnb-detail, .gnb-run')) {
    return null;
  }
  const href = a.getAttribute('href') ?? '';
  if (!/\.ipynb$/i.test(href.split('?')[0])) {
    return null;
  }
  if (href.startsWith('file://')) {
    return decodeURIComponent(new URL(href).pathname);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(href) && !href.startsWith(location.origin)) {
    return href; // s3://, gs://, ...: the server reads it with fsspec
  }
  const resolved = new URL(a.href, location.href);
  const files = resolved.pathname.indexOf('/files/');
  if (files >= 0) {
    return decodeURIComponent(resolved.pathname.slice(files + '/files/'.length)); // under the root
  }
  return null;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'glue-nb-jupyterlab:plugin',
  description: 'glue-nb workflows: sidebar panel, run and design tabs, executed notebooks.',
  autoStart: true,
  optional: [ILayoutRestorer],
  activate: async (app: JupyterFrontEnd, restorer: ILayoutRestorer | null) => {
    const base = baseUrl();
    if (!base) {
      return;
    }
    const api = new ServerApi(base);
    let status: { home: string };
    try {
      status = await api.get('status');
    } catch {
      console.warn('glue-nb: the server extension does not answer; no Workflows panel');
      return;
    }
    const tracker = new WidgetTracker<MainAreaWidget>({ namespace: 'glue-nb' });
    const panel = new WorkflowsPanel(api, app, status.home);
    app.shell.add(panel, 'left', { rank: 900 });
    if (restorer) {
      restorer.add(panel, 'glue-nb-workflows');
    }

    const open = (content: Widget, id: string): void => {
      const existing = tracker.find(w => w.id === id);
      if (existing) {
        app.shell.activateById(existing.id);
        return;
      }
      const widget = new MainAreaWidget({ content });
      widget.id = id;
      widget.title.label = content.title.label;
      widget.title.icon = content.title.icon;
      widget.title.closable = true;
      content.title.changed.connect(() => {
        widget.title.label = content.title.label;
      });
      void tracker.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
    };
    const key = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '_');

    app.commands.addCommand('glue-nb:open-run', {
      label: 'Open a glue-nb run',
      execute: args => {
        const ref = args as unknown as RunRef;
        const id = `glue-nb-run-${key(ref.workflow)}-${key(ref.run_id ?? 'latest')}`;
        open(new RunTab(api, { home: ref.home || panel.home, workflow: ref.workflow, run_id: ref.run_id }), id);
      }
    });
    app.commands.addCommand('glue-nb:open-design', {
      label: 'Open a glue-nb workflow design',
      execute: args => {
        const ref = args as unknown as RunRef;
        const home = ref.home || panel.home;
        const start = (): void => {
          void api
            .post('start', { home, workflow: ref.workflow })
            .then((a: { run_id: string }) =>
              app.commands.execute('glue-nb:open-run', { home, workflow: ref.workflow, run_id: a.run_id })
            );
        };
        open(new DesignTab(api, { home, workflow: ref.workflow }, start), `glue-nb-design-${key(ref.workflow)}`);
      }
    });
    app.commands.addCommand('glue-nb:open-notebook', {
      label: 'Open an executed notebook',
      execute: args => {
        const path = String(args.path ?? '');
        const name = decodeURIComponent(path.split('/').pop() ?? path);
        open(new PageTab(api.url('notebook', { path }), name), `glue-nb-nb-${key(path)}`);
      }
    });
    app.commands.addCommand('glue-nb:open-report', {
      label: 'Open a glue-nb run report',
      execute: args => {
        const ref = args as unknown as RunRef;
        const url = api.url('report', { home: ref.home || panel.home, workflow: ref.workflow, run_id: ref.run_id ?? '' });
        open(new PageTab(url, `${ref.workflow} report`), `glue-nb-report-${key(ref.run_id ?? '')}`);
      }
    });
    app.commands.addCommand('glue-nb:show-workflows', {
      label: 'Show glue-nb workflows',
      execute: () => app.shell.activateById(panel.id)
    });

    // executed-notebook links anywhere in glue-nb output open in a tab (one click, any home)
    document.addEventListener(
      'click',
      event => {
        const target = event.target as Element | null;
        const a = target?.closest?.('a') as HTMLAnchorElement | null;
        if (!a || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
          return;
        }
        const path = notebookOf(a);
        if (path === null) {
          return;
        }
        event.preventDefault();
        event.stopPropagation();
        void app.commands.execute('glue-nb:open-notebook', { path });
      },
      true
    );
  }
};

export default plugin;
export type { ViewDetail };
