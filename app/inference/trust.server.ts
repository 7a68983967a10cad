import type {
  Contribution,
  PredictionComparable,
  PredictionInterval,
  PredictionWarning,
} from "~/api/schemas";
import { calibratedInterval } from "~/ml/calibration";
import {
  comparableSubject,
  fewerSimilarThan,
  findComparables,
  similarityDistance,
  type Comparable,
} from "~/ml/comparables";
import { basePrice, groupContributionsBySource } from "~/ml/contributions";
import { explainRow } from "~/ml/explain";
import { featureFactor, featureSources } from "~/ml/features";
import { cents, priceInterval } from "~/ml/interval";
import { linearExtrapolation } from "~/ml/linear";
import type { Reference } from "~/ml/reference";
import type { PropertyRecord } from "~/ml/schema";
import { isOutOfRange, recordWarnings } from "~/ml/warnings";
import type { LoadedModel } from "./model.server";
import { recalibrateInterval } from "./monitor/recalibrate.server";

// What makes an estimate trustworthy, per row, from the bundle's trust data (ADR 0023): the
// interval of its calibration group (by what was given and the sale condition), widened for
// homes unlike the training sales, out of range or extrapolating; its own warnings; the
// comparable sales on request; and explanations that say which factors were filled in. The same
// calls, in the same order, as training's evaluation (training/calibrate.ts rowContexts), so the
// API's coverage is the model card's.

/** Log-price values (base value, contributions): 6 decimals, far below what they can show. */
const micro = (x: number): number => Math.round(x * 1e6) / 1e6;

const NO_REFERENCE: Reference = {
  version: 1,
  rows: 0,
  years: [],
  fields: {},
  prediction: { edges: [], train: [], holdout: [], quantiles: [] },
};

function toComparable(c: Comparable): PredictionComparable {
  return {
    sale_price: cents(c.sale_price),
    adjusted_price: cents(c.adjusted_price),
    year_sold: c.year_sold,
    mo_sold: c.mo_sold,
    neighborhood: c.neighborhood,
    gr_liv_area: c.gr_liv_area,
    year_built: c.year_built,
    bedrooms: c.bedrooms,
    full_bath: c.full_bath,
    half_bath: c.half_bath,
    distance_km: c.distance_km,
  };
}

export type RowTrust = {
  interval: PredictionInterval;
  warnings: PredictionWarning[];
  comparables?: PredictionComparable[];
};

/**
 * The interval, warnings and (with `withComparables`) comparable sales of one validated record
 * (`record`: the fields as given) with its imputed fields, log-price prediction and feature row
 * (`matrix` from `offset`).
 */
export function rowTrust(
  model: LoadedModel,
  record: PropertyRecord,
  imputed: readonly string[],
  logPred: number,
  matrix: Float32Array,
  offset: number,
  withComparables: boolean,
): RowTrust {
  const m = model.manifest;
  const reference = m.reference ?? NO_REFERENCE;
  const calib = m.calibration;
  const index = m.comparables;

  // "Few similar homes" (wider interval, a warning): the mean score of the 5 most similar
  // training sales above the calibration's threshold. Without comparables asked for, the search
  // stops as soon as 5 sales close enough are found.
  let fewSimilar: boolean | undefined;
  let comparables: PredictionComparable[] | undefined;
  if (index && calib) {
    const subject = comparableSubject(record, model.featureState);
    if (withComparables) {
      const found = findComparables(index, subject, logPred);
      fewSimilar = similarityDistance(found) > calib.sparse_above;
      comparables = found.map(toComparable);
    } else {
      fewSimilar = fewerSimilarThan(index, subject, calib.sparse_above);
    }
  } else if (withComparables) {
    comparables = index
      ? findComparables(index, comparableSubject(record, model.featureState), logPred).map(
          toComparable,
        )
      : [];
  }

  const warnings = recordWarnings(
    record,
    reference,
    fewSimilar === undefined ? undefined : { fewSimilar },
  );

  let interval: PredictionInterval;
  if (calib) {
    const iv = calibratedInterval(logPred, calib, {
      imputed,
      saleCondition: record.Sale_Condition as string | undefined,
      fewSimilar,
      outOfRange: warnings.some(isOutOfRange),
      extrapolation: m.explain.linear ? linearExtrapolation(m.explain.linear, matrix, offset) : 0,
    });
    interval = {
      lower: cents(iv.lower),
      upper: cents(iv.upper),
      level: iv.level,
      group: iv.group,
      widened: iv.widened,
    };
    // Widened by recent sale prices when feedback says the calibration no longer holds.
    interval = recalibrateInterval(interval, iv.half_width, logPred);
  } else {
    // A bundle without calibration: its one half-width for every row.
    const iv = priceInterval(logPred, m.interval.q, m.interval.level);
    interval = {
      lower: cents(iv.lower),
      upper: cents(iv.upper),
      level: iv.level,
      group: "all",
      widened: [],
    };
  }
  return comparables ? { interval, warnings, comparables } : { interval, warnings };
}

export type RowExplanation = {
  base_value: number;
  base_price: number;
  contributions: Contribution[];
};

/** TreeSHAP (+ the linear part) of one feature row, by factor and by given vs filled in. */
export function explainPrediction(
  model: LoadedModel,
  x: Float32Array,
  imputed: readonly string[],
): RowExplanation {
  const m = model.manifest;
  const row = explainRow(model.explain, m.explain.base_score, x, model.nFeatures);
  const contributions = groupContributionsBySource(
    row.contributions,
    m.features,
    featureFactor,
    featureSources,
    imputed,
  );
  for (const c of contributions) c.value = micro(c.value);
  return {
    base_value: micro(row.base),
    base_price: cents(basePrice(row.base)),
    contributions,
  };
}
