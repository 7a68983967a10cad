// Fit the feature state on the training split only, and featurize the training rows with
// out-of-fold target encodings (each fold encoded by encoders fitted on the other folds).
import { FIELDS } from "~/ml/fields";
import { median } from "~/ml/metrics";
import {
  FREQUENCY_ENCODED,
  TARGET_ENCODED,
  TOTAL_SF,
  featurize,
  type EncoderTarget,
  type FeatureMatrix,
  type FeatureState,
} from "~/ml/features";
import { assignFolds, fitFrequencyEncoder, fitTargetEncoder } from "~/ml/encoders";
import type { PropertyRecord } from "~/ml/schema";

export const TARGET_SMOOTHING = 20;
export const OOF_FOLDS = 5;
export const OOF_SEED = 20240611;

function mode(xs: string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  // Ties → alphabetical, so the state does not depend on row order.
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
}

function encoderTarget(
  records: readonly PropertyRecord[],
  logPrices: number[],
  t: EncoderTarget,
): number[] {
  return t === "log_price"
    ? logPrices
    : logPrices.map(
        (y, i) => y - Math.log(Math.max(1, TOTAL_SF(records[i] as Record<string, number>))),
      );
}

function fitEncoders(records: readonly PropertyRecord[], logPrices: number[]) {
  const target: FeatureState["target"] = {};
  for (const { feature, field, target: t } of TARGET_ENCODED) {
    const levels = records.map((r) => r[field] as string);
    target[feature] = fitTargetEncoder(
      levels,
      encoderTarget(records, logPrices, t),
      TARGET_SMOOTHING,
    );
  }
  const frequency: FeatureState["frequency"] = {};
  for (const { feature, field } of FREQUENCY_ENCODED) {
    frequency[feature] = fitFrequencyEncoder(records.map((r) => r[field] as string));
  }
  return { target, frequency, nearby: fitNearby(records, logPrices) };
}

export const NEARBY_K = 12;

const round = (x: number, d: number) => Number(x.toFixed(d));

function fitNearby(
  records: readonly PropertyRecord[],
  logPrices: number[],
): FeatureState["nearby"] {
  const ppsf = encoderTarget(records, logPrices, "log_price_per_sf");
  return {
    k: NEARBY_K,
    lon: records.map((r) => r.Longitude as number),
    lat: records.map((r) => r.Latitude as number),
    value: ppsf.map((v) => round(v, 5)),
  };
}

/** Feature state fitted on complete training records (the data set has no missing values). */
export function fitFeatureState(
  records: readonly PropertyRecord[],
  logPrices: number[],
  features: readonly string[],
): FeatureState {
  const values: Record<string, number | string> = {};
  for (const f of FIELDS) {
    const col = records.map((r) => r[f.name]).filter((v) => v !== undefined);
    values[f.name] = f.kind === "category" ? mode(col as string[]) : median(col as number[]);
  }
  const byNb = new Map<string, { lon: number[]; lat: number[] }>();
  for (const r of records) {
    const g = byNb.get(r.Neighborhood as string) ?? { lon: [], lat: [] };
    g.lon.push(r.Longitude as number);
    g.lat.push(r.Latitude as number);
    byNb.set(r.Neighborhood as string, g);
  }
  const geo: Record<string, [number, number]> = {};
  for (const nb of [...byNb.keys()].sort()) {
    const g = byNb.get(nb)!;
    geo[nb] = [median(g.lon), median(g.lat)];
  }
  const perCar = records
    .filter((r) => (r.Garage_Cars as number) > 0)
    .map((r) => (r.Garage_Area as number) / (r.Garage_Cars as number));
  return {
    features: [...features],
    impute: { values, geo, garage_area_per_car: median(perCar) },
    ...fitEncoders(records, logPrices),
  };
}

/**
 * Training matrix with out-of-fold target encodings: rows of fold k are featurized with a state
 * whose target encoders were fitted on the other folds (everything else is the full state).
 */
export function featurizeTrainOOF(
  records: readonly PropertyRecord[],
  logPrices: number[],
  state: FeatureState,
  folds = OOF_FOLDS,
  seed = OOF_SEED,
): FeatureMatrix {
  const assignment = assignFolds(records.length, folds, seed);
  const nFeatures = state.features.length;
  const matrix = new Float32Array(records.length * nFeatures);
  const imputed: string[][] = new Array(records.length);
  for (let k = 0; k < folds; k++) {
    const inFold: number[] = [];
    const outFold: number[] = [];
    assignment.forEach((f, i) => (f === k ? inFold : outFold).push(i));
    const rest = outFold.map((i) => records[i]);
    const fitted = fitEncoders(
      rest,
      outFold.map((i) => logPrices[i]),
    );
    // Both target-derived encodings are out-of-fold: a training row's neighbours must not
    // include the row itself (its own price would otherwise leak into its feature).
    const foldState: FeatureState = {
      ...state,
      target: fitted.target,
      nearby: fitted.nearby,
    };
    const fm = featurize(
      inFold.map((i) => records[i]),
      foldState,
    );
    inFold.forEach((row, j) => {
      matrix.set(fm.matrix.subarray(j * nFeatures, (j + 1) * nFeatures), row * nFeatures);
      imputed[row] = fm.imputed[j];
    });
  }
  return { matrix, nRows: records.length, nFeatures, imputed };
}
