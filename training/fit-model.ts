// One model fit: feature state and out-of-fold training features, the linear part (if any),
// then XGBoost on what it leaves. The backtest folds and the final refit all go through here,
// so a choice measured in the backtest is exactly what ships.
import { join } from "node:path";
import { featurize, INCREASING, type FeatureMatrix, type FeatureState } from "~/ml/features";
import { linearPredict, type LinearPart } from "~/ml/linear";
import { predictRow, prepareTrees, type ExplainTree, type PreparedEnsemble } from "~/ml/explain";
import type { PropertyRecord } from "~/ml/schema";
import { featurizeTrainOOF, fitFeatureState } from "./fit-features";
import { fitLinear } from "./linear";
import { SEED } from "./params";
import { explainTrees } from "./to-onnx";
import { trainXgboost, writeCsv, type TrainResult, type XgbParams } from "./xgboost";

/** Everything that decides a model besides the data (candidates differ in these). */
export type ModelSpec = {
  params: XgbParams;
  /** Boosting rounds to fit (the backtest keeps a prefix of them). */
  rounds: number;
  /** Weight of sales whose Sale_Condition is not Normal or Partial (1 = no down-weighting). */
  nonNormalWeight: number;
  /** Ridge penalty of the linear part; undefined = trees only. */
  linearLambda?: number;
  /** Monotone constraints on the INCREASING features. */
  monotone: boolean;
  features: readonly string[];
  /** XGBoost's row/column sampling seed (default SEED). */
  seed?: number;
};

export type FitData = { records: readonly PropertyRecord[]; prices: readonly number[] };

export type FittedModel = {
  spec: ModelSpec;
  state: FeatureState;
  xgb: TrainResult;
  linear?: LinearPart;
  trees: { base_score: number; trees: ExplainTree[] };
};

/** Sales whose price the market set in the usual way (the others are down-weighted). */
export function isTypicalSale(record: PropertyRecord): boolean {
  return record.Sale_Condition === "Normal" || record.Sale_Condition === "Partial";
}

export function monotoneConstraints(features: readonly string[]): number[] {
  return features.map((f) => (INCREASING.has(f) ? 1 : 0));
}

export async function fitModel(
  data: FitData,
  spec: ModelSpec,
  opts: {
    workDir: string;
    /** Scored after every round (its RMSE history is the backtest's round curve). */
    evalData?: FitData;
    onRound?: (round: number, total: number, train: number, ev: number) => void;
  },
): Promise<FittedModel> {
  const y = data.prices.map(Math.log);
  const state = fitFeatureState(data.records, y, spec.features);
  const fm = featurizeTrainOOF(data.records, y, state);
  const weights = data.records.map((r) => (isTypicalSale(r) ? 1 : spec.nonNormalWeight));
  const weighted = spec.nonNormalWeight !== 1;
  const nF = fm.nFeatures;
  const linear =
    spec.linearLambda === undefined
      ? undefined
      : withServingRanges(
          fitLinear(fm.matrix, fm.nRows, state.features, y, weights, {
            lambda: spec.linearLambda,
          }),
          featurize(data.records, state),
        );
  // The trees learn what the linear part leaves: for squared error, boosting on y − L(x) is
  // boosting on y with L(x) as the starting margin.
  const offset = (matrix: Float32Array, i: number) =>
    linear ? linearPredict(linear, matrix.subarray(i * nF, (i + 1) * nF)) : 0;
  const labels = y.map((v, i) => v - offset(fm.matrix, i));
  writeCsv(
    join(opts.workDir, "train.csv"),
    fm.matrix,
    fm.nRows,
    nF,
    labels,
    weighted ? weights : undefined,
  );
  if (opts.evalData) {
    const ev = featurize(opts.evalData.records, state);
    const evLabels = opts.evalData.prices.map((p, i) => Math.log(p) - offset(ev.matrix, i));
    writeCsv(join(opts.workDir, "eval.csv"), ev.matrix, ev.nRows, nF, evLabels);
  }
  // Start boosting from the (weighted) mean label: XGBoost 1.7 does not estimate it.
  let wSum = 0;
  let lSum = 0;
  labels.forEach((l, i) => ((wSum += weights[i]), (lSum += weights[i] * l)));
  const baseScore = Math.fround(lSum / wSum);
  const xgb = await trainXgboost({
    dir: opts.workDir,
    trainCsv: "train.csv",
    evalCsv: opts.evalData ? "eval.csv" : undefined,
    weighted,
    params: spec.params,
    rounds: spec.rounds,
    baseScore,
    seed: spec.seed ?? SEED,
    monotone: spec.monotone ? monotoneConstraints(state.features) : undefined,
    onRound: opts.onRound,
  });
  return { spec, state, xgb, linear, trees: explainTrees(xgb.model) };
}

/**
 * The terms' ranges as serving computes the features (full-state encodings, not the training
 * rows' out-of-fold ones), so a training home never counts as extrapolating.
 */
function withServingRanges(
  part: LinearPart,
  fm: { matrix: Float32Array; nRows: number; nFeatures: number },
): LinearPart {
  const terms = part.terms.map((t) => {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < fm.nRows; i++) {
      const v = fm.matrix[i * fm.nFeatures + t.index];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return { ...t, min, max };
  });
  return { ...part, terms };
}

/** Log-price predictions of a fitted model's first `nTrees` trees, and the feature rows. */
export type Scored = { logPred: Float64Array; features: FeatureMatrix };

/**
 * Scores records with the TypeScript reference of the model: the float32 tree sum (XGBoost's bit
 * for bit) plus the linear part in double.
 */
export function scoreRecords(
  model: FittedModel,
  records: readonly PropertyRecord[],
  nTrees: number,
  prepared?: PreparedEnsemble,
): Scored {
  const ens = prepared ?? prepareTrees(model.trees.trees);
  const prefix: PreparedEnsemble = { ...ens, trees: ens.trees.slice(0, nTrees) };
  const fm = featurize(records, model.state);
  const out = new Float64Array(fm.nRows);
  for (let i = 0; i < fm.nRows; i++) {
    const x = fm.matrix.subarray(i * fm.nFeatures, (i + 1) * fm.nFeatures);
    const trees = predictRow(prefix, model.trees.base_score, x);
    out[i] = trees + (model.linear ? linearPredict(model.linear, x) : 0);
  }
  return { logPred: out, features: fm };
}
