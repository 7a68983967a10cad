// Small reproducible hyper-parameter search: the recorded configuration + a fixed, seeded sample,
// each early-stopped on eval and scored on the 2009 eval split only (holdout is never looked at).
import { trainModel } from "./pipeline";
import type { Reporter } from "./report";
import { BEST_PARAMS } from "./params";
import type { XgbParams } from "./xgboost";

type Searched = Exclude<keyof XgbParams, "objective" | "huber_slope">;

const SPACE = {
  eta: [0.03, 0.04, 0.05],
  max_depth: [2, 3, 4],
  min_child_weight: [1, 2, 4],
  subsample: [0.6, 0.7, 0.8],
  colsample_bytree: [0.3, 0.4, 0.5],
  lambda: [1, 3, 10],
  alpha: [0, 0.01],
  gamma: [0],
} satisfies Record<Searched, number[]>;

export const SEARCH_SIZE = 24;

/** A configuration whose bundle (model.onnx + manifest) would exceed this is not eligible. */
export const BUNDLE_BUDGET_BYTES = 2 * 1024 * 1024;

export function candidateConfigs(n = SEARCH_SIZE, seed = 11): XgbParams[] {
  let s = seed;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const out: XgbParams[] = [BEST_PARAMS];
  const seen = new Set([JSON.stringify(BEST_PARAMS)]);
  while (out.length < n) {
    const p = Object.fromEntries(
      Object.entries(SPACE).map(([k, vs]) => [k, vs[Math.floor(rand() * vs.length)]]),
    ) as Record<Searched, number> satisfies XgbParams;
    const key = JSON.stringify(p);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  }
  return out;
}

/** Eval RMSLE and eval MAPE, each relative to its accuracy target (0.155, 10%); lower is better. */
export function searchScore(evalMetrics: { rmsle: number; mape: number }): number {
  return evalMetrics.rmsle / 0.155 + evalMetrics.mape / 10;
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
    const ev = out.evaluation.metrics.eval;
    // Deep models with many trees carry large explain trees in the manifest.
    const bytes = out.onnx.length + Buffer.byteLength(JSON.stringify(out.manifest));
    const fits = bytes < BUNDLE_BUDGET_BYTES;
    const score = fits ? searchScore(ev) : Infinity;
    opts.reporter.progress(
      i + 1,
      configs.length,
      `score ${score.toFixed(4)} best ${Math.min(score, best.score).toFixed(4)}`,
    );
    opts.reporter.info(
      `${String(i + 1).padStart(2)}. score ${searchScore(ev).toFixed(4)} eval RMSLE ${ev.rmsle.toFixed(5)} ` +
        `MAPE ${ev.mape.toFixed(3)} ${JSON.stringify(params)} (${out.xgb.bestIteration + 1} trees, ` +
        `bundle ${(bytes / 1024).toFixed(0)} KiB${fits ? "" : " > budget: not eligible"})`,
    );
    if (score < best.score) best = { score, params };
  }
  return best.params;
}
