// Scoring for the card and the manifest, through the serving path: the shared features and the
// bundle's ONNX graph in onnxruntime-node (fitted rows and holdout, as given and with the
// required fields only); the backtest's test years by their fold models.
import { featurize, type FeatureMatrix } from "~/ml/features";
import { prepareTrees } from "~/ml/explain";
import type { ComparablesIndex } from "~/ml/comparables";
import { runOrt, type InferenceSession } from "~/inference/onnx.server";
import type { Reference } from "~/ml/reference";
import type { PropertyRecord } from "~/ml/schema";
import { requiredOnly, type CandidateResult } from "./backtest";
import { rowContexts, scoreWithContext, type ModelView, type RowContext } from "./calibrate";
import { buildComparablesIndex } from "./comparables-index";
import type { Split } from "./data";
import type { FittedModel } from "./fit-model";
import { referenceStats } from "./reference-stats";

export type ScoredSet = {
  /** The records as scored (as given, or with the required fields only). */
  records: readonly PropertyRecord[];
  /** The complete records of the same sales (segments and Normal sales are read from these). */
  truth: readonly PropertyRecord[];
  prices: readonly number[];
  logPred: ArrayLike<number>;
  contexts: readonly RowContext[];
  features: FeatureMatrix;
};

export type Evaluated = {
  view: ModelView;
  fit: ScoredSet & { split: Split };
  holdout: { full: ScoredSet; required: ScoredSet };
  /** The backtest's test years, each scored by the model fitted on the years before. */
  backtest: { full: Omit<ScoredSet, "features">; required: Omit<ScoredSet, "features"> };
  comparables: ComparablesIndex;
  reference: Reference;
};

async function ort(
  session: InferenceSession,
  model: FittedModel,
  records: readonly PropertyRecord[],
): Promise<{ logPred: Float32Array; features: FeatureMatrix }> {
  const features = featurize(records, model.state);
  return {
    logPred: await runOrt(session, features.matrix, features.nRows, features.nFeatures),
    features,
  };
}

export async function scoreAll(
  session: InferenceSession,
  final: FittedModel,
  fit: Split,
  holdout: Split,
  bt: CandidateResult,
  views: ModelView[],
  nTrees: number,
): Promise<Evaluated> {
  const fitted = await ort(session, final, fit.records);
  const full = await ort(session, final, holdout.records);
  const reqRecords = holdout.records.map(requiredOnly);
  const req = await ort(session, final, reqRecords);
  // The index and the reference describe the fitted rows only, never the holdout's sales.
  const comparables = buildComparablesIndex(fit.records, fit.prices, fitted.logPred);
  const reference = referenceStats(fit.records, fit.years, fitted.logPred, full.logPred);
  const view: ModelView = {
    model: final,
    ens: prepareTrees(final.trees.trees),
    nTrees,
    comparables,
    reference,
  };
  const set = (
    records: readonly PropertyRecord[],
    truth: readonly PropertyRecord[],
    prices: readonly number[],
    s: { logPred: Float32Array; features: FeatureMatrix },
  ): ScoredSet => ({
    records,
    truth,
    prices,
    logPred: s.logPred,
    features: s.features,
    contexts: rowContexts(view, records, s.features),
  });
  const pooled = (variant: "full" | "required") => {
    const parts = bt.folds.map((f, k) => {
      const records = variant === "full" ? f.test.records : f.test.records.map(requiredOnly);
      return {
        prices: f.test.prices,
        ...scoreWithContext(views[k], records),
        records,
        truth: f.test.records,
      };
    });
    return {
      records: parts.flatMap((p) => p.records),
      truth: parts.flatMap((p) => p.truth),
      prices: parts.flatMap((p) => p.prices),
      logPred: Float64Array.from(parts.flatMap((p) => Array.from(p.logPred))),
      contexts: parts.flatMap((p) => p.contexts),
    };
  };
  return {
    view,
    fit: { ...set(fit.records, fit.records, fit.prices, fitted), split: fit },
    holdout: {
      full: set(holdout.records, holdout.records, holdout.prices, full),
      required: set(reqRecords, holdout.records, holdout.prices, req),
    },
    backtest: { full: pooled("full"), required: pooled("required") },
    comparables,
    reference,
  };
}
