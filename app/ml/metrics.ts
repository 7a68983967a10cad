// Regression metrics on prices (USD), with predictions made in log space.

export type RegressionMetrics = {
  rmsle: number;
  mae: number;
  mape: number;
  medape: number;
  r2: number;
  coverage: number;
  n: number;
};

/** The middle value (the mean of the two middle ones for an even count; NaN for none). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * @param actual prices (USD); @param logPred predicted log prices; @param q the interval's
 * half-width in log space, one for all rows or one per row (coverage = share of actual prices
 * inside exp(logPred ± q)). RMSLE is computed on log(price) (the model's target), MAPE/median
 * APE in percent.
 */
export function regressionMetrics(
  actual: readonly number[],
  logPred: ArrayLike<number>,
  q: number | ArrayLike<number>,
): RegressionMetrics {
  const n = actual.length;
  if (n === 0) throw new Error("no rows to evaluate");
  let se = 0;
  let ae = 0;
  let covered = 0;
  const ape: number[] = [];
  let mean = 0;
  for (const a of actual) mean += a / n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const p = Math.exp(logPred[i]);
    const d = Math.log(a) - logPred[i];
    se += d * d;
    ae += Math.abs(a - p);
    ape.push((Math.abs(a - p) / a) * 100);
    if (Math.abs(d) <= (typeof q === "number" ? q : q[i])) covered++;
    ssRes += (a - p) ** 2;
    ssTot += (a - mean) ** 2;
  }
  return {
    rmsle: Math.sqrt(se / n),
    mae: ae / n,
    mape: ape.reduce((x, y) => x + y, 0) / n,
    medape: median(ape),
    r2: 1 - ssRes / ssTot,
    coverage: covered / n,
    n,
  };
}
