// The linear part of the model (app/ml/linear.ts): a ridge regression of log price on a few
// features, with non-negative weights on the features the model may only increase with, fitted
// before the trees, which then learn what it leaves (their labels are its residuals).
import { INCREASING } from "~/ml/features";
import { transformValue, type LinearPart, type LinearTransform } from "~/ml/linear";

/**
 * The linear part's inputs: sizes on a log scale (a constant elasticity, which keeps growing
 * past the largest training home where trees go flat), counts, grades, age and the location and
 * sale encodings.
 */
export const LINEAR_TERMS: readonly { feature: string; transform: LinearTransform }[] = [
  { feature: "Gr_Liv_Area", transform: "log1p" },
  { feature: "Total_Bsmt_SF", transform: "log1p" },
  { feature: "Bsmt_Fin_SF", transform: "log1p" },
  { feature: "Lot_Area", transform: "log1p" },
  { feature: "Garage_Area", transform: "log1p" },
  { feature: "Garage_Cars", transform: "identity" },
  { feature: "Total_Baths", transform: "identity" },
  { feature: "Overall_Cond", transform: "identity" },
  { feature: "Exter_Cond", transform: "identity" },
  { feature: "Heating_QC", transform: "identity" },
  { feature: "Functional", transform: "identity" },
  { feature: "Age", transform: "identity" },
  { feature: "Years_Since_Remod", transform: "identity" },
  { feature: "Fireplaces", transform: "identity" },
  { feature: "Nearby_PPSF", transform: "identity" },
  { feature: "Neighborhood_TE", transform: "identity" },
  { feature: "MS_Zoning_TE", transform: "identity" },
  { feature: "Bldg_Type_TE", transform: "identity" },
  { feature: "Sale_Condition_TE", transform: "identity" },
  { feature: "Sale_Type_TE", transform: "identity" },
];

export type LinearFitOptions = {
  /** Ridge penalty per row on standardised inputs (λ·n·Σβ²). */
  lambda: number;
  terms?: readonly { feature: string; transform: LinearTransform }[];
};

/**
 * Weighted ridge by coordinate descent on standardised inputs, with β ≥ 0 for the INCREASING
 * features; deterministic (fixed order, converged to 1e-12 or 10,000 sweeps).
 */
export function fitLinear(
  matrix: Float32Array,
  nRows: number,
  features: readonly string[],
  y: ArrayLike<number>,
  weights: ArrayLike<number>,
  opts: LinearFitOptions,
): LinearPart {
  const terms = (opts.terms ?? LINEAR_TERMS).filter((t) => features.includes(t.feature));
  const nF = features.length;
  const p = terms.length;
  let wSum = 0;
  for (let i = 0; i < nRows; i++) wSum += weights[i];
  // Standardised columns z = (g − μ) / σ, weighted.
  const z = terms.map((t) => {
    const j = features.indexOf(t.feature);
    const g = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) g[i] = transformValue(t.transform, matrix[i * nF + j]);
    return g;
  });
  const mu = z.map((g) => g.reduce((s, v, i) => s + weights[i] * v, 0) / wSum);
  const sd = z.map((g, k) =>
    Math.sqrt(g.reduce((s, v, i) => s + weights[i] * (v - mu[k]) ** 2, 0) / wSum),
  );
  z.forEach((g, k) => {
    for (let i = 0; i < nRows; i++) g[i] = sd[k] > 0 ? (g[i] - mu[k]) / sd[k] : 0;
  });
  let yMean = 0;
  for (let i = 0; i < nRows; i++) yMean += (weights[i] * y[i]) / wSum;
  const r = Float64Array.from({ length: nRows }, (_, i) => y[i] - yMean);
  const beta = new Float64Array(p);
  const penalty = opts.lambda * wSum;
  const positive = terms.map((t) => INCREASING.has(t.feature));
  for (let sweep = 0; sweep < 10_000; sweep++) {
    let maxStep = 0;
    for (let k = 0; k < p; k++) {
      const g = z[k];
      let num = 0;
      let den = 0;
      for (let i = 0; i < nRows; i++) {
        num += weights[i] * g[i] * (r[i] + beta[k] * g[i]);
        den += weights[i] * g[i] * g[i];
      }
      let b = den > 0 ? num / (den + penalty) : 0;
      if (positive[k] && b < 0) b = 0;
      const step = b - beta[k];
      if (step !== 0) {
        for (let i = 0; i < nRows; i++) r[i] -= step * g[i];
        beta[k] = b;
        maxStep = Math.max(maxStep, Math.abs(step));
      }
    }
    if (maxStep < 1e-12) break;
  }
  // Back to the raw transformed scale: weight = β/σ, intercept absorbs the means.
  let intercept = yMean;
  const out = terms.map((t, k) => {
    const weight = sd[k] > 0 ? beta[k] / sd[k] : 0;
    intercept -= weight * mu[k];
    const index = features.indexOf(t.feature);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < nRows; i++) {
      min = Math.min(min, matrix[i * nF + index]);
      max = Math.max(max, matrix[i * nF + index]);
    }
    return { feature: t.feature, index, transform: t.transform, weight, mean: mu[k], min, max };
  });
  return { intercept, terms: out.filter((t) => t.weight !== 0) };
}
