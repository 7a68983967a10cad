// View-model helpers over the model bundle manifest (typical neighbourhood sale, model card
// charts). Pure and browser-safe: they take plain manifest data, never the loaded model.
import type { BundleManifest } from "~/ml/bundle";

export type NeighbourhoodTypical = {
  neighbourhood: string;
  /** exp(smoothed mean log sale price) of the neighbourhood's training sales. */
  price: number;
  /** Training sales in the neighbourhood (from the frequency encoder), if known. */
  sales: number | undefined;
  /** True when the training split had no sale there and the city-wide value is shown. */
  cityWide: boolean;
};

const NEIGHBOURHOOD_ENCODER = "Neighborhood_TE";
const NEIGHBOURHOOD_FREQUENCY = "Neighborhood_Freq";

/**
 * The neighbourhood's typical training sale. The Neighborhood target encoder stores the mean
 * log sale price per neighbourhood on the training split, smoothed towards the city-wide mean
 * (so small neighbourhoods are pulled towards the city). exp() of it is a geometric mean: close
 * to the median sale for the right-skewed prices here. Undefined if the bundle has no encoder.
 */
export function neighbourhoodTypical(
  manifest: Pick<BundleManifest, "feature_state" | "data">,
  neighbourhood: string,
): NeighbourhoodTypical | undefined {
  const encoder = manifest.feature_state.target[NEIGHBOURHOOD_ENCODER];
  if (!encoder) return undefined;
  const level = encoder.map[neighbourhood];
  const share = manifest.feature_state.frequency[NEIGHBOURHOOD_FREQUENCY]?.map[neighbourhood];
  const trainRows = manifest.data.split.train.rows;
  return {
    neighbourhood,
    price: Math.exp(level ?? encoder.prior),
    sales:
      share === undefined ? (level === undefined ? 0 : undefined) : Math.round(share * trainRows),
    cityWide: level === undefined,
  };
}

/** The estimate relative to a reference price: +0.12 = 12% above. */
export function relativeTo(price: number, reference: number): number {
  return price / reference - 1;
}

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

/** Years as a compact label: [2006, 2007, 2008] → "2006–2008", [2010] → "2010". */
export function yearsLabel(years: readonly number[]): string {
  if (years.length === 0) return "—";
  const sorted = [...years].sort((a, b) => a - b);
  const contiguous = sorted.every((y, i) => i === 0 || y === sorted[i - 1] + 1);
  if (sorted.length === 1) return String(sorted[0]);
  return contiguous ? `${sorted[0]}–${sorted[sorted.length - 1]}` : sorted.join(", ");
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
