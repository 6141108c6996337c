import type { RunEvent } from '../../shared/engine/RunnerDeps.js';
import { colorEnabled, painter } from '../style.js';
import { formatElapsed, ProgressModel, type TaskProgressView } from './ProgressModel.js';

export type Verbosity = 'quiet' | 'normal' | 'verbose';

/**
 * Live progress of a run. On a terminal (and without NO_COLOR) it redraws one line per task with
 * pending / running / succeeded / failed hosts and elapsed time; elsewhere it prints a plain line
 * per task change (and per host with -v), which logs and CI read well.
 */
export class LiveProgress {
  readonly #model: ProgressModel;
  readonly #stream: NodeJS.WriteStream;
  readonly #verbosity: Verbosity;
  readonly #redraw: boolean;
  readonly #paint: ReturnType<typeof painter>;
  #drawnLines = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { taskNames: readonly string[]; stream: NodeJS.WriteStream; verbosity: Verbosity }) {
    this.#model = new ProgressModel(options.taskNames);
    this.#stream = options.stream;
    this.#verbosity = options.verbosity;
    this.#redraw =
      options.stream.isTTY === true && colorEnabled(options.stream) && options.verbosity !== 'quiet';
    this.#paint = painter(options.stream);
    if (this.#redraw) {
      this.#timer = setInterval(() => this.#draw(), 200);
      this.#timer.unref();
    }
  }

  /** Feeds one run event. */
  update(event: RunEvent): void {
    const task = this.#model.apply(event);
    if (this.#redraw || this.#verbosity === 'quiet' || !task) return;
    if (event.kind === 'task') this.#stream.write(`${this.#line(task)}\n`);
    else if (event.kind === 'host' && this.#verbosity === 'verbose' && event.status !== 'running') {
      const code = event.exitCode === undefined || event.exitCode === null ? '' : ` exit ${event.exitCode}`;
      this.#stream.write(`  ${event.task} ${event.host}: ${event.status}${code}\n`);
    }
  }

  /** Draws the final state and stops redrawing. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#redraw) this.#draw();
  }

  #draw(): void {
    const lines = this.#model.tasks().map((t) => this.#line(t));
    const up = this.#drawnLines > 0 ? `\u001b[${this.#drawnLines}A` : '';
    this.#stream.write(`${up}${lines.map((l) => `\u001b[2K${l}`).join('\n')}\n`);
    this.#drawnLines = lines.length;
  }

  #line(task: TaskProgressView): string {
    const total = task.hosts;
    const pending =
      total === undefined
        ? '?'
        : String(Math.max(0, total - task.running - task.succeeded - task.failed - task.other));
    const elapsed =
      task.startedAt === undefined ? '' : ` ${formatElapsed((task.endedAt ?? Date.now()) - task.startedAt)}`;
    const status = this.#paint(statusStyle(task.status), task.status.padEnd(9));
    const counts = `pending ${pending}  running ${task.running}  ok ${task.succeeded}  failed ${task.failed}${task.other ? `  other ${task.other}` : ''}`;
    return `${task.name.padEnd(20)} ${status} ${counts}${elapsed}`;
  }
}

/** The colour of a status word. */
export function statusStyle(status: string): 'green' | 'red' | 'yellow' | 'dim' | 'cyan' {
  if (status === 'success' || status === 'succeeded') return 'green';
  if (status === 'failed' || status === 'timed_out' || status === 'unreachable' || status === 'unknown')
    return 'red';
  if (status === 'running') return 'cyan';
  if (status === 'cancelled') return 'yellow';
  return 'dim';
}
