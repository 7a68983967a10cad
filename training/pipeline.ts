// The training pipeline: data → shared features → XGBoost CLI → ONNX → evaluation through the
// serving path → parity check → bundle. Used by the CLI (train.ts) and the training tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FIELDS, REQUIRED_FIELDS } from "~/ml/fields";
import { FEATURE_NAMES, featurize, type FeatureState } from "~/ml/features";
import { createOrtSession, runOrt } from "~/inference/onnx.server";
import type { BundleManifest } from "~/ml/bundle";
import type { PropertyRecord } from "~/ml/schema";
import { loadDataset, splitByYear, SPLIT_YEARS } from "./data";
import { featurizeTrainOOF, fitFeatureState } from "./fit-features";
import { evaluate, INTERVAL_LEVEL, type Evaluation } from "./evaluate";
import { factorImportance } from "./importance";
import {
  BEST_PARAMS,
  EARLY_STOPPING_ROUNDS,
  INFERENCE_BUDGET_NODE_VISITS,
  MAX_ROUNDS,
  SEED,
  nodeVisitsPerRow,
  roundCap,
} from "./params";
import { silentReporter, type Reporter } from "./report";
import { ONNX_ML_OPSET, explainTrees, parseBaseScore, xgboostToOnnx } from "./to-onnx";
import {
  predictXgboost,
  trainXgboost,
  writeCsv,
  type TrainResult,
  type XgbParams,
} from "./xgboost";
import { writeBundle, sha256, type ManifestContent } from "./bundle-writer";

export const XGBOOST_VERSION = "1.7.4";

export type TrainOptions = {
  dataFile?: string;
  /** Output directory for the bundle; undefined = do not write a bundle. */
  outDir?: string;
  /** Max boosting rounds (default MAX_ROUNDS); always capped by the inference budget. */
  rounds?: number;
  params?: XgbParams;
  earlyStopping?: number;
  /** Check ONNX against `xgboost task=pred` on every row (default true). */
  parity?: boolean;
  reporter?: Reporter;
  /** Keep the temp dir (model.json, CSVs) for inspection / the golden script. */
  keepWorkDir?: boolean;
  createdAt?: string;
  /** Feature subset/order (default: every feature the code defines). */
  features?: readonly string[];
  /** Drop houses over 4000 sq ft from the training rows (De Cock's recommendation). */
  dropOutliers?: boolean;
};

export type Parity = { rows: number; exact: number; maxAbsDiff: number; maxRelDiff: number };

export type TrainOutcome = {
  onnx: Uint8Array;
  state: FeatureState;
  xgb: TrainResult;
  evaluation: Evaluation;
  parity?: Parity;
  manifest: ManifestContent;
  bundle?: { version: string; dir: string; bytes: number; manifest: BundleManifest };
  workDir: string;
  /** The float32 feature matrix of the holdout split (for the TreeSHAP golden file). */
  holdout: { matrix: Float32Array; nRows: number; nFeatures: number };
};

