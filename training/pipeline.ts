// The training pipeline: data → backtest (chooses the round count, calibrates the interval) →
// refit on all years before the holdout → ONNX → parity → scoring through the serving path →
// model card, reference statistics, comparables → bundle. Used by the CLI and the tests.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FEATURE_NAMES, featurize } from "~/ml/features";
import { predictRow, prepareTrees } from "~/ml/explain";
import { linearPredict } from "~/ml/linear";
import { createOrtSession, runOrt, type InferenceSession } from "~/inference/onnx.server";
import { backtestCandidate, type Candidate, type CandidateResult } from "./backtest";
import { calibrationRows, fieldWeights, fitCalibration, foldView } from "./calibrate";
import { chosenCandidate, readSelection } from "./candidates";
import {
  FINAL_FIT_YEARS,
  HOLDOUT_YEARS,
  loadDataset,
  selectYears,
  withoutOutliers,
  type Dataset,
} from "./data";
import { fitModel, type FittedModel } from "./fit-model";
import { assembleManifest } from "./manifest";
import {
  BEST_PARAMS,
  INFERENCE_BUDGET_NODE_VISITS,
  MAX_ROUNDS,
  nodeVisitsPerRow,
  roundCap,
} from "./params";
import { silentReporter, type Reporter } from "./report";
import { xgboostToOnnx } from "./to-onnx";
import { predictXgboost, writeCsv, type XgbParams } from "./xgboost";
import { scoreAll } from "./score";
import { writeBundle, type ManifestContent } from "./bundle-writer";
import type { BundleManifest } from "~/ml/bundle";
import type { Calibration } from "~/ml/calibration";

export type TrainOptions = {
  dataFile?: string;
  /** Output directory for the bundle; undefined = do not write a bundle. */
  outDir?: string;
  /** Max boosting rounds (default MAX_ROUNDS); always capped by the inference budget. */
  rounds?: number;
  params?: XgbParams;
  /** Default: the candidate recorded in training/selection.json. */
  candidate?: Candidate;
  /** Check ONNX against `xgboost task=pred` and the TypeScript reference (default true). */
  parity?: boolean;
  reporter?: Reporter;
  /** Keep the temp dir (model JSON, CSVs) for inspection / the golden script. */
  keepWorkDir?: boolean;
  createdAt?: string;
  /** Feature subset/order (default: every feature of a new model). */
  features?: readonly string[];
};

export type Parity = { rows: number; exact: number; maxAbsDiff: number; maxRelDiff: number };

export type TrainOutcome = {
  onnx: Uint8Array;
  final: FittedModel;
  backtest: CandidateResult;
  calibration: Calibration;
  /** Trees: ONNX vs `xgboost task=pred`; model: ONNX vs the TypeScript reference. */
  parity?: { trees: Parity; model: Parity };
  manifest: ManifestContent;
  bundle?: { version: string; dir: string; bytes: number; manifest: BundleManifest };
  workDir: string;
  /** The final model's XGBoost JSON (for the TreeSHAP golden file). */
  modelJson: string;
  /** The float32 feature matrix of the holdout split (for the TreeSHAP golden file). */
  holdout: { matrix: Float32Array; nRows: number; nFeatures: number };
};

