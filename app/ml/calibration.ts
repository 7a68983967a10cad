// Prediction intervals that hold for the inputs people give: split-conformal quantiles of
// out-of-sample (backtest) log-price residuals, one per group of records, chosen per row by how
// much optional information was given and what is known about the sale; widened for homes
// unlike the training sales and for estimates that extrapolate beyond them (ADR 0026). Pure.
import { OPTIONAL_FIELDS } from "./fields";

/** How much of the optional information a record gave (by importance-weighted share missing). */
export type GivenLevel = "full" | "most" | "some" | "required";
/** The sale condition, when given: Normal/Partial ("typical") or not; "unknown" when imputed. */
export type SaleKnowledge = "typical" | "atypical" | "unknown";

export type CalibrationCell = {
  given: GivenLevel;
  /** "any": every row of the given level (the fallback when a sale cell is too small). */
  sale: SaleKnowledge | "any";
  /** Calibration residuals in the cell, and their split-conformal quantile (log space). */
  n: number;
  q: number;
};

export type Calibration = {
  level: number;
  /** Share of the optional information per optional field (sums to 1 over OPTIONAL_FIELDS). */
  field_weights: Record<string, number>;
  /** Upper bounds of the share missing for "full", "most" and "some"; above: "required". */
  given_bounds: { full: number; most: number; some: number };
  cells: CalibrationCell[];
  /** Homes with comparables.similarityDistance above this have few similar training sales. */
  sparse_above: number;
  /** Half-width multiplier for those, and for homes with a field outside the training data. */
  sparse_factor: number;
};

/** The importance-weighted share of the optional information that was imputed (0 … 1). */
export function missingShare(imputed: readonly string[], calib: Calibration): number {
  let m = 0;
  for (const f of imputed) m += calib.field_weights[f] ?? 0;
  return Math.min(1, Math.max(0, m));
}

export function givenLevel(imputed: readonly string[], calib: Calibration): GivenLevel {
  // Nothing optional given at all is "required" whatever the weights say.
  if (imputed.length >= OPTIONAL_FIELDS.length) return "required";
  const m = missingShare(imputed, calib);
  const b = calib.given_bounds;
  return m <= b.full ? "full" : m <= b.most ? "most" : m <= b.some ? "some" : "required";
}

/** `saleCondition`: the value as given, undefined when the field was imputed. */
export function saleKnowledge(saleCondition: string | undefined): SaleKnowledge {
  if (saleCondition === undefined) return "unknown";
  return saleCondition === "Normal" || saleCondition === "Partial" ? "typical" : "atypical";
}

export type IntervalContext = {
  /** The fields that were imputed (featurize's `imputed` for the row). */
  imputed: readonly string[];
  /** Sale_Condition as given; undefined when imputed. */
  saleCondition?: string;
  /** comparables.similarityDistance of the home (undefined: not measured). */
  similarity?: number;
  /** Instead of `similarity`: whether it is above the calibration's sparse_above. */
  fewSimilar?: boolean;
  /** A given field lies outside the training data (warnings.isOutOfRange). */
  outOfRange?: boolean;
  /** Log-price change the linear part makes beyond the training range (linearExtrapolation). */
  extrapolation?: number;
};

/** Why an interval can be wider than its group's (CalibratedInterval.widened). */
export const WIDENED_REASONS = ["few_similar_homes", "out_of_range", "extrapolation"] as const;
export type WidenedReason = (typeof WIDENED_REASONS)[number];

export type CalibratedInterval = {
  lower: number;
  upper: number;
  level: number;
  /** Half-width in log space: the cell's q, × sparse_factor if widened, + |extrapolation|. */
  half_width: number;
  /** The calibration used, e.g. "full/typical", "required/unknown". */
  group: string;
  /** Why the interval is wider than its group's. */
  widened: WidenedReason[];
};

// A plain loop, no closure per call: this runs for every row (ADR 0046).
function findCell(
  calib: Calibration,
  given: GivenLevel,
  sale: CalibrationCell["sale"],
): CalibrationCell | undefined {
  for (const c of calib.cells) if (c.given === given && c.sale === sale) return c;
  return undefined;
}

/** The cell of a row: (given, sale), else (given, any), else (required, any). */
export function calibrationCell(
  calib: Calibration,
  given: GivenLevel,
  sale: SaleKnowledge,
): CalibrationCell {
  const cell =
    findCell(calib, given, sale) ??
    findCell(calib, given, "any") ??
    findCell(calib, "required", "any");
  if (!cell) throw new Error("calibration has no required/any cell");
  return cell;
}

/** The row's interval around exp(logPred), and which calibration it used. */
export function calibratedInterval(
  logPred: number,
  calib: Calibration,
  ctx: IntervalContext,
): CalibratedInterval {
  const given = givenLevel(ctx.imputed, calib);
  const sale = saleKnowledge(ctx.saleCondition);
  const cell = calibrationCell(calib, given, sale);
  const widened: CalibratedInterval["widened"] = [];
  let half = cell.q;
  const sparse =
    ctx.fewSimilar ?? (ctx.similarity !== undefined && ctx.similarity > calib.sparse_above);
  if (sparse) widened.push("few_similar_homes");
  if (ctx.outOfRange) widened.push("out_of_range");
  if (sparse || ctx.outOfRange) half *= calib.sparse_factor;
  const extra = Math.abs(ctx.extrapolation ?? 0);
  if (extra > 0) {
    half += extra;
    widened.push("extrapolation");
  }
  return {
    lower: Math.exp(logPred - half),
    upper: Math.exp(logPred + half),
    level: calib.level,
    half_width: half,
    group: `${cell.given}/${cell.sale}`,
    widened,
  };
}
