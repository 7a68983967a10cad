// Reference statistics of the fitted rows (bundle `reference`, app/ml/reference.ts): what
// out-of-range warnings and a drift monitor compare new records with.
import { FIELDS } from "~/ml/fields";
import {
  QUANTILE_LEVELS,
  histogramShares,
  type FieldReference,
  type Reference,
} from "~/ml/reference";
import type { PropertyRecord } from "~/ml/schema";

/** Quantile by linear interpolation between order statistics (type 7, as R and numpy). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

const round = (x: number) => Number(x.toPrecision(8));
const share = (x: number) => Number(x.toFixed(5));

/** Decile edges without repeats: discrete fields (counts, years) get fewer, wider bins. */
export function decileEdges(sorted: readonly number[]): number[] {
  const edges = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9].map((p) =>
    round(quantile(sorted, p)),
  );
  return [...new Set(edges)];
}

function numeric(values: number[], rows: number): FieldReference {
  const sorted = [...values].sort((a, b) => a - b);
  const edges = decileEdges(sorted);
  return {
    kind: "number",
    missing_share: share(1 - values.length / rows),
    // Min and max exact: a training value must never count as out of range.
    quantiles: QUANTILE_LEVELS.map((p) =>
      p === 0 || p === 1 ? quantile(sorted, p) : round(quantile(sorted, p)),
    ),
    histogram: { edges, shares: histogramShares(edges, sorted).map(share) },
  };
}

function category(values: string[], rows: number): FieldReference {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const shares: Record<string, number> = {};
  for (const level of [...counts.keys()].sort()) shares[level] = share(counts.get(level)! / rows);
  return { kind: "category", missing_share: share(1 - values.length / rows), shares };
}

export function referenceStats(
  records: readonly PropertyRecord[],
  years: readonly number[],
  trainPred: ArrayLike<number>,
  holdoutPred: ArrayLike<number>,
): Reference {
  const rows = records.length;
  const fields: Record<string, FieldReference> = {};
  for (const f of FIELDS) {
    const given = records.map((r) => r[f.name]).filter((v) => v !== undefined);
    fields[f.name] =
      f.kind === "category" ? category(given as string[], rows) : numeric(given as number[], rows);
  }
  const sortedPred = Array.from(trainPred).sort((a, b) => a - b);
  const edges = decileEdges(sortedPred);
  return {
    version: 1,
    rows,
    years: [...years],
    fields,
    prediction: {
      edges,
      train: histogramShares(edges, trainPred).map(share),
      holdout: histogramShares(edges, holdoutPred).map(share),
      quantiles: QUANTILE_LEVELS.map((p) => round(quantile(sortedPred, p))),
    },
  };
}
