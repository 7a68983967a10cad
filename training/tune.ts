// Small reproducible hyper-parameter search: the recorded configuration + a fixed, seeded sample,
// each early-stopped on eval and scored on the 2009 eval split only (holdout is never looked at).
// Eligible: bundle within 2 MiB and node visits per row within the inference budget (ADR 0013).
import { trainModel } from "./pipeline";
import type { Reporter } from "./report";
import { BEST_PARAMS, INFERENCE_BUDGET_NODE_VISITS, nodeVisitsPerRow } from "./params";
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

/**
 * Why a trained candidate may not be chosen (empty: eligible). The round cap keeps the node
 * visits within the budget by construction; the check states the rule where models are chosen.
 */
export function ineligibility(c: { bundleBytes: number; nodeVisitsPerRow: number }): string[] {
  const why: string[] = [];
  if (c.bundleBytes >= BUNDLE_BUDGET_BYTES) why.push("bundle > 2 MiB");
  if (c.nodeVisitsPerRow > INFERENCE_BUDGET_NODE_VISITS) {
    why.push(`node visits > ${INFERENCE_BUDGET_NODE_VISITS}`);
  }
  return why;
}

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
    const nTrees = out.xgb.bestIteration + 1;
    const visits = nodeVisitsPerRow(nTrees, params.max_depth);
    // Deep models with many trees carry large explain trees in the manifest.
    const bytes = out.onnx.length + Buffer.byteLength(JSON.stringify(out.manifest));
    const why = ineligibility({ bundleBytes: bytes, nodeVisitsPerRow: visits });
    const score = why.length === 0 ? searchScore(ev) : Infinity;
    opts.reporter.progress(
      i + 1,
      configs.length,
      `score ${score.toFixed(4)} best ${Math.min(score, best.score).toFixed(4)}`,
    );
    opts.reporter.info(
      `${String(i + 1).padStart(2)}. score ${searchScore(ev).toFixed(4)} eval RMSLE ${ev.rmsle.toFixed(5)} ` +
        `MAPE ${ev.mape.toFixed(3)} ${JSON.stringify(params)} (${nTrees} trees, ` +
        `${visits} node visits/row, bundle ${(bytes / 1024).toFixed(0)} KiB` +
        `${why.length ? `: not eligible, ${why.join(", ")}` : ""})`,
    );
    if (score < best.score) best = { score, params };
  }
  return best.params;
}
