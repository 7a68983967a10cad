// Small reproducible hyper-parameter search: the recorded configuration + a fixed, seeded sample,
// each backtested (round count chosen by the folds' test RMSE) with the recorded candidate model
// and scored like the model selection; the holdout is never looked at. Eligible: bundle within
// 2 MiB and node visits per row within the inference budget (ADR 0013).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FEATURE_NAMES } from "~/ml/features";
import { backtestCandidate } from "./backtest";
import { chosenCandidate, readSelection } from "./candidates";
import { loadDataset } from "./data";
import type { Reporter } from "./report";
import {
  BEST_PARAMS,
  INFERENCE_BUDGET_NODE_VISITS,
  MAX_ROUNDS,
  nodeVisitsPerRow,
  roundCap,
} from "./params";
import { backtestScore } from "./select";
import { xgboostToOnnx } from "./to-onnx";
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

/**
 * The manifest besides the explain trees (feature state, comparables, reference, card): ~340 KiB
 * in bundle 03073acd7c8e, rounded up; added to a candidate's ONNX and trees to estimate its
 * bundle size.
 */
export const MANIFEST_BESIDES_TREES_BYTES = 350 * 1024;

export async function searchParams(opts: {
  dataFile?: string;
  rounds?: number;
  reporter: Reporter;
}): Promise<XgbParams> {
  const ds = loadDataset(opts.dataFile ?? "data/ames.csv");
  const candidate = chosenCandidate(readSelection());
  const work = mkdtempSync(join(tmpdir(), "ames-search-"));
  const configs = candidateConfigs();
  let best = { score: Infinity, params: BEST_PARAMS };
  try {
    for (const [i, params] of configs.entries()) {
      const r = await backtestCandidate(
        ds,
        {
          params,
          rounds: roundCap(params.max_depth, opts.rounds ?? MAX_ROUNDS),
          monotone: true,
          features: FEATURE_NAMES,
        },
        candidate,
        join(work, String(i)),
      );
      const visits = nodeVisitsPerRow(r.rounds, params.max_depth);
      const last = r.models[r.models.length - 1];
      const trees = last.trees.trees.slice(0, r.rounds);
      const onnxBytes =
        (xgboostToOnnx(last.xgb.model, last.state.features.length).length * r.rounds) /
        last.trees.trees.length;
      const bytes = onnxBytes + JSON.stringify(trees).length + MANIFEST_BESIDES_TREES_BYTES;
      const why = ineligibility({ bundleBytes: bytes, nodeVisitsPerRow: visits });
      const { score: raw } = backtestScore(r);
      const score = why.length === 0 ? raw : Infinity;
      opts.reporter.progress(
        i + 1,
        configs.length,
        `score ${score.toFixed(4)} best ${Math.min(score, best.score).toFixed(4)}`,
      );
      opts.reporter.info(
        `${String(i + 1).padStart(2)}. backtest score ${raw.toFixed(4)} ${JSON.stringify(params)} ` +
          `(${r.rounds} trees, ${visits} node visits/row, bundle ~${(bytes / 1024).toFixed(0)} KiB` +
          `${why.length ? `: not eligible, ${why.join(", ")}` : ""})`,
      );
      if (score < best.score) best = { score, params };
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return best.params;
}
