/**
 * Progress on stderr: cycle, phase (round r/R or local-only / query), clients done, and an
 * ETA from the measured image-pass rate against the planned total. On a TTY one line is
 * redrawn; otherwise a line is printed at most every `plainEveryMs`.
 */
export interface ProgressSink {
  isTTY: boolean;
  write(s: string): void;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

export class ProgressBar {
  private cycle = 0;
  private phase = '';
  private clientsDone = 0;
  private clients = 0;
  private done = 0;
  private readonly startedAt: number;
  private lastDraw = 0;

  constructor(
    private readonly sink: ProgressSink | null,
    private cycles: number,
    private total: number,
    private readonly now: () => number = Date.now,
    private readonly plainEveryMs = 30_000,
  ) {
    this.startedAt = now();
  }

  /** Work already done before a resume counts neither toward the rate nor the remaining total. */
  setPlan(cycles: number, total: number): void {
    this.cycles = cycles;
    this.total = total;
  }

  setPhase(cycle: number, phase: string, clients: number): void {
    this.cycle = cycle;
    this.phase = phase;
    this.clients = clients;
    this.clientsDone = 0;
    this.draw(true);
  }

  clientDone(): void {
    this.clientsDone++;
    this.draw(false);
  }

  addWork(images: number): void {
    this.done += images;
    this.draw(false);
  }

  eta(): number {
    const elapsed = this.now() - this.startedAt;
    if (this.done <= 0) return NaN;
    return (elapsed / this.done) * Math.max(0, this.total - this.done);
  }

  line(): string {
    const pct = this.total > 0 ? Math.min(100, (100 * this.done) / this.total) : 0;
    const width = 20;
    const filled = Math.round((pct / 100) * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    return `[${bar}] ${pct.toFixed(1)}% cycle ${this.cycle + 1}/${this.cycles} ${this.phase} clients ${this.clientsDone}/${this.clients} ETA ${formatDuration(this.eta())}`;
  }

  private draw(force: boolean): void {
    if (!this.sink) return;
    const t = this.now();
    if (this.sink.isTTY) {
      if (!force && t - this.lastDraw < 200) return;
      this.lastDraw = t;
      this.sink.write(`\r\x1b[2K${this.line()}`);
    } else {
      if (!force && t - this.lastDraw < this.plainEveryMs) return;
      if (force && t - this.lastDraw < 2_000) return;
      this.lastDraw = t;
      this.sink.write(`${new Date(t).toISOString()} ${this.line()}\n`);
    }
  }

  finish(message: string): void {
    if (!this.sink) return;
    this.sink.write(this.sink.isTTY ? `\r\x1b[2K${message}\n` : `${message}\n`);
  }
}
