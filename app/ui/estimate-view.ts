// A prediction + the model's manifest → everything the estimate result shows. Pure and
// browser-safe; the route loader builds it on the server and sends only this to the page.
import type { BundleManifest } from "~/ml/bundle";
import { FIELD_BY_NAME } from "~/ml/fields";
import {
  basePrice,
  describeFactors,
  factorBars,
  type Contribution,
  type FactorBar,
} from "./factors";
import { humanizeLevel } from "./format";
import { neighbourhoodTypical, relativeTo, yearsLabel } from "./model-view";

/** The parts of a prediction the page uses (structurally the inference module's Prediction). */
export type PredictionLike = {
  price: number;
  interval: { lower: number; upper: number; level: number };
  imputed: string[];
  base_value?: number;
  contributions?: Contribution[];
};

export type EstimateView = {
  price: number;
  lower: number;
  upper: number;
  level: number;
  basePrice: number | undefined;
  bars: FactorBar[];
  factorSummary: string;
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
  prediction: PredictionLike,
  maxBars = 8,
): EstimateView {
  const bars = factorBars(prediction.contributions ?? [], maxBars);
  const nb = typeof record.Neighborhood === "string" ? record.Neighborhood : undefined;
  const typical = nb ? neighbourhoodTypical(manifest, nb) : undefined;
  return {
    price: prediction.price,
    lower: prediction.interval.lower,
    upper: prediction.interval.upper,
    level: prediction.interval.level,
    basePrice: prediction.base_value === undefined ? undefined : basePrice(prediction.base_value),
    bars,
    factorSummary: describeFactors(bars),
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
