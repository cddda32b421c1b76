/**
 * The data side of the curves view, free of the DOM (unit-tested under node): a curves
 * payload's runs grouped into one list of series per metric, in the x units they are drawn in.
 */

export interface ISeries {
  run: number;
  runName: string;
  split: string;
  level: string;
  points: [number, number][];
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function text(x: unknown): string {
  return typeof x === 'string' ? x : '';
}

/** Runs of a payload (only well-formed entries) and the series of each metric, in order.
 *
 * Per-batch points are drawn against the step; per-epoch points too when their metric has
 * per-batch points in that run (their third value is the step the epoch ended on), else
 * against the epoch. Missing and non-finite values are left out.
 */
export function collectSeries(runsData: unknown[]): {
  runs: Record<string, unknown>[];
  metrics: Map<string, ISeries[]>;
} {
  const runs = runsData.filter(isObject);
  const metrics = new Map<string, ISeries[]>();
  runs.forEach((run, r) => {
    const series = Array.isArray(run.series) ? run.series.filter(isObject) : [];
    const hasBatch = new Set(series.filter(x => x.level === 'batch').map(x => text(x.metric)));
    for (const x of series) {
      const metric = text(x.metric);
      const level = x.level === 'batch' ? 'batch' : 'epoch';
      const onSteps = hasBatch.has(metric);
      const points: [number, number][] = [];
      for (const p of Array.isArray(x.points) ? x.points : []) {
        if (!Array.isArray(p) || typeof p[1] !== 'number' || !Number.isFinite(p[1])) {
          continue;
        }
        const xv = level === 'epoch' && onSteps ? p[2] : p[0];
        if (typeof xv === 'number' && Number.isFinite(xv)) {
          points.push([xv, p[1]]);
        }
      }
      if (!metrics.has(metric)) {
        metrics.set(metric, []);
      }
      metrics.get(metric)!.push({ run: r, runName: text(run.name), split: text(x.split), level, points });
    }
  });
  return { runs, metrics };
}

/** The axis ranges [x0, x1, y0, y1] of a chart, never empty (a flat line gets some height). */
export function axisRange(points: [number, number][]): [number, number, number, number] {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of points) {
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (x1 === x0) {
    x1 = x0 + 1;
  }
  if (y1 === y0) {
    y1 = y0 + Math.max(1e-6, Math.abs(y0) * 0.1);
  }
  return [x0, x1, y0, y1];
}

/** A tick label: 4 significant digits, exponent notation for very small or large values. */
export function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

/** Axis ticks: a nice step (1, 2 or 5 x 10^k) giving about `count` ticks over [lo, hi], the
 * range widened to whole steps, and each tick's label written with that step's decimals. */
export function niceTicks(lo: number, hi: number, count = 5): { lo: number; hi: number; ticks: number[]; labels: string[] } {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw * 0.999) ?? 10 * mag;
  const a = Math.floor(lo / step + 1e-9) * step;
  const b = Math.ceil(hi / step - 1e-9) * step;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: number[] = [];
  for (let t = a; t <= b + step * 1e-6; t += step) {
    ticks.push(Number(t.toFixed(decimals + 2)));
  }
  const big = Math.max(Math.abs(a), Math.abs(b));
  const labels = ticks.map(t => (big >= 1e5 || (big < 1e-3 && big > 0) ? t.toExponential(1) : t.toFixed(decimals)));
  return { lo: a, hi: b === a ? a + step : b, ticks, labels };
}

/** Log-scale ticks over [lo, hi] (both > 0): the powers of ten in it, widened to whole
 * decades; 2 and 5 times them too when it spans fewer than three decades. */
export function logTicks(lo: number, hi: number): { lo: number; hi: number; ticks: number[]; labels: string[] } {
  const a = Math.floor(Math.log10(lo));
  const b = Math.max(a + 1, Math.ceil(Math.log10(hi)));
  const ticks: number[] = [];
  for (let e = a; e <= b; e++) {
    for (const m of b - a <= 3 ? [1, 2, 5] : [1]) {
      const t = m * Math.pow(10, e);
      if (t <= Math.pow(10, b) * 1.0001) {
        ticks.push(t);
      }
    }
  }
  const labels = ticks.map(t => (t >= 1e4 || t < 1e-3 ? t.toExponential(0) : String(Number(t.toPrecision(2)))));
  return { lo: Math.pow(10, a), hi: Math.pow(10, b), ticks, labels };
}

/** Exponential moving average with TensorBoard's debiasing (`weight` 0: the points). */
export function smooth(points: [number, number][], weight: number): [number, number][] {
  if (weight <= 0) {
    return points;
  }
  let last = 0;
  return points.map(([x, y], i) => {
    last = last * weight + (1 - weight) * y;
    return [x, last / (1 - Math.pow(weight, i + 1))];
  });
}
