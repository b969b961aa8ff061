import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseResult } from './child.js';
import type { FuzzCase } from './mutate.js';

/**
 * A pool of long-lived fuzz worker processes (child.ts). Each runs many
 * cases; one that does not answer within `timeoutMs` is killed and counted
 * a hang, one that dies is counted a crash, and either is replaced. The
 * parent also watches each child's resident size and kills it past
 * `rssKillBytes`, so that a runaway case cannot take the machine down.
 */

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child.ts');

export interface PoolOptions {
  size: number;
  timeoutMs: number;
  /** Folder the children lay cases out in. */
  root: string;
  rssKillBytes?: number;
  /** Replace a child after this many cases (a fresh baseline for its memory measurements). */
  recycleAfter?: number;
}

interface Pending {
  id: number;
  resolve: (r: CaseResult) => void;
  timer: NodeJS.Timeout;
  started: number;
}

class Worker {
  child!: ChildProcess;
  ready!: Promise<void>;
  pending?: Pending;
  done = 0;
  private stderr = '';
  private watch?: NodeJS.Timeout;

  constructor(private readonly options: PoolOptions) {
    this.start();
  }

  private start(): void {
    this.stderr = '';
    this.done = 0;
    this.child = fork(CHILD, [], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=1024', '--stack-size=984'],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-2000);
    });
    this.ready = new Promise((resolve) => {
      const onReady = (m: { type?: string }) => {
        if (m?.type === 'ready') {
          this.child.off('message', onReady);
          resolve();
        }
      };
      this.child.on('message', onReady);
    });
    this.child.on('message', (m: { type?: string; id?: number; result?: CaseResult }) => {
      if (m?.type === 'result' && this.pending && m.id === this.pending.id) this.finish(m.result!);
    });
    const child = this.child;
    // A send to a child that just died fails with EPIPE; its exit handler deals with that.
    child.on('error', () => {});
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      const p = this.pending;
      this.pending = undefined;
      const why = `worker died (${signal ?? `exit ${code}`}): ${this.lastStderr()}`;
      this.restart();
      if (p) this.finishWith(p, { outcome: 'crash', detail: why, ms: Date.now() - p.started, vmPeakGrowth: 0, hwm: 0 });
    });
    const limit = this.options.rssKillBytes ?? 2 * 1024 ** 3;
    this.watch = setInterval(() => {
      if (!this.pending || this.child.pid === undefined) return;
      try {
        const pages = Number(readFileSync(`/proc/${this.child.pid}/statm`, 'utf8').split(' ')[1]);
        if (pages * 4096 > limit) {
          const p = this.pending;
          this.pending = undefined;
          clearTimeout(p.timer);
          this.restart();
          p.resolve({ outcome: 'rss>1GB', detail: `resident size passed ${(limit / 2 ** 30).toFixed(1)} GiB: killed`, ms: Date.now() - p.started, vmPeakGrowth: 0, hwm: pages * 4096 });
        }
      } catch {
        // the child is gone; its exit handler takes over
      }
    }, 25);
    this.watch.unref();
  }

  private lastStderr(): string {
    return this.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400);
  }

  /** Kills the current child (if alive) and starts a new one at once: the next case waits for the new one's `ready`. */
  private restart(): void {
    clearInterval(this.watch);
    const old = this.child;
    old.removeAllListeners('exit');
    old.removeAllListeners('message');
    try {
      old.kill('SIGKILL');
    } catch {
      // already gone
    }
    this.start();
  }

  private finishWith(p: Pending, r: CaseResult): void {
    clearTimeout(p.timer);
    p.resolve(r);
  }

  private finish(r: CaseResult): void {
    const p = this.pending!;
    this.pending = undefined;
    this.done++;
    this.finishWith(p, r);
    const recycle = this.options.recycleAfter ?? 4000;
    // The child leaves by itself after these (its memory measurements no longer start clean): replace it now.
    if (this.done >= recycle || r.outcome === 'alloc>1GB' || r.outcome === 'rss>1GB' || r.outcome === 'proto-write') this.restart();
  }

  async run(id: number, c: FuzzCase): Promise<CaseResult> {
    await this.ready;
    return new Promise((resolve) => {
      const started = Date.now();
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        const p = this.pending;
        this.pending = undefined;
        this.restart();
        p.resolve({ outcome: 'hang', detail: `no answer in ${this.options.timeoutMs} ms`, ms: Date.now() - started, vmPeakGrowth: 0, hwm: 0 });
      }, this.options.timeoutMs);
      this.pending = { id, resolve, timer, started };
      // The ops only describe the case (for reproducers): the child needs its files.
      this.child.send({ type: 'case', id, root: this.options.root, case: { ...c, ops: [] } });
    });
  }

  close(): void {
    clearInterval(this.watch);
    const child = this.child;
    this.child = undefined as unknown as ChildProcess;
    child.removeAllListeners('exit');
    child.kill('SIGKILL');
  }
}

export class FuzzPool {
  private readonly workers: Worker[];
  private readonly idle: Worker[];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private next = 0;

  constructor(options: PoolOptions) {
    this.workers = Array.from({ length: options.size }, () => new Worker(options));
    this.idle = [...this.workers];
  }

  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  async run(c: FuzzCase): Promise<CaseResult> {
    const w = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    try {
      return await w.run(this.next++, c);
    } finally {
      const waiter = this.waiting.shift();
      if (waiter) waiter(w);
      else this.idle.push(w);
    }
  }

  close(): void {
    for (const w of this.workers) w.close();
  }
}
