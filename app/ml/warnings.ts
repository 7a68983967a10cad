// Per-record warnings: values outside what the model learned from, combinations that are
// impossible or suspicious, and homes with few similar training sales. The schema rejects only
// impossible values; these say "the estimate is less sure here" and travel with the
// prediction. Only the fields the user gave are checked (imputed values come from the training
// data). Pure.
import { FIELD_BY_NAME } from "./fields";
import type { Reference } from "./reference";
import type { PropertyRecord } from "./schema";

/** Every warning code, in the order they are checked (the API schema's enum). */
export const WARNING_CODES = [
  "above_training_range",
  "below_training_range",
  "level_not_in_training",
  "first_floor_exceeds_living_area",
  "floors_exceed_living_area",
  "basement_parts_exceed_total",
  "built_after_sale",
  "remodelled_before_built",
  "remodelled_after_sale",
  "garage_cars_and_area_disagree",
  "few_similar_homes",
] as const;

export type WarningCode = (typeof WARNING_CODES)[number];

/** What each code means, for the model description (GET /api/v1/model) and the docs. */
export const WARNING_MEANINGS: Record<WarningCode, string> = {
  above_training_range: "A given number is above the largest in the training sales.",
  below_training_range: "A given number is below the smallest in the training sales.",
  level_not_in_training: "A given category level did not occur in the training sales.",
  first_floor_exceeds_living_area: "The first floor is larger than the above-ground living area.",
  floors_exceed_living_area:
    "The first and second floors together are larger than the above-ground living area.",
  basement_parts_exceed_total:
    "The unfinished and finished basement parts add up to more than the basement area.",
  built_after_sale: "The year built is after the year sold.",
  remodelled_before_built: "The remodelling year is before the year built.",
  remodelled_after_sale: "The remodelling year is after the year sold.",
  garage_cars_and_area_disagree: "Garage cars and garage area disagree (one is 0, the other not).",
  few_similar_homes:
    "Few training sales are like this home (location, size, age, rooms, sale date).",
};

/** `field` names the input field, or is "record" for the record as a whole. */
export type RecordWarning = { field: string; code: WarningCode; message: string };

/**
 * The sale date is not range-checked: the model exists to price sales after the ones it learned
 * from. Every other given number and level is.
 */
const NOT_RANGE_CHECKED = new Set(["Year_Sold", "Mo_Sold"]);

const fmt = (x: number) => (Number.isInteger(x) ? x.toLocaleString("en-US") : String(x));
/** Years read as years ("1800"), other whole numbers with separators ("20,000"). */
const fmtField = (field: string, x: number) => (field.startsWith("Year_") ? String(x) : fmt(x));

function label(field: string): string {
  return FIELD_BY_NAME.get(field)?.label ?? field;
}

/**
 * A reference's ranges, compiled once: per number field its training min and max, per category
 * field the levels the schema allows but the training sales never had (fields without such
 * levels need no check at all; a given level is always one the schema allows).
 */
type RangeCheck = { min: number; max: number; unseen?: undefined } | { unseen: string[] };
type RangeChecks = {
  byField: Map<string, RangeCheck>;
  /** Whether any given field is out of range: the common "no" without building anything. */
  any: (given: PropertyRecord) => boolean;
};
const compiled = new WeakMap<Reference, RangeChecks>();

/**
 * `any` is generated once per reference, one line per checked field that reads it by its
 * literal name (names as JSON string literals): a for-in over the given fields with a Map
 * lookup each cost ~3x as much, on every row (ADR 0046). It answers exactly when
 * rangeWarnings would warn, which then builds the warnings in the record's field order.
 */
function compileAny(byField: Map<string, RangeCheck>): (given: PropertyRecord) => boolean {
  const checks: RangeCheck[] = [];
  const lines = [...byField].map(([field, check]) => {
    const k = checks.push(check) - 1;
    const test = check.unseen ? `c[${k}].unseen.includes(v)` : `v > c[${k}].max || v < c[${k}].min`;
    return `v = given[${JSON.stringify(field)}]; if (v !== undefined && (${test})) return true;`;
  });
  const source = [
    '"use strict";',
    "return function any(given) {",
    "let v;",
    ...lines,
    "return false;",
    "};",
  ];
  const make = new Function("c", source.join("\n")) as (c: RangeCheck[]) => RangeChecks["any"];
  return make(checks);
}

function rangeChecks(ref: Reference): RangeChecks {
  let hit = compiled.get(ref);
  if (hit) return hit;
  const checks = new Map<string, RangeCheck>();
  for (const [field, r] of Object.entries(ref.fields)) {
    if (NOT_RANGE_CHECKED.has(field)) continue;
    if (r.kind === "category") {
      const allowed = FIELD_BY_NAME.get(field)?.levels ?? Object.keys(r.shares);
      const unseen = allowed.filter((level) => !(r.shares[level] > 0));
      if (unseen.length > 0) checks.set(field, { unseen });
    } else {
      checks.set(field, { min: r.quantiles[0], max: r.quantiles[r.quantiles.length - 1] });
    }
  }
  hit = { byField: checks, any: compileAny(checks) };
  compiled.set(ref, hit);
  return hit;
}

