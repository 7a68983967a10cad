// Split-conformal prediction interval in log-price space.

/**
 * Finite-sample split-conformal quantile: the ⌈(n+1)·level⌉-th smallest absolute calibration
 * residual (Infinity when n is too small for the level).
 */
export function conformalQuantile(absResidualsLog: number[], level: number): number {
  if (!(level > 0 && level < 1)) throw new Error(`level must be in (0, 1), got ${level}`);
  const n = absResidualsLog.length;
  const k = Math.ceil((n + 1) * level);
  if (k > n) return Infinity;
  const sorted = [...absResidualsLog].sort((a, b) => a - b);
  return sorted[k - 1];
}

/** Prices in API answers: to the cent. */
export const cents = (x: number): number => Math.round(x * 100) / 100;

export function priceInterval(
  logPred: number,
  q: number,
  level: number,
): { lower: number; upper: number; level: number } {
  return { lower: Math.exp(logPred - q), upper: Math.exp(logPred + q), level };
}
