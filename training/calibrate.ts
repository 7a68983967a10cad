// Conditional conformal calibration (app/ml/calibration.ts) from the backtest's out-of-sample
// predictions, never from the holdout: each test-year home is scored as given, with the required
// fields only and with random subsets of its optional fields, by its fold's model, with what
// serving would know (imputed fields, sale condition, similar sales, ranges).
import {
  calibrationCell,
  givenLevel,
  saleKnowledge,
  type Calibration,
  type CalibrationCell,
  type GivenLevel,
  type IntervalContext,
  type SaleKnowledge,
} from "~/ml/calibration";
import {
  comparableSubject,
  findComparables,
  similarityDistance,
  type ComparablesIndex,
} from "~/ml/comparables";
import { mulberry32 } from "~/ml/encoders";
import { prepareTrees, type PreparedEnsemble } from "~/ml/explain";
import type { FeatureMatrix } from "~/ml/features";
import { OPTIONAL_FIELDS } from "~/ml/fields";
import { conformalQuantile } from "~/ml/interval";
import { linearExtrapolation } from "~/ml/linear";
import type { Reference } from "~/ml/reference";
import type { PropertyRecord } from "~/ml/schema";
import { isOutOfRange, recordWarnings } from "~/ml/warnings";
import { requiredOnly, type CandidateResult } from "./backtest";
import { buildComparablesIndex } from "./comparables-index";
import { scoreRecords, type FittedModel } from "./fit-model";
import { quantile, referenceStats } from "./reference-stats";

/** A fitted model as serving sees it: its trees, comparables index and training reference. */
export type ModelView = {
  model: FittedModel;
  ens: PreparedEnsemble;
  nTrees: number;
  comparables: ComparablesIndex;
  reference: Reference;
};

export type RowContext = IntervalContext & {
  similarity: number;
  outOfRange: boolean;
  extrapolation: number;
};

/** What serving knows about each record (as given) besides its prediction. */
export function rowContexts(
  view: Pick<ModelView, "model" | "comparables" | "reference">,
  records: readonly PropertyRecord[],
  fm: FeatureMatrix,
): RowContext[] {
  const { state, linear } = view.model;
  return records.map((record, i) => {
    const x = fm.matrix.subarray(i * fm.nFeatures, (i + 1) * fm.nFeatures);
    const comps = findComparables(view.comparables, comparableSubject(record, state), 0);
    return {
      imputed: fm.imputed[i],
      saleCondition: record.Sale_Condition as string | undefined,
      similarity: similarityDistance(comps),
      outOfRange: recordWarnings(record, view.reference).some(isOutOfRange),
      extrapolation: linear ? linearExtrapolation(linear, x) : 0,
    };
  });
}

/** Predictions (TypeScript reference) and interval contexts of records under a model view. */
export function scoreWithContext(
  view: ModelView,
  records: readonly PropertyRecord[],
): { logPred: Float64Array; contexts: RowContext[] } {
  const { logPred, features } = scoreRecords(view.model, records, view.nTrees, view.ens);
  return { logPred, contexts: rowContexts(view, records, features) };
}

/** A fold's model view: comparables and reference from its own fitted rows. */
export function foldView(
  model: FittedModel,
  fit: { years: readonly number[]; records: PropertyRecord[]; prices: number[] },
  nTrees: number,
): ModelView {
  const ens = prepareTrees(model.trees.trees);
  const fitted = scoreRecords(model, fit.records, nTrees, ens).logPred;
  return {
    model,
    ens,
    nTrees,
    comparables: buildComparablesIndex(fit.records, fit.prices, fitted),
    reference: referenceStats(fit.records, fit.years, fitted, []),
  };
}

export const INTERVAL_LEVEL = 0.9;
/** Random subsets of the optional fields scored per test home (besides full and required). */
export const PARTIAL_VARIANTS = 3;
/**
 * Homes less similar to the fitted sales than this share of the backtest's test homes have "few
 * similar sales": 1 new home in 40 is flagged (and gets the wider interval).
 */
export const SPARSE_QUANTILE = 0.975;
/** Cells with fewer calibration rows fall back to their "unknown sale" cell. */
export const MIN_CELL_ROWS = 30;
const GIVEN_BOUNDS = { full: 0.05, most: 0.5, some: 0.95 };
const SEED = 20240901;

export type CalibrationRow = {
  variant: "full" | "required" | "partial";
  given: GivenLevel;
  sale: SaleKnowledge;
  absResidual: number;
  widen: boolean;
  similarity: number;
};

const without = (records: readonly PropertyRecord[], field: string) =>
  records.map((r) => {
    const c = { ...r };
    delete c[field];
    return c;
  });

const rmse = (prices: readonly number[], logPred: ArrayLike<number>) =>
  Math.sqrt(prices.reduce((s, p, i) => s + (Math.log(p) - logPred[i]) ** 2, 0) / prices.length);

