// What a prediction's trust fields say, in the words the estimate page uses: warnings next to
// the price, why the interval is wider, which calibration it used, and the comparable sales.
// Pure and browser-safe.
import { MONTHS } from "~/components/form-fields";
import type { Prediction } from "~/api/schemas";
import { FIELD_BY_NAME } from "~/ml/fields";
import { levelLabel } from "~/ml/level-labels";

export type WarningView = { field: string; label: string; code: string; message: string };

export type ComparableView = {
  salePrice: number;
  adjustedPrice: number;
  /** "June 2009". */
  sold: string;
  neighbourhood: string;
  livingArea: number;
  yearBuilt: number;
  beds: number;
  /** Full + half/2: "1.5". */
  baths: string;
  distanceKm: number;
};

const WIDENED_TEXT: Record<string, string> = {
  few_similar_homes: "few sales in the training data are like this home",
  out_of_range: "a value you gave is outside the training data",
  extrapolation: "the estimate extrapolates beyond the prices the model learned from",
};

const GIVEN_TEXT: Record<string, string> = {
  full: "almost every detail given",
  most: "most details given",
  some: "some optional details given",
  required: "only the main details given",
};

export function warningViews(prediction: Pick<Prediction, "warnings">): WarningView[] {
  return (prediction.warnings ?? []).map((w) => ({
    field: w.field,
    label: FIELD_BY_NAME.get(w.field)?.label ?? "This home",
    code: w.code,
    message: w.message,
  }));
}

/** Why the interval is wider than usual, as clauses ("few sales … like this home"). */
export function widenedReasons(prediction: Pick<Prediction, "interval">): string[] {
  return (prediction.interval.widened ?? []).map((r) => WIDENED_TEXT[r] ?? r.replace(/_/g, " "));
}

/** The calibration the interval used, in words: "estimates with only the main details given". */
export function calibrationText(prediction: Pick<Prediction, "interval">): string | undefined {
  const given = prediction.interval.group?.split("/")[0];
  const text = given ? GIVEN_TEXT[given] : undefined;
  const recal = prediction.interval.recalibrated;
  // Online recalibration (ADR 0050): one short clause, the factor and how many sales it saw.
  const widened = recal
    ? `, widened × ${recal.factor.toFixed(2)} by the last ${recal.from_feedback} reported sale prices`
    : "";
  return text && `past estimates with ${text}${widened}`;
}

export function comparableViews(prediction: Pick<Prediction, "comparables">): ComparableView[] {
  return (prediction.comparables ?? []).map((c) => ({
    salePrice: c.sale_price,
    adjustedPrice: c.adjusted_price,
    sold: `${MONTHS[c.mo_sold - 1] ?? c.mo_sold} ${c.year_sold}`,
    neighbourhood: levelLabel("Neighborhood", c.neighborhood),
    livingArea: c.gr_liv_area,
    yearBuilt: c.year_built,
    beds: c.bedrooms,
    baths: String(c.full_bath + c.half_bath / 2),
    distanceKm: c.distance_km,
  }));
}
