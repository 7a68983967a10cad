// The linear part of a model: log price = trees + intercept + Σ weight · g(feature), with g the
// identity or log1p. It reads the same float32 feature row as the trees and is exported into the
// same ONNX graph (training/to-onnx.ts); this is its reference in double precision, and its
// exact additive explanation. Pure (no node imports).

export type LinearTransform = "identity" | "log1p";

export type LinearTerm = {
  /** Feature name and its column in the model's feature row. */
  feature: string;
  index: number;
  transform: LinearTransform;
  weight: number;
  /** Mean of g(feature) over the training rows: the term's share of the base value. */
  mean: number;
  /** The feature's range over the training rows (beyond it the model extrapolates). */
  min: number;
  max: number;
};

export type LinearPart = { intercept: number; terms: LinearTerm[] };

export function transformValue(transform: LinearTransform, x: number): number {
  return transform === "log1p" ? Math.log1p(x) : x;
}

/** intercept + Σ weight · g(x[index]), in double precision. */
export function linearPredict(part: LinearPart, row: ArrayLike<number>): number {
  let sum = part.intercept;
  for (const t of part.terms) sum += t.weight * transformValue(t.transform, row[t.index]);
  return sum;
}

/** The linear part's value for the mean training row: its share of the explanation's base. */
export function linearBase(part: LinearPart): number {
  let sum = part.intercept;
  for (const t of part.terms) sum += t.weight * t.mean;
  return sum;
}

/**
 * Adds each term's exact contribution, weight · (g(x) − mean), to `phi` (per feature column),
 * so that linearBase + Σ contributions = linearPredict.
 */
export function addLinearContributions(
  part: LinearPart,
  row: ArrayLike<number>,
  phi: Float64Array,
): void {
  for (const t of part.terms) {
    phi[t.index] += t.weight * (transformValue(t.transform, row[t.index]) - t.mean);
  }
}

/**
 * The log-price change the linear part makes beyond the training range of its features: Σ
 * weight · (g(x) − g(x clamped to [min, max])). Trees are flat outside that range, so this is
 * the part of an estimate that rests on extrapolation alone (the interval widens by it).
 */
export function linearExtrapolation(
  part: LinearPart,
  row: ArrayLike<number>,
  /** Where the row starts in `row` (a feature matrix, without a view per row). */
  offset = 0,
): number {
  let sum = 0;
  for (const t of part.terms) {
    const x = row[offset + t.index];
    const clamped = Math.min(t.max, Math.max(t.min, x));
    if (clamped !== x) {
      sum += t.weight * (transformValue(t.transform, x) - transformValue(t.transform, clamped));
    }
  }
  return sum;
}