function rangeWarnings(given: PropertyRecord, ref: Reference): RecordWarning[] {
  const out: RecordWarning[] = [];
  const { byField: checks, any } = rangeChecks(ref);
  // Every record is checked (the hot path), most find nothing; the warnings themselves are
  // built in the order the fields were given, only for the rare record that has one.
  if (!any(given)) return out;
  for (const field in given) {
    const value = given[field];
    const check = checks.get(field);
    if (value === undefined || !check) continue;
    if (check.unseen) {
      if (check.unseen.includes(value as string)) {
        out.push({
          field,
          code: "level_not_in_training",
          message: `${label(field)} "${value}" did not occur in the ${ref.rows.toLocaleString("en-US")} training sales; the model treats it like an average level.`,
        });
      }
      continue;
    }
    const v = value as number;
    const { min, max } = check;
    if (v > max) {
      out.push({
        field,
        code: "above_training_range",
        message: `${label(field)} ${fmtField(field, v)} is above the largest in the training sales (${fmtField(field, max)}); the estimate extrapolates and is less certain.`,
      });
    } else if (v < min) {
      out.push({
        field,
        code: "below_training_range",
        message: `${label(field)} ${fmtField(field, v)} is below the smallest in the training sales (${fmtField(field, min)}); the estimate extrapolates and is less certain.`,
      });
    }
  }
  return out;
}

/** Appends the combination warnings of `g` to `out`. */
function combinationWarnings(g: PropertyRecord, out: RecordWarning[]): void {
  const liv = g.Gr_Liv_Area as number | undefined;
  const first = g.First_Flr_SF as number | undefined;
  const second = g.Second_Flr_SF as number | undefined;
  if (liv !== undefined && first !== undefined && first > liv) {
    out.push({
      field: "First_Flr_SF",
      code: "first_floor_exceeds_living_area",
      message: `The first floor (${fmt(first)} sq ft) is larger than the whole above-ground living area (${fmt(liv)} sq ft).`,
    });
  } else if (
    liv !== undefined &&
    first !== undefined &&
    second !== undefined &&
    first + second > liv
  ) {
    out.push({
      field: "Second_Flr_SF",
      code: "floors_exceed_living_area",
      message: `The first and second floors (${fmt(first + second)} sq ft together) are larger than the above-ground living area (${fmt(liv)} sq ft).`,
    });
  }
  const bsmt = g.Total_Bsmt_SF as number | undefined;
  const unf = g.Bsmt_Unf_SF as number | undefined;
  const fin2 = g.BsmtFin_SF_2 as number | undefined;
  if (bsmt !== undefined && (unf ?? 0) + (fin2 ?? 0) > bsmt) {
    out.push({
      field: unf !== undefined && unf > bsmt ? "Bsmt_Unf_SF" : "BsmtFin_SF_2",
      code: "basement_parts_exceed_total",
      message: `The unfinished and finished basement parts add up to more than the basement area (${fmt(bsmt)} sq ft).`,
    });
  }
  const built = g.Year_Built as number | undefined;
  const remod = g.Year_Remod_Add as number | undefined;
  const sold = g.Year_Sold as number | undefined;
  if (built !== undefined && sold !== undefined && built > sold) {
    out.push({
      field: "Year_Built",
      code: "built_after_sale",
      message: `The home is built in ${built}, after its sale in ${sold} (a sale before completion?).`,
    });
  }
  if (built !== undefined && remod !== undefined && remod < built) {
    out.push({
      field: "Year_Remod_Add",
      code: "remodelled_before_built",
      message: `The remodelling year ${remod} is before the year built ${built}.`,
    });
  }
  if (remod !== undefined && sold !== undefined && remod > sold) {
    out.push({
      field: "Year_Remod_Add",
      code: "remodelled_after_sale",
      message: `The remodelling year ${remod} is after the sale in ${sold}.`,
    });
  }
  const cars = g.Garage_Cars as number | undefined;
  const area = g.Garage_Area as number | undefined;
  if (cars !== undefined && area !== undefined && (cars === 0) !== (area === 0)) {
    out.push({
      field: "Garage_Area",
      code: "garage_cars_and_area_disagree",
      message:
        cars === 0
          ? `A garage area of ${fmt(area)} sq ft is given for a garage of 0 cars.`
          : `A garage for ${cars} car${cars === 1 ? "" : "s"} is given with an area of 0 sq ft.`,
    });
  }
}

/**
 * The warnings of one validated record (`given`: only the fields the user supplied). With
 * `similarity` (comparables.similarityDistance) above `sparseAbove`, or `fewSimilar` (that
 * comparison made by the caller), the home also gets `few_similar_homes`.
 */
export function recordWarnings(
  given: PropertyRecord,
  reference: Reference,
  similarity?: { distance: number; sparseAbove: number } | { fewSimilar: boolean },
): RecordWarning[] {
  const out = rangeWarnings(given, reference);
  combinationWarnings(given, out);
  const few =
    similarity !== undefined &&
    ("fewSimilar" in similarity
      ? similarity.fewSimilar
      : similarity.distance > similarity.sparseAbove);
  if (few) {
    out.push({
      field: "record",
      code: "few_similar_homes",
      message:
        "Few sales in the training data are like this home (location, size, age, rooms); the estimate is less certain.",
    });
  }
  return out;
}

/** True when a warning says the record lies outside the training data (widens the interval). */
export function isOutOfRange(w: RecordWarning): boolean {
  return (
    w.code === "above_training_range" ||
    w.code === "below_training_range" ||
    w.code === "level_not_in_training"
  );
}
