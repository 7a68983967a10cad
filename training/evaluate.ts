// Evaluation helpers: calibrated intervals per row, metrics with bootstrap intervals, per-segment
// metrics and the simple baseline the card compares with.
import { calibratedInterval, type Calibration, type IntervalContext } from "~/ml/calibration";
import { featurize, type FeatureState } from "~/ml/features";
import { median, regressionMetrics, type RegressionMetrics } from "~/ml/metrics";
import { runOrt, type InferenceSession } from "~/inference/onnx.server";
import type { PropertyRecord } from "~/ml/schema";
import { quantile } from "./reference-stats";

export async function predictLog(
  session: InferenceSession,
  records: readonly PropertyRecord[],
  state: FeatureState,
): Promise<Float32Array> {
  const fm = featurize(records, state);
  return runOrt(session, fm.matrix, fm.nRows, fm.nFeatures);
}

/** Per row: the calibrated half-width (log space) and the calibration group it used. */
export function calibratedHalfWidths(
  calib: Calibration,
  logPred: ArrayLike<number>,
  contexts: readonly IntervalContext[],
): { half: Float64Array; groups: string[]; widened: boolean[] } {
  const half = new Float64Array(contexts.length);
  const groups: string[] = [];
  const widened: boolean[] = [];
  contexts.forEach((ctx, i) => {
    const iv = calibratedInterval(logPred[i], calib, ctx);
    half[i] = iv.half_width;
    groups.push(iv.group);
    widened.push(iv.widened.length > 0);
  });
  return { half, groups, widened };
}

const r5 = (x: number) => Number(x.toFixed(5));
const r3 = (x: number) => Number(x.toFixed(3));

export function roundMetrics(m: RegressionMetrics) {
  return {
    rmsle: r5(m.rmsle),
    mae: Math.round(m.mae),
    mape: r3(m.mape),
    medape: r3(m.medape),
    r2: r5(m.r2),
    coverage: Number(m.coverage.toFixed(4)),
    n: m.n,
  };
}

export const BOOTSTRAP_SAMPLES = 1000;

/** Metrics and their 95% percentile-bootstrap intervals (seeded resampling of the rows). */
export function metricsWithIntervals(
  prices: readonly number[],
  logPred: ArrayLike<number>,
  half: ArrayLike<number>,
  seed = 7,
) {
  const m = regressionMetrics(prices, logPred, half);
  const n = prices.length;
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const draws = { rmsle: [] as number[], mape: [] as number[], coverage: [] as number[] };
  const p: number[] = new Array(n);
  const y = new Float64Array(n);
  const h = new Float64Array(n);
  for (let b = 0; b < BOOTSTRAP_SAMPLES; b++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rand() * n);
      p[i] = prices[j];
      y[i] = logPred[j];
      h[i] = half[j];
    }
    const mb = regressionMetrics(p, y, h);
    draws.rmsle.push(mb.rmsle);
    draws.mape.push(mb.mape);
    draws.coverage.push(mb.coverage);
  }
  const ci = (xs: number[], round: (x: number) => number) => {
    const sorted = xs.sort((a, b) => a - b);
    return [round(quantile(sorted, 0.025)), round(quantile(sorted, 0.975))] as [number, number];
  };
  return {
    ...roundMetrics(m),
    ci95: {
      rmsle: ci(draws.rmsle, r5),
      mape: ci(draws.mape, r3),
      coverage: ci(draws.coverage, (x) => Number(x.toFixed(4))),
    },
  };
}

export type SegmentMetrics = {
  segment: string;
  value: string;
  n: number;
  rmsle: number;
  mape: number;
  coverage: number;
};

/** Metrics per value of each segmentation (values with fewer than `minRows` rows pooled). */
export function segmentMetrics(
  segmentations: Record<string, (i: number) => string>,
  prices: readonly number[],
  logPred: ArrayLike<number>,
  half: ArrayLike<number>,
  minRows = 10,
): SegmentMetrics[] {
  const out: SegmentMetrics[] = [];
  for (const [segment, valueOf] of Object.entries(segmentations)) {
    const rows = new Map<string, number[]>();
    for (let i = 0; i < prices.length; i++) {
      const v = valueOf(i);
      rows.set(v, [...(rows.get(v) ?? []), i]);
    }
    const small = [...rows].filter(([, ix]) => ix.length < minRows);
    if (small.length > 1) {
      for (const [v] of small) rows.delete(v);
      rows.set(
        "other",
        small.flatMap(([, ix]) => ix),
      );
    }
    for (const [value, ix] of [...rows].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const m = regressionMetrics(
        ix.map((i) => prices[i]),
        ix.map((i) => logPred[i]),
        ix.map((i) => half[i]),
      );
      out.push({
        segment,
        value,
        n: m.n,
        rmsle: r5(m.rmsle),
        mape: r3(m.mape),
        coverage: Number(m.coverage.toFixed(4)),
      });
    }
  }
  return out;
}

/** The card's simple baseline: living area × the neighbourhood's median price per sq ft. */
export function baselineLogPredictions(
  fit: { records: readonly PropertyRecord[]; prices: readonly number[] },
  records: readonly PropertyRecord[],
): Float64Array {
  const ppsf = new Map<string, number[]>();
  const all: number[] = [];
  fit.records.forEach((r, i) => {
    const v = fit.prices[i] / (r.Gr_Liv_Area as number);
    all.push(v);
    ppsf.set(r.Neighborhood as string, [...(ppsf.get(r.Neighborhood as string) ?? []), v]);
  });
  const medians = new Map([...ppsf].map(([nb, xs]) => [nb, median(xs)]));
  const overall = median(all);
  return Float64Array.from(records, (r) =>
    Math.log((medians.get(r.Neighborhood as string) ?? overall) * (r.Gr_Liv_Area as number)),
  );
}