/**
 * Each optional field's share of the optional information: the test-year RMSE increase when
 * that field alone is missing (imputed), averaged over the folds, over the sum of increases.
 */
export function fieldWeights(
  views: ModelView[],
  tests: CandidateResult["folds"],
): Record<string, number> {
  const delta = new Map<string, number>();
  views.forEach((view, k) => {
    const { records, prices } = tests[k].test;
    const base = rmse(prices, scoreRecords(view.model, records, view.nTrees, view.ens).logPred);
    for (const f of OPTIONAL_FIELDS) {
      const r = rmse(
        prices,
        scoreRecords(view.model, without(records, f), view.nTrees, view.ens).logPred,
      );
      delta.set(f, (delta.get(f) ?? 0) + (r - base) / views.length);
    }
  });
  const positive = OPTIONAL_FIELDS.map((f) => Math.max(0, delta.get(f) ?? 0));
  const total = positive.reduce((a, b) => a + b, 0);
  return Object.fromEntries(
    OPTIONAL_FIELDS.map((f, i) => [
      f,
      Number((total > 0 ? positive[i] / total : 1 / OPTIONAL_FIELDS.length).toFixed(5)),
    ]),
  );
}

/**
 * The calibration rows of the backtest, every test home in all its variants, and the similarity
 * distance above which a home has few similar sales (SPARSE_QUANTILE of the test homes).
 */
export function calibrationRows(
  views: ModelView[],
  folds: CandidateResult["folds"],
  weights: Record<string, number>,
): { rows: CalibrationRow[]; sparseAbove: number } {
  const rand = mulberry32(SEED);
  const proto: Calibration = {
    level: INTERVAL_LEVEL,
    field_weights: weights,
    given_bounds: GIVEN_BOUNDS,
    cells: [],
    sparse_above: Infinity,
    sparse_factor: 1,
  };
  const rows: (CalibrationRow & { outOfRange: boolean })[] = [];
  views.forEach((view, k) => {
    const { records, prices } = folds[k].test;
    const variants: { variant: CalibrationRow["variant"]; records: PropertyRecord[] }[] = [
      { variant: "full", records },
      { variant: "required", records: records.map(requiredOnly) },
    ];
    for (let v = 0; v < PARTIAL_VARIANTS; v++) {
      variants.push({
        variant: "partial",
        records: records.map((r) => {
          const keep = 0.05 + 0.9 * rand();
          const out = requiredOnly(r);
          for (const f of OPTIONAL_FIELDS) if (rand() < keep) out[f] = r[f];
          return out;
        }),
      });
    }
    for (const { variant, records: given } of variants) {
      const { logPred, contexts } = scoreWithContext(view, given);
      contexts.forEach((ctx, i) =>
        rows.push({
          variant,
          given: givenLevel(ctx.imputed, proto),
          sale: saleKnowledge(ctx.saleCondition),
          absResidual: Math.abs(Math.log(prices[i]) - logPred[i]),
          widen: false,
          similarity: ctx.similarity,
          outOfRange: ctx.outOfRange,
        }),
      );
    }
  });
  const full = rows.filter((r) => r.variant === "full").map((r) => r.similarity);
  const sparseAbove = round(
    quantile(
      full.sort((a, b) => a - b),
      SPARSE_QUANTILE,
    ),
  );
  for (const r of rows) r.widen = r.outOfRange || r.similarity > sparseAbove;
  return { rows: rows.map(({ outOfRange: _, ...r }) => r), sparseAbove };
}

/** Split-conformal quantiles per cell over the rows not widened, and the widening factor. */
export function fitCalibration(
  rows: readonly CalibrationRow[],
  weights: Record<string, number>,
  sparseAbove: number,
): Calibration {
  const cells: CalibrationCell[] = [];
  const levels: GivenLevel[] = ["full", "most", "some", "required"];
  const sales: CalibrationCell["sale"][] = ["typical", "atypical", "unknown", "any"];
  for (const given of levels) {
    for (const sale of sales) {
      const res = rows
        .filter((r) => !r.widen && r.given === given && (sale === "any" || r.sale === sale))
        .map((r) => r.absResidual);
      if (res.length < MIN_CELL_ROWS) continue;
      cells.push({ given, sale, n: res.length, q: round(conformalQuantile(res, INTERVAL_LEVEL)) });
    }
  }
  const calib: Calibration = {
    level: INTERVAL_LEVEL,
    field_weights: weights,
    given_bounds: GIVEN_BOUNDS,
    cells,
    sparse_above: sparseAbove,
    sparse_factor: 1,
  };
  const ratios = rows
    .filter((r) => r.widen)
    .map((r) => r.absResidual / calibrationCell(calib, r.given, r.sale).q);
  const factor = ratios.length >= MIN_CELL_ROWS ? conformalQuantile(ratios, INTERVAL_LEVEL) : 1;
  return { ...calib, sparse_factor: round(Math.max(1, factor)) };
}

const round = (x: number) => Number(x.toFixed(5));
