// The model card's view of the bundle manifest (importance and holdout charts). Pure and
// browser-safe: plain manifest data, never the loaded model.

export type ImportanceBar = { factor: string; share: number };

const OTHER = "Other";

/** Gain importance as shares of the total, largest first, the tail summed into "Other". */
export function importanceBars(
  importance: readonly { factor: string; gain: number }[],
  maxBars = 12,
): ImportanceBar[] {
  const total = importance.reduce((s, i) => s + Math.max(0, i.gain), 0);
  if (!(total > 0)) return [];
  const sorted = [...importance]
    .filter((i) => i.gain > 0)
    .sort((a, b) => b.gain - a.gain || a.factor.localeCompare(b.factor))
    .map((i) => ({ factor: i.factor, share: i.gain / total }));
  // The model's own "Other" factor joins the tail, so the chart has one "Other" bar, last.
  const named = sorted.filter((i) => i.factor !== OTHER);
  const otherShare = sorted.filter((i) => i.factor === OTHER).reduce((s, i) => s + i.share, 0);
  const keep = otherShare > 0 || named.length > maxBars ? maxBars - 1 : maxBars;
  const rest = named.slice(keep).reduce((s, i) => s + i.share, 0) + otherShare;
  const head = named.slice(0, keep);
  return rest > 0 ? [...head, { factor: OTHER, share: rest }] : head;
}

/** Share of holdout points whose actual price lies within ±`within` of the prediction. */
export function shareWithin(
  points: readonly { actual: number; predicted: number }[],
  within: number,
): number {
  if (points.length === 0) return NaN;
  const hits = points.filter((p) => Math.abs(p.actual / p.predicted - 1) <= within).length;
  return hits / points.length;
}
