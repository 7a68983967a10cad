// Assembles the bundle manifest's content from the trained model and its evaluation.
import type { Calibration } from "~/ml/calibration";
import { comparableSubject, findComparables } from "~/ml/comparables";
import { prepareExplainer } from "~/ml/explain";
import { FIELDS, REQUIRED_FIELDS } from "~/ml/fields";
import { regressionMetrics } from "~/ml/metrics";
import type { CandidateResult } from "./backtest";
import type { ManifestContent } from "./bundle-writer";
import { sha256 } from "./bundle-writer";
import { readSelection } from "./candidates";
import {
  calibrationTable,
  headlineMetrics,
  plainMetrics,
  residualColumns,
  segments,
  shapImportance,
} from "./card";
import { BACKTEST_FOLDS, FINAL_FIT_YEARS, HOLDOUT_YEARS, type Dataset } from "./data";
import { baselineLogPredictions, calibratedHalfWidths, roundMetrics } from "./evaluate";
import { scoreRecords, type FittedModel } from "./fit-model";
import { monotonicityDrops } from "./monotonicity";
import { INFERENCE_BUDGET_NODE_VISITS, nodeVisitsPerRow } from "./params";
import type { Evaluated, ScoredSet } from "./score";
import { ONNX_ML_OPSET } from "./to-onnx";

export const XGBOOST_VERSION = "1.7.4";

function fullRecordsQ(calib: Calibration): number {
  const cell = calib.cells.find((c) => c.given === "full" && c.sale === "any");
  if (!cell) throw new Error("calibration has no full/any cell");
  return cell.q;
}

const isNormal = (r: { Sale_Condition?: unknown }) => r.Sale_Condition === "Normal";

function accuracy(prices: readonly number[], logPred: ArrayLike<number>) {
  const m = regressionMetrics(prices, logPred, 0);
  return { rmsle: Number(m.rmsle.toFixed(5)), mape: Number(m.mape.toFixed(3)), n: m.n };
}

function backtestBlock(bt: CandidateResult): NonNullable<ManifestContent["backtest"]> {
  const selection = readSelection();
  return {
    protocol:
      "Rolling origin: each fold fits on the years before its test year and scores that year. " +
      "The backtest chooses the candidate model (training/selection.json), the round count (lowest " +
      "mean test RMSE) and calibrates the interval; the 2010 holdout is scored once per bundle.",
    rounds: bt.rounds,
    folds: bt.folds.map((f, k) => {
      const normal = f.test.records.flatMap((r, i) => (isNormal(r) ? [i] : []));
      return {
        fit_years: [...BACKTEST_FOLDS[k].fit],
        test_years: [...BACKTEST_FOLDS[k].test],
        fit_rows: f.fit.records.length,
        full: accuracy(f.test.prices, f.full),
        required_only: accuracy(f.test.prices, f.required),
        normal: accuracy(
          normal.map((i) => f.test.prices[i]),
          normal.map((i) => f.full[i]),
        ),
      };
    }),
    selection: { chosen: selection.chosen, rule: selection.rule, candidates: selection.candidates },
  };
}

/** How close comparable sales come to the actual price, raw and adjusted by the model. */
function comparablesReport(e: Evaluated, s: ScoredSet) {
  let homes = 0;
  let adjusted = 0;
  let raw = 0;
  let better = 0;
  s.records.forEach((record, i) => {
    const comps = findComparables(
      e.comparables,
      comparableSubject(record, e.view.model.state),
      s.logPred[i],
    );
    if (comps.length === 0) return;
    const actual = Math.log(s.prices[i]);
    const err = (v: (c: (typeof comps)[0]) => number) =>
      comps.reduce((a, c) => a + Math.abs(Math.log(v(c)) - actual), 0) / comps.length;
    const a = err((c) => c.adjusted_price);
    const r = err((c) => c.sale_price);
    homes++;
    adjusted += a;
    raw += r;
    if (a < r) better++;
  });
  return {
    homes,
    of: s.records.length,
    mean_abs_log_error_adjusted: Number((adjusted / homes).toFixed(5)),
    mean_abs_log_error_raw: Number((raw / homes).toFixed(5)),
    homes_closer_adjusted: better,
  };
}

