import type { Monitoring } from "~/api/schemas";

// The /monitoring page's view model: fields ordered by drift, bar widths on one scale that
// always shows the threshold. Pure (the page and its unit tests import it).

export type DriftBar = {
  name: string;
  psi: number | null;
  /** Bar width as a share of the scale (0–1). */
  width: number;
  drifted: boolean;
  watched: boolean;
  missingShare: number;
  outOfRangeShare: number;
};

/** The scale's end: twice the threshold, or the largest PSI if larger (capped for outliers). */
function driftScale(features: Monitoring["features"], threshold: number): number {
  const largest = Math.max(0, ...features.map((f) => f.psi ?? 0));
  return Math.min(Math.max(2 * threshold, largest), 10 * threshold);
}

export function driftBars(m: Monitoring): { bars: DriftBar[]; scale: number } {
  const scale = driftScale(m.features, m.window.threshold);
  const bars = m.features
    .map((f) => ({
      name: f.name,
      psi: f.psi,
      width: Math.min(1, (f.psi ?? 0) / scale),
      drifted: f.drifted,
      watched: f.watched,
      missingShare: f.missing_share,
      outOfRangeShare: f.out_of_range_share,
    }))
    // Watched fields first, the largest PSI first.
    .sort((a, b) => Number(b.watched) - Number(a.watched) || (b.psi ?? -1) - (a.psi ?? -1));
  return { bars, scale };
}

/** One line on the interval's online recalibration (ADR 0050). */
export function recalibrationText(r: Monitoring["recalibration"]): string {
  if (!r.enabled) return "Interval recalibration from sale prices is off.";
  const all = r.factors.all;
  if (all) {
    return `Intervals widened × ${all.factor.toFixed(2)} from the last ${all.from_feedback} sale prices.`;
  }
  return `Intervals as calibrated: recalibration starts after ${r.min_count} sale prices (${r.scores.all ?? 0} so far).`;
}
