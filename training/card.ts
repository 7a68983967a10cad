// Model-card data for an analyst (manifest `card`): mean |SHAP| importance on the holdout,
// metrics with bootstrap intervals for all and for normal sales, full and required-only
// records, per-segment metrics and coverage, residuals, the calibration table, a simple
// baseline and how the comparable sales did. Scored once per bundle; nothing here chooses.
import { calibratedInterval, type Calibration } from "~/ml/calibration";
import { explainRow, type PreparedEnsemble } from "~/ml/explain";
import { featureFactor, type FeatureMatrix } from "~/ml/features";
import { regressionMetrics } from "~/ml/metrics";
import type { PropertyRecord } from "~/ml/schema";
import type { RowContext } from "./calibrate";
import { metricsWithIntervals, roundMetrics, segmentMetrics } from "./evaluate";

/** Mean over rows of |Σ contributions of a factor's features|, and each factor's share. */
export function shapImportance(
  explainer: PreparedEnsemble,
  baseScore: number,
  fm: FeatureMatrix,
  features: readonly string[],
): { factor: string; mean_abs: number; share: number }[] {
  const factors = [...new Set(features.map(featureFactor))];
  const sums = new Map(factors.map((f) => [f, 0]));
  for (let i = 0; i < fm.nRows; i++) {
    const x = fm.matrix.subarray(i * fm.nFeatures, (i + 1) * fm.nFeatures);
    const { contributions } = explainRow(explainer, baseScore, x, fm.nFeatures);
    const perFactor = new Map<string, number>();
    features.forEach((name, j) => {
      const f = featureFactor(name);
      perFactor.set(f, (perFactor.get(f) ?? 0) + contributions[j]);
    });
    for (const [f, v] of perFactor) sums.set(f, sums.get(f)! + Math.abs(v) / fm.nRows);
  }
  const total = [...sums.values()].reduce((a, b) => a + b, 0);
  return [...sums]
    .map(([factor, v]) => ({
      factor,
      mean_abs: Number(v.toFixed(5)),
      share: Number((v / total).toFixed(5)),
    }))
    .sort((a, b) => b.mean_abs - a.mean_abs || (a.factor < b.factor ? -1 : 1));
}

export type Scored = {
  records: readonly PropertyRecord[];
  truth: readonly PropertyRecord[];
  prices: readonly number[];
  logPred: ArrayLike<number>;
  contexts: readonly RowContext[];
};

function halfWidths(calib: Calibration, s: Scored) {
  return s.contexts.map((ctx, i) => calibratedInterval(s.logPred[i], calib, ctx));
}

const isNormal = (r: PropertyRecord) => r.Sale_Condition === "Normal";

function subset(s: Scored, keep: (r: PropertyRecord) => boolean): Scored {
  const ix = s.truth.flatMap((r, i) => (keep(r) ? [i] : []));
  return {
    records: ix.map((i) => s.records[i]),
    truth: ix.map((i) => s.truth[i]),
    prices: ix.map((i) => s.prices[i]),
    logPred: ix.map((i) => s.logPred[i]),
    contexts: ix.map((i) => s.contexts[i]),
  };
}

/** Metrics with 95% bootstrap intervals: all sales and Normal sales. */
export function headlineMetrics(calib: Calibration, s: Scored) {
  const one = (x: Scored) =>
    metricsWithIntervals(
      x.prices,
      x.logPred,
      halfWidths(calib, x).map((iv) => iv.half_width),
    );
  return { all: one(s), normal: one(subset(s, isNormal)) };
}

const PRICE_BANDS: [number, string][] = [
  [130_000, "under $130k"],
  [180_000, "$130k–180k"],
  [250_000, "$180k–250k"],
  [Infinity, "$250k and over"],
];
const AGE_BANDS: [number, string][] = [
  [10, "0–10 years"],
  [30, "11–30 years"],
  [60, "31–60 years"],
  [Infinity, "over 60 years"],
];
const band = (bands: [number, string][], x: number) => bands.find(([max]) => x <= max)![1];

/** Metrics and coverage per sale condition, price band, age band and neighbourhood. */
export function segments(calib: Calibration, s: Scored) {
  const half = halfWidths(calib, s).map((iv) => iv.half_width);
  const r = (i: number) => s.truth[i];
  return segmentMetrics(
    {
      sale_condition: (i) => r(i).Sale_Condition as string,
      price_band: (i) => band(PRICE_BANDS, s.prices[i]),
      age_band: (i) => band(AGE_BANDS, (r(i).Year_Sold as number) - (r(i).Year_Built as number)),
      neighborhood: (i) => r(i).Neighborhood as string,
    },
    s.prices,
    s.logPred,
    half,
  );
}

/** Coverage and mean interval width per calibration group (and overall). */
export function calibrationTable(calib: Calibration, s: Scored, records: string) {
  const ivs = halfWidths(calib, s);
  const groups = new Map<string, number[]>();
  ivs.forEach((iv, i) => groups.set(iv.group, [...(groups.get(iv.group) ?? []), i]));
  const row = (group: string, ix: number[]) => {
    const covered = ix.filter(
      (i) => Math.abs(Math.log(s.prices[i]) - s.logPred[i]) <= ivs[i].half_width,
    );
    const width = ix.reduce((a, i) => a + (Math.exp(2 * ivs[i].half_width) - 1), 0) / ix.length;
    return {
      records,
      group,
      n: ix.length,
      coverage: Number((covered.length / ix.length).toFixed(4)),
      widened: ix.filter((i) => ivs[i].widened.length > 0).length,
      mean_upper_over_lower: Number((1 + width).toFixed(4)),
    };
  };
  return [
    row(
      "all",
      ivs.map((_, i) => i),
    ),
    ...[...groups].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([g, ix]) => row(g, ix)),
  ];
}

/** Residual (log actual − log predicted) columns against prediction and sale month. */
export function residualColumns(sets: { split: string; scored: Scored }[]) {
  const rows = sets.flatMap(({ scored: s }, k) =>
    s.truth.map((r, i) => ({ k, r, p: s.logPred[i], y: Math.log(s.prices[i]) })),
  );
  return {
    splits: sets.map((x) => x.split),
    split: rows.map((x) => x.k),
    year: rows.map((x) => x.r.Year_Sold as number),
    month: rows.map((x) => x.r.Mo_Sold as number),
    predicted: rows.map((x) => Math.round(Math.exp(x.p))),
    residual: rows.map((x) => Number((x.y - x.p).toFixed(4))),
  };
}

export function plainMetrics(prices: readonly number[], logPred: ArrayLike<number>) {
  const { coverage: _, ...m } = roundMetrics(regressionMetrics(prices, logPred, 0));
  return m;
}
