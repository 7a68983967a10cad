// Evaluation through the serving path: shared features + the ONNX model in onnxruntime-node.
import { featurize, type FeatureState } from "~/ml/features";
import { conformalQuantile } from "~/ml/interval";
import { regressionMetrics, type RegressionMetrics } from "~/ml/metrics";
import { runOrt, type InferenceSession } from "~/inference/onnx.server";
import type { PropertyRecord } from "~/ml/schema";

export const INTERVAL_LEVEL = 0.9;

export async function predictLog(
  session: InferenceSession,
  records: readonly PropertyRecord[],
  state: FeatureState,
): Promise<Float32Array> {
  const fm = featurize(records, state);
  return runOrt(session, fm.matrix, fm.nRows, fm.nFeatures);
}

export type SplitData = { records: readonly PropertyRecord[]; prices: number[] };

export type Evaluation = {
  q: number;
  metrics: Record<"train" | "eval" | "holdout", RegressionMetrics>;
  holdoutPred: Float32Array;
};

/** Metrics per split; the conformal quantile is calibrated on the eval split's residuals. */
export async function evaluate(
  session: InferenceSession,
  state: FeatureState,
  splits: Record<"train" | "eval" | "holdout", SplitData>,
): Promise<Evaluation> {
  const pred = {
    train: await predictLog(session, splits.train.records, state),
    eval: await predictLog(session, splits.eval.records, state),
    holdout: await predictLog(session, splits.holdout.records, state),
  };
  const residuals = splits.eval.prices.map((p, i) => Math.abs(Math.log(p) - pred.eval[i]));
  const q = conformalQuantile(residuals, INTERVAL_LEVEL);
  return {
    q,
    metrics: {
      train: regressionMetrics(splits.train.prices, pred.train, q),
      eval: regressionMetrics(splits.eval.prices, pred.eval, q),
      holdout: regressionMetrics(splits.holdout.prices, pred.holdout, q),
    },
    holdoutPred: pred.holdout,
  };
}
