// Reference statistics of the training data (bundle `reference`): per input field its quantiles
// and a histogram (numbers) or level shares (categories), and the distribution of the model's
// predictions. Out-of-range warnings read the ranges; a drift monitor compares live traffic with
// the histograms (population stability index, psi()). Pure.

/** Quantile levels stored per numeric field (0 and 1 are the training min and max). */
export const QUANTILE_LEVELS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1] as const;

/**
 * A histogram over bins (−∞, e0], (e0, e1], …, (e_last, ∞): `shares` has one more entry than
 * `edges`, and sums to 1 over the rows it was made from.
 */
export type Histogram = { edges: number[]; shares: number[] };

export type NumericReference = {
  kind: "number";
  /** Share of training rows without a value (the training file has none missing). */
  missing_share: number;
  /** Values at QUANTILE_LEVELS. */
  quantiles: number[];
  histogram: Histogram;
};

export type CategoryReference = {
  kind: "category";
  missing_share: number;
  /** Share of training rows per level (levels the training rows never had are absent). */
  shares: Record<string, number>;
};

export type FieldReference = NumericReference | CategoryReference;

export type Reference = {
  /** Layout version of this block (a monitor refuses one it does not know). */
  version: 1;
  /** The rows the statistics describe: the fitted training rows. */
  rows: number;
  years: number[];
  fields: Record<string, FieldReference>;
  /** Predicted log price on the fitted rows and on the holdout, on the same bins. */
  prediction: { edges: number[]; train: number[]; holdout: number[]; quantiles: number[] };
};

/** Index of the histogram bin of x (bins are right-closed: x = edge falls in the lower bin). */
export function binIndex(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Histogram shares of `values` over the bins of `edges`. */
export function histogramShares(edges: readonly number[], values: ArrayLike<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[binIndex(edges, values[i])]++;
  return counts.map((c) => (values.length ? c / values.length : 0));
}

/**
 * Population stability index Σ (a − e) · ln(a / e) over bins, with shares floored at `floor`
 * so an empty bin does not make it infinite. 0.1–0.25 is usually read as a moderate shift,
 * above 0.25 as a large one.
 */
export function psi(expected: readonly number[], actual: readonly number[], floor = 1e-4): number {
  if (expected.length !== actual.length) {
    throw new Error(`psi: ${expected.length} expected shares, ${actual.length} actual`);
  }
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i], floor);
    const a = Math.max(actual[i], floor);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}