export async function trainModel(opts: TrainOptions = {}): Promise<TrainOutcome> {
  const r = opts.reporter ?? silentReporter();
  const dataFile = opts.dataFile ?? "data/ames.csv";
  const params = opts.params ?? BEST_PARAMS;
  const candidate = opts.candidate ?? chosenCandidate(readSelection());
  // The inference-cost budget caps the rounds by depth, so no model can exceed it (ADR 0013).
  const cap = roundCap(params.max_depth, opts.rounds ?? MAX_ROUNDS);
  const base = { params, rounds: cap, monotone: true, features: opts.features ?? FEATURE_NAMES };
  const workDir = mkdtempSync(join(tmpdir(), "ames-train-"));
  try {
    const ds = await r.stage("Load and validate data", () => loadDataset(dataFile));
    const bt = await r.stage(
      `Backtest "${candidate.name}" (fit 2006–07 → 2008, 2006–08 → 2009)`,
      () => backtestCandidate(ds, base, candidate, join(workDir, "backtest"), r),
    );
    r.info(`rounds with the lowest mean test RMSE: ${bt.rounds} (of ≤ ${cap})`);
    const views = bt.models.map((m, k) => foldView(m, bt.folds[k].fit, bt.rounds));
    const calibration = await r.stage("Calibrate intervals on the backtest's test years", () => {
      const weights = fieldWeights(views, bt.folds);
      const { rows, sparseAbove } = calibrationRows(views, bt.folds, weights);
      return fitCalibration(rows, weights, sparseAbove);
    });

    const fit = withoutOutliers(selectYears(ds, FINAL_FIT_YEARS));
    const holdout = selectYears(ds, HOLDOUT_YEARS);
    r.info(
      `${ds.records.length} rows: final fit ${fit.records.length} (2006–2009, without the ` +
        `houses over 4,000 sq ft), holdout ${holdout.records.length} (2010)`,
    );
    const finalDir = join(workDir, "final");
    mkdirSync(finalDir);
    const spec = { ...base, ...candidate, rounds: bt.rounds };
    const final = await r.stage(`Refit on 2006–2009 (${bt.rounds} rounds, nthread=1)`, () =>
      fitModel(fit, spec, {
        workDir: finalDir,
        onRound: (i, total, tr) => r.progress(i + 1, total, `train-rmse ${tr.toFixed(4)}`),
      }),
    );
    const nTrees = final.trees.trees.length;
    const nodeVisits = nodeVisitsPerRow(nTrees, params.max_depth);
    r.info(`${nTrees} trees × depth ≤ ${params.max_depth} = ${nodeVisits} node visits/row`);
    if (nodeVisits > INFERENCE_BUDGET_NODE_VISITS) {
      throw new Error(
        `${nodeVisits} node visits per row exceed the inference budget of ${INFERENCE_BUDGET_NODE_VISITS}`,
      );
    }
    const nF = final.state.features.length;
    const onnx = await r.stage("Convert to ONNX", () =>
      xgboostToOnnx(final.xgb.model, nF, final.linear),
    );
    const session = await createOrtSession(onnx);
    try {
      let parity: TrainOutcome["parity"];
      if (opts.parity !== false) {
        parity = await r.stage("Parity: ONNX vs xgboost task=pred and the TS reference", () =>
          checkParity(ds, final, session, finalDir),
        );
        r.info(
          `trees: ${parity.trees.exact}/${parity.trees.rows} bit-identical; model: max relative ` +
            `difference ${parity.model.maxRelDiff.toExponential(2)} (linear part in float32)`,
        );
      }
      const evaluated = await r.stage("Score through the serving path (ONNX Runtime)", () =>
        scoreAll(session, final, fit, holdout, bt, views, nTrees),
      );
      const manifest = await r.stage("Model card, reference statistics, comparables", () =>
        assembleManifest({ ds, dataFile, final, nTrees, onnx, bt, calibration, evaluated }),
      );
      let bundle: TrainOutcome["bundle"];
      if (opts.outDir) {
        bundle = await r.stage("Write bundle", () =>
          writeBundle(opts.outDir!, onnx, manifest, opts.createdAt),
        );
      }
      const hfm = evaluated.holdout.full.features;
      return {
        onnx,
        final,
        backtest: bt,
        calibration,
        parity,
        manifest,
        bundle,
        workDir,
        modelJson: join(finalDir, "model.json"),
        holdout: { matrix: hfm.matrix, nRows: hfm.nRows, nFeatures: hfm.nFeatures },
      };
    } finally {
      await session.release();
    }
  } finally {
    if (!opts.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Every row of the data set: the trees alone in ONNX against `xgboost task=pred` (bit for bit),
 * and the whole ONNX graph against the TypeScript reference (trees + linear part in double).
 */
async function checkParity(
  ds: Dataset,
  final: FittedModel,
  session: InferenceSession,
  dir: string,
): Promise<{ trees: Parity; model: Parity }> {
  const all = featurize(ds.records, final.state);
  writeCsv(join(dir, "all.csv"), all.matrix, all.nRows, all.nFeatures);
  const ref = await predictXgboost(dir, "model.json", "all.csv");
  const treesOnly = await createOrtSession(xgboostToOnnx(final.xgb.model, all.nFeatures));
  const trees = compare(await runOrt(treesOnly, all.matrix, all.nRows, all.nFeatures), ref);
  await treesOnly.release();
  const ens = prepareTrees(final.trees.trees);
  const reference = new Float64Array(all.nRows);
  for (let i = 0; i < all.nRows; i++) {
    const x = all.matrix.subarray(i * all.nFeatures, (i + 1) * all.nFeatures);
    reference[i] =
      predictRow(ens, final.trees.base_score, x) +
      (final.linear ? linearPredict(final.linear, x) : 0);
  }
  const model = compare(await runOrt(session, all.matrix, all.nRows, all.nFeatures), reference);
  if (trees.exact !== trees.rows) {
    throw new Error(`ONNX trees differ from XGBoost on ${trees.rows - trees.exact} rows`);
  }
  if (model.maxRelDiff > 1e-6) {
    throw new Error(`ONNX model differs from the reference by ${model.maxRelDiff} (> 1e-6)`);
  }
  return { trees, model };
}

function compare(a: ArrayLike<number>, b: ArrayLike<number>): Parity {
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
