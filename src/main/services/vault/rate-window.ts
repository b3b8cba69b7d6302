// Items per second over the last few seconds: what progress reports show as "rate" and use for ETAs.
export class RateWindow {
  private readonly points: { t: number; done: number }[] = [];

  constructor(private readonly spanMs = 5000) {}

  add(done: number, t = Date.now()): void {
    this.points.push({ t, done });
    while (this.points.length > 2 && t - this.points[0]!.t > this.spanMs) this.points.shift();
  }

  perSecond(): number {
    const w = this.points;
    if (w.length < 2) return 0;
    const a = w[0]!;
    const b = w[w.length - 1]!;
    const dt = (b.t - a.t) / 1000;
    return dt > 0 ? (b.done - a.done) / dt : 0;
  }

  clear(): void {
    this.points.length = 0;
  }
}
