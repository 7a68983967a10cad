// A prediction + the model's manifest → everything the estimate result shows. Pure and
// browser-safe; the route loader builds it on the server and sends only this to the page.
import type { BundleManifest } from "~/ml/bundle";
import { FIELD_BY_NAME } from "~/ml/fields";
import type { Prediction } from "~/api/schemas";
import {
  basePrice,
  describeFactors,
  factorBars,
  type FactorBar,
} from "~/components/charts/factors";
import { humanizeLevel, yearsLabel } from "~/components/format";
import {
  calibrationText,
  comparableViews,
  widenedReasons,
  warningViews,
  type ComparableView,
  type WarningView,
} from "./trust-view";

export type EstimateView = {
  price: number;
  lower: number;
  upper: number;
  level: number;
  basePrice: number | undefined;
  /** Factors from the details the user gave. */
  bars: FactorBar[];
  /** Factors from details filled in with typical values (not given). */
  imputedBars: FactorBar[];
  /** Their combined effect in log-price units. */
  imputedLog: number;
  factorSummary: string;
  warnings: WarningView[];
  /** Why the interval is wider than usual (empty: it is not). */
  widened: string[];
  /** Which past estimates calibrated the interval, in words. */
  calibration: string | undefined;
  comparables: ComparableView[];
  /** Labels of the fields the model filled in. */
  imputed: string[];
  neighbourhood:
    | {
        name: string;
        typical: number;
        sales: number | undefined;
        cityWide: boolean;
        relative: number;
      }
    | undefined;
  modelVersion: string;
  /** The sale years the model was trained on, e.g. "2006–2008". */
  trainYears: string;
  /** Share of holdout (unseen, latest years) prices inside their interval, and those years. */
  holdoutCoverage: number;
  holdoutYears: string;
};

export function buildEstimateView(
  manifest: Pick<BundleManifest, "feature_state" | "data" | "version" | "metrics">,
  record: Record<string, unknown>,
  prediction: Prediction,
  maxBars = 8,
): EstimateView {
  const contributions = prediction.contributions ?? [];
  const bars = factorBars(
    contributions.filter((c) => !c.imputed),
    maxBars,
  );
  const filledIn = contributions.filter((c) => c.imputed);
  const imputedBars = factorBars(filledIn, Math.min(maxBars, 5));
  const nb = typeof record.Neighborhood === "string" ? record.Neighborhood : undefined;
  const typical = nb ? neighbourhoodTypical(manifest, nb) : undefined;
  return {
    price: prediction.price,
    lower: prediction.interval.lower,
    upper: prediction.interval.upper,
    level: prediction.interval.level,
    basePrice:
      prediction.base_price ??
      (prediction.base_value === undefined ? undefined : basePrice(prediction.base_value)),
    bars,
    imputedBars,
    imputedLog: filledIn.reduce((sum, c) => sum + c.value, 0),
    factorSummary: describeFactors(bars),
    warnings: warningViews(prediction),
    widened: widenedReasons(prediction),
    calibration: calibrationText(prediction),
    comparables: comparableViews(prediction),
    imputed: prediction.imputed.map((name) => FIELD_BY_NAME.get(name)?.label ?? name),
    neighbourhood: typical && {
      name: humanizeLevel(typical.neighbourhood),
      typical: typical.price,
      sales: typical.sales,
      cityWide: typical.cityWide,
      relative: relativeTo(prediction.price, typical.price),
    },
    modelVersion: manifest.version,
    trainYears: yearsLabel(manifest.data.split.train.years),
    holdoutCoverage: manifest.metrics.holdout.coverage,
    holdoutYears: yearsLabel(manifest.data.split.holdout.years),
  };
}

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
