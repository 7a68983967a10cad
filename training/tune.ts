// Small reproducible hyper-parameter search: a fixed, seeded sample of 20 configurations,
// each scored by its best eval (2009) RMSE with early stopping. Holdout is never looked at.
import { trainModel } from "./pipeline";
import type { Reporter } from "./report";
import { BEST_PARAMS } from "./params";
import type { XgbParams } from "./xgboost";

const SPACE = {
  eta: [0.03, 0.05, 0.08],
  max_depth: [3, 4, 5],
  min_child_weight: [1, 3, 5],
  subsample: [0.7, 0.8, 1],
  colsample_bytree: [0.4, 0.6, 0.8],
  lambda: [1, 3],
  alpha: [0, 0.01],
  gamma: [0],
} satisfies Record<keyof XgbParams, number[]>;

export const SEARCH_SIZE = 20;

export function candidateConfigs(n = SEARCH_SIZE, seed = 7): XgbParams[] {
  let s = seed;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const out: XgbParams[] = [BEST_PARAMS];
  const seen = new Set([JSON.stringify(BEST_PARAMS)]);
  while (out.length < n) {
    const p = Object.fromEntries(
      Object.entries(SPACE).map(([k, vs]) => [k, vs[Math.floor(rand() * vs.length)]]),
    ) as XgbParams;
    const key = JSON.stringify(p);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  }
  return out;
}

export async function searchParams(opts: {
  dataFile?: string;
  rounds?: number;
  reporter: Reporter;
}): Promise<XgbParams> {
  const configs = candidateConfigs();
  let best = { score: Infinity, params: BEST_PARAMS };
  for (const [i, params] of configs.entries()) {
    const out = await trainModel({
      dataFile: opts.dataFile,
      rounds: opts.rounds,
      params,
      parity: false,
    });
    const score = out.xgb.evalHistory[out.xgb.bestIteration].eval;
    opts.reporter.progress(
      i + 1,
      configs.length,
      `eval RMSE ${score.toFixed(5)} best ${Math.min(score, best.score).toFixed(5)}`,
    );
    opts.reporter.info(
      `${String(i + 1).padStart(2)}. ${score.toFixed(5)} ${JSON.stringify(params)} (${out.xgb.bestIteration + 1} trees)`,
    );
    if (score < best.score) best = { score, params };
  }
  return best.params;
}
