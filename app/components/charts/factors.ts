// TreeSHAP factor contributions (log-price units) → bars for the estimate chart. Browser-safe.

import type { Prediction } from "~/api/schemas";

export type Contribution = NonNullable<Prediction["contributions"]>[number];

export type FactorBar = {
  factor: string;
  /** Contribution in log-price units: bar lengths use it, so +x% and its inverse look alike. */
  log: number;
  /** Multiplicative effect on the price: exp(log) − 1 (0.1 = +10%). */
  effect: number;
  /** How many factors the bar stands for (> 1 only for the "Other factors" bar). */
  count: number;
};

export const OTHER_FACTORS = "Other factors";

/**
 * The largest factors by |effect| as bars, the rest summed into one "Other factors" bar so
 * the chart still adds up to the estimate. Factors with (almost) no effect are dropped.
 */
export function factorBars(
  contributions: readonly Contribution[],
  maxBars = 8,
  minAbsLog = 1e-4,
): FactorBar[] {
  if (maxBars < 2) throw new Error("maxBars must be at least 2");
  const sorted = contributions
    .filter((c) => Math.abs(c.value) >= minAbsLog)
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.factor.localeCompare(b.factor));
  const bar = (factor: string, log: number, count: number): FactorBar => ({
    factor,
    log,
    effect: Math.expm1(log),
    count,
  });
  if (sorted.length <= maxBars) return sorted.map((c) => bar(c.factor, c.value, 1));
  const head = sorted.slice(0, maxBars - 1).map((c) => bar(c.factor, c.value, 1));
  const rest = sorted.slice(maxBars - 1);
  const restSum = rest.reduce((sum, c) => sum + c.value, 0);
  return [...head, bar(OTHER_FACTORS, restSum, rest.length)];
}

/** Price of the "average" training home the explanation starts from: exp(base_value). */
export function basePrice(baseValue: number): number {
  return Math.exp(baseValue);
}

/** One-sentence summary of the strongest push up and down, for screen readers and captions. */
export function describeFactors(bars: readonly FactorBar[]): string {
  const up = bars.filter((b) => b.log > 0 && b.factor !== OTHER_FACTORS)[0];
  const down = bars.filter((b) => b.log < 0 && b.factor !== OTHER_FACTORS)[0];
  const parts: string[] = [];
  if (up) parts.push(`${up.factor} raised the estimate the most`);
  if (down) parts.push(`${down.factor} lowered it the most`);
  return parts.length > 0 ? `${parts.join("; ")}.` : "No factor moved the estimate noticeably.";
}
