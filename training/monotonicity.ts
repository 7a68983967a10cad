// The monotonicity check: "more" of a constrained field, all else equal, never lowers the
// estimate. Used by the training report and the tests (every holdout home, generated homes).
import { INCREASING } from "~/ml/features";
import { FIELD_BY_NAME } from "~/ml/fields";
import type { PropertyRecord } from "~/ml/schema";

export type Change = { name: string; apply: (r: PropertyRecord) => PropertyRecord | undefined };

const scale =
  (fields: readonly string[], factor: number) =>
  (r: PropertyRecord): PropertyRecord | undefined => {
    if (r[fields[0]] === undefined) return undefined;
    const out = { ...r };
    for (const f of fields) if (out[f] !== undefined) out[f] = (out[f] as number) * factor;
    return out;
  };

const plusOne =
  (field: string) =>
  (r: PropertyRecord): PropertyRecord | undefined => {
    const v = r[field] as number | undefined;
    const max = FIELD_BY_NAME.get(field)?.max ?? Infinity;
    return v === undefined || v + 1 > max ? undefined : { ...r, [field]: v + 1 };
  };

/** One level up an ordinal scale; not from or to a "none" level (No_Basement, No_Garage …). */
const levelUp =
  (field: string) =>
  (r: PropertyRecord): PropertyRecord | undefined => {
    const levels = FIELD_BY_NAME.get(field)?.levels ?? [];
    const i = levels.indexOf(r[field] as string);
    if (i < 0 || i + 1 >= levels.length || levels[i].startsWith("No_")) return undefined;
    return { ...r, [field]: levels[i + 1] };
  };

/** The checked changes: +10% in each constrained size (living area with its floors), one more
 *  bathroom or garage space, one level up each constrained grade. */
export const MONOTONE_CHANGES: readonly Change[] = [
  { name: "living area +10%", apply: scale(["Gr_Liv_Area", "First_Flr_SF", "Second_Flr_SF"], 1.1) },
  { name: "basement area +10%", apply: scale(["Total_Bsmt_SF"], 1.1) },
  { name: "lot area +10%", apply: scale(["Lot_Area"], 1.1) },
  { name: "garage area +10%", apply: scale(["Garage_Area"], 1.1) },
  { name: "garage +1 car", apply: plusOne("Garage_Cars") },
  { name: "full bathrooms +1", apply: plusOne("Full_Bath") },
  { name: "half bathrooms +1", apply: plusOne("Half_Bath") },
  { name: "basement full bathrooms +1", apply: plusOne("Bsmt_Full_Bath") },
  { name: "basement half bathrooms +1", apply: plusOne("Bsmt_Half_Bath") },
  // Every constrained grade: the ordinal fields whose rank is an INCREASING feature.
  ...[...INCREASING]
    .filter((f) => FIELD_BY_NAME.get(f)?.ordinal)
    .map((f) => ({ name: `${f} one level up`, apply: levelUp(f) })),
];

export type MonotonicityResult = { change: string; homes: number; drops: number; maxDrop: number };

/**
 * For each change: how many of the records it applies to get a lower log price (by more than
 * `tolerance`), and the largest drop.
 */
export async function monotonicityDrops(
  predict: (records: PropertyRecord[]) => Promise<ArrayLike<number>> | ArrayLike<number>,
  records: readonly PropertyRecord[],
  tolerance = 0,
): Promise<MonotonicityResult[]> {
  const out: MonotonicityResult[] = [];
  for (const change of MONOTONE_CHANGES) {
    const pairs = records.flatMap((r) => {
      const c = change.apply(r);
      return c ? [[r, c] as const] : [];
    });
    const before = await predict(pairs.map((p) => p[0]));
    const after = await predict(pairs.map((p) => p[1]));
    let drops = 0;
    let maxDrop = 0;
    for (let i = 0; i < pairs.length; i++) {
      const d = before[i] - after[i];
      if (d > tolerance) drops++;
      maxDrop = Math.max(maxDrop, d);
    }
    out.push({ change: change.name, homes: pairs.length, drops, maxDrop });
  }
  return out;
}