export async function trainModel(opts: TrainOptions = {}): Promise<TrainOutcome> {
  const r = opts.reporter ?? silentReporter();
  const dataFile = opts.dataFile ?? "data/ames.csv";
  const params = opts.params ?? BEST_PARAMS;
  // The inference-cost budget caps the rounds by depth, so no model can exceed it (ADR 0013).
  const rounds = roundCap(params.max_depth, opts.rounds ?? MAX_ROUNDS);
  const workDir = mkdtempSync(join(tmpdir(), "ames-train-"));
  try {
    const ds = await r.stage("Load and validate data", () => loadDataset(dataFile));
    const split = splitByYear(ds);
    if (opts.dropOutliers ?? true) dropTrainOutliers(split.train);
    r.info(
      `${ds.records.length} rows: train ${split.train.records.length} (2006–2008), ` +
        `eval ${split.eval.records.length} (2009), holdout ${split.holdout.records.length} (2010)`,
    );
    const yTrain = split.train.prices.map(Math.log);
    const yEval = split.eval.prices.map(Math.log);

    const { state, trainFm } = await r.stage(
      "Fit features on train (out-of-fold target encoding)",
      () => {
        const state = fitFeatureState(split.train.records, yTrain, opts.features ?? FEATURE_NAMES);
        const trainFm = featurizeTrainOOF(split.train.records, yTrain, state);
        const evalFm = featurize(split.eval.records, state);
        writeCsv(
          join(workDir, "train.csv"),
          trainFm.matrix,
          trainFm.nRows,
          trainFm.nFeatures,
          yTrain,
        );
        writeCsv(join(workDir, "eval.csv"), evalFm.matrix, evalFm.nRows, evalFm.nFeatures, yEval);
        return { state, trainFm };
      },
    );
    r.info(`${trainFm.nFeatures} features`);

    // Start boosting from the training mean (XGBoost 1.7 does not estimate it).
    const baseScore = Math.fround(yTrain.reduce((a, b) => a + b, 0) / yTrain.length);
    const xgb = await r.stage(`Fit XGBoost (≤ ${rounds} rounds, nthread=1)`, () =>
      trainXgboost({
        dir: workDir,
        trainCsv: "train.csv",
        evalCsv: "eval.csv",
        params,
        rounds,
        earlyStopping: opts.earlyStopping ?? EARLY_STOPPING_ROUNDS,
        baseScore,
        seed: SEED,
        onRound: (i, total, tr, ev) =>
          r.progress(i + 1, total, `train-rmse ${tr.toFixed(4)} eval-rmse ${ev.toFixed(4)}`),
      }),
    );
    const nTrees = xgb.bestIteration + 1;
    const nodeVisits = nodeVisitsPerRow(nTrees, params.max_depth);
    r.info(
      `best iteration ${xgb.bestIteration} (eval RMSE ${xgb.evalHistory[xgb.bestIteration].eval.toFixed(5)}); ` +
        `${nTrees} trees × depth ≤ ${params.max_depth} = ${nodeVisits} node visits/row ` +
        `(budget ${INFERENCE_BUDGET_NODE_VISITS})`,
    );
    if (nodeVisits > INFERENCE_BUDGET_NODE_VISITS) {
      throw new Error(
        `${nodeVisits} node visits per row exceed the inference budget of ${INFERENCE_BUDGET_NODE_VISITS}`,
      );
    }

    const onnx = await r.stage("Convert to ONNX", () =>
      xgboostToOnnx(xgb.model, state.features.length),
    );
    r.info(`model.onnx ${(onnx.length / 1024).toFixed(0)} KiB, ${xgb.bestIteration + 1} trees`);

    const session = await createOrtSession(onnx);
    const evaluation = await r.stage("Evaluate through the serving path (ONNX Runtime)", () =>
      evaluate(session, state, split),
    );

    let parity: Parity | undefined;
    if (opts.parity !== false) {
      parity = await r.stage("Parity: ONNX Runtime vs xgboost task=pred (all rows)", async () => {
        const all = featurize(ds.records, state);
        writeCsv(join(workDir, "all.csv"), all.matrix, all.nRows, all.nFeatures);
        const ref = await predictXgboost(workDir, "model.json", "all.csv");
        const ort = await runOrt(session, all.matrix, all.nRows, all.nFeatures);
        return compare(ort, ref);
      });
      r.info(
        `${parity.exact}/${parity.rows} bit-identical float32 predictions ` +
          `(max |Δ| ${parity.maxAbsDiff}, max relative ${parity.maxRelDiff.toExponential(2)})`,
      );
    }
    await session.release();

    const holdoutFm = featurize(split.holdout.records, state);
    const manifest: ManifestContent = {
      data: {
        file: dataFile,
        sha256: ds.sha256,
        rows: ds.records.length,
        split: {
          train: { years: [...SPLIT_YEARS.train], rows: split.train.records.length },
          eval: { years: [...SPLIT_YEARS.eval], rows: split.eval.records.length },
          holdout: { years: [...SPLIT_YEARS.holdout], rows: split.holdout.records.length },
        },
      },
      features: [...state.features],
      feature_state: state,
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
        params: {
          ...xgb.config,
          data: "train.csv",
          "eval[train]": "train.csv",
          "eval[eval]": "eval.csv",
        },
        best_iteration: xgb.bestIteration,
        n_trees: nTrees,
      },
      inference: {
        max_depth: params.max_depth,
        node_visits_per_row: nodeVisits,
        budget_node_visits: INFERENCE_BUDGET_NODE_VISITS,
      },
      onnx: { file: "model.onnx", sha256: sha256(onnx), opset: ONNX_ML_OPSET },
      metrics: roundMetrics(evaluation.metrics),
      interval: { level: INTERVAL_LEVEL, q: evaluation.q },
      explain: explainTrees(xgb.model),
      card: {
        importance: factorImportance(xgb.model, state.features),
        holdout_points: split.holdout.prices.map((actual, i) => ({
          actual,
          predicted: Math.round(Math.exp(evaluation.holdoutPred[i])),
        })),
      },
    };
    // Same number XGBoost reports (sanity: the base score went into the model as written).
    if (
      Math.fround(parseBaseScore(xgb.model.learner.learner_model_param.base_score)) !== baseScore
    ) {
      throw new Error("XGBoost did not keep the configured base_score");
    }

    let bundle: TrainOutcome["bundle"];
    if (opts.outDir) {
      bundle = await r.stage("Write bundle", () =>
        writeBundle(opts.outDir!, onnx, manifest, opts.createdAt),
      );
    }
    return {
      onnx,
      state,
      xgb,
      evaluation,
      parity,
      manifest,
      bundle,
      workDir,
      holdout: { matrix: holdoutFm.matrix, nRows: holdoutFm.nRows, nFeatures: holdoutFm.nFeatures },
    };
  } finally {
    if (!opts.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * The data set's author recommends removing houses over 4000 sq ft from training: three of the
 * five are partial sales far below market value, which teach the model that big houses are cheap.
 */
function dropTrainOutliers(train: {
  records: PropertyRecord[];
  prices: number[];
  index: number[];
}): void {
  const keep = train.records.map((r) => (r.Gr_Liv_Area as number) <= 4000);
  train.records = train.records.filter((_, i) => keep[i]);
  train.prices = train.prices.filter((_, i) => keep[i]);
  train.index = train.index.filter((_, i) => keep[i]);
}

function compare(a: Float32Array, b: Float32Array): Parity {
  if (a.length !== b.length) throw new Error(`parity: ${a.length} vs ${b.length} predictions`);
  let exact = 0;
  let maxAbsDiff = 0;
  let maxRelDiff = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) exact++;
    const d = Math.abs(a[i] - b[i]);
    maxAbsDiff = Math.max(maxAbsDiff, d);
    maxRelDiff = Math.max(maxRelDiff, d / Math.max(Math.abs(b[i]), 1e-12));
  }
  return { rows: a.length, exact, maxAbsDiff, maxRelDiff };
}

function roundMetrics(m: Evaluation["metrics"]): ManifestContent["metrics"] {
  const r = (x: number, d: number) => Number(x.toFixed(d));
  const one = (s: Evaluation["metrics"]["train"]) => ({
    rmsle: r(s.rmsle, 5),
    mae: r(s.mae, 0),
    mape: r(s.mape, 3),
    medape: r(s.medape, 3),
    r2: r(s.r2, 5),
    coverage: r(s.coverage, 4),
    n: s.n,
  });
  return { train: one(m.train), eval: one(m.eval), holdout: one(m.holdout) };
}