export async function assembleManifest(a: {
  ds: Dataset;
  dataFile: string;
  final: FittedModel;
  nTrees: number;
  onnx: Uint8Array;
  bt: CandidateResult;
  calibration: Calibration;
  evaluated: Evaluated;
}): Promise<ManifestContent> {
  const { final, nTrees, calibration: calib, evaluated: e } = a;
  const depth = final.spec.params.max_depth;
  const half = (s: Omit<ScoredSet, "features">) =>
    calibratedHalfWidths(calib, s.logPred, s.contexts).half;
  const metric = (s: Omit<ScoredSet, "features">) =>
    roundMetrics(regressionMetrics(s.prices, s.logPred, half(s)));
  const explainer = prepareExplainer({ trees: final.trees.trees, linear: final.linear });
  const hf = e.holdout.full;
  const hr = e.holdout.required;
  const predict = (records: Parameters<typeof scoreRecords>[1]) =>
    scoreRecords(final, records, nTrees, e.view.ens).logPred;
  const baseline = baselineLogPredictions(e.fit.split, hf.records);
  const shap = shapImportance(explainer, final.trees.base_score, hf.features, final.state.features);
  return {
    data: {
      file: a.dataFile,
      sha256: a.ds.sha256,
      rows: a.ds.records.length,
      split: {
        train: { years: [...FINAL_FIT_YEARS], rows: e.fit.records.length },
        eval: {
          years: BACKTEST_FOLDS.flatMap((f) => [...f.test]),
          rows: e.backtest.full.records.length,
        },
        holdout: { years: [...HOLDOUT_YEARS], rows: hf.records.length },
      },
    },
    features: [...final.state.features],
    feature_state: final.state,
    schema: {
      required: [...REQUIRED_FIELDS],
      fields: Object.fromEntries(
        FIELDS.map((f) => [
          f.name,
          { kind: f.kind, min: f.min, max: f.max, levels: f.levels ? [...f.levels] : undefined },
        ]),
      ),
    },
    xgboost: {
      version: XGBOOST_VERSION,
      params: { ...final.xgb.config, data: "train.csv", "eval[train]": "train.csv" },
      best_iteration: nTrees - 1,
      n_trees: nTrees,
    },
    inference: {
      max_depth: depth,
      node_visits_per_row: nodeVisitsPerRow(nTrees, depth),
      budget_node_visits: INFERENCE_BUDGET_NODE_VISITS,
    },
    onnx: { file: "model.onnx", sha256: sha256(a.onnx), opset: ONNX_ML_OPSET },
    metrics: { train: metric(e.fit), eval: metric(e.backtest.full), holdout: metric(hf) },
    // The one half-width of bundles before `calibration`: full records, any sale condition.
    interval: { level: calib.level, q: fullRecordsQ(calib) },
    explain: { ...final.trees, ...(final.linear ? { linear: final.linear } : {}) },
    calibration: calib,
    reference: e.reference,
    comparables: e.comparables,
    backtest: backtestBlock(a.bt),
    card: {
      // Mean |SHAP| shares (trees and linear part) under the key pages read; the trees' split
      // gain would leave out what the linear part carries (most of the living area).
      importance: shap.map(({ factor, share }) => ({ factor, gain: share })),
      holdout_points: hf.prices.map((actual, i) => ({
        actual,
        predicted: Math.round(Math.exp(hf.logPred[i])),
      })),
      training_window: `Fitted on ${e.fit.records.length.toLocaleString("en-US")} sales from 2006–2009 in Ames, Iowa; tested on 2010 sales it never saw.`,
      shap_importance: shap,
      holdout: {
        full: headlineMetrics(calib, hf),
        required_only: headlineMetrics(calib, hr),
      },
      baseline: {
        description:
          "Living area × the neighbourhood's median sale price per sq ft of living area (2006–2009 sales)",
        holdout: plainMetrics(hf.prices, baseline),
        model: plainMetrics(hf.prices, hf.logPred),
      },
      segments: [
        ...segments(calib, hf).map((s) => ({ records: "as given", ...s })),
        ...segments(calib, hr).map((s) => ({ records: "required fields only", ...s })),
      ],
      calibration_table: [
        ...calibrationTable(calib, hf, "holdout, as given"),
        ...calibrationTable(calib, hr, "holdout, required fields only"),
        ...calibrationTable(calib, e.backtest.full, "backtest, as given"),
        ...calibrationTable(calib, e.backtest.required, "backtest, required fields only"),
      ],
      residuals: residualColumns([
        { split: "backtest", scored: e.backtest.full },
        { split: "holdout", scored: hf },
      ]),
      comparables: {
        description:
          "Mean |log(price / actual)| over each holdout home's up to 5 comparable sales (fitted 2006–2009 sales), raw and adjusted by the model's difference between the homes.",
        as_given: comparablesReport(e, hf),
        required_fields_only: comparablesReport(e, hr),
      },
      monotonicity: [
        ...(await monotonicityDrops(predict, hf.records)),
        ...(await monotonicityDrops(predict, hr.records)).map((m) => ({
          ...m,
          change: `${m.change} (required fields only)`,
        })),
      ],
    },
  };
}
