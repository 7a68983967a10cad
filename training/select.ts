// Model selection by the backtest (`npm run train -- --select`): every candidate is backtested
// with several XGBoost seeds and scored on the test years only; the best mean score is
// recorded in training/selection.json, which the default run ships. The holdout is not read.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FEATURE_NAMES } from "~/ml/features";
import { regressionMetrics } from "~/ml/metrics";
import { backtestCandidate, type CandidateResult } from "./backtest";
import { CANDIDATES, parts, SELECTION_FILE, type Selection } from "./candidates";
import { loadDataset } from "./data";
import { BEST_PARAMS, roundCap } from "./params";
import type { Reporter } from "./report";
import type { XgbParams } from "./xgboost";

export const SELECTION_SEEDS = [42, 7, 3];

/** The accuracy targets (holdout RMSLE 0.152, MAPE 10%) as the unit of each metric. */
const score1 = (m: { rmsle: number; mape: number }) => m.rmsle / 0.152 + m.mape / 10;

/**
 * A backtest's score: over the folds, the mean of the full-record and the required-only score
 * (most people give only the required fields; both kinds of estimate have to be good).
 */
export function backtestScore(r: CandidateResult): {
  score: number;
  full: number;
  required: number;
} {
  let full = 0;
  let required = 0;
  for (const f of r.folds) {
    full += score1(regressionMetrics(f.test.prices, f.full, 0)) / r.folds.length;
    required += score1(regressionMetrics(f.test.prices, f.required, 0)) / r.folds.length;
  }
  return { score: (full + required) / 2, full, required };
}

/**
 * A part is kept only if it pays: the seed-to-seed spread of a candidate's mean score is about
 * 0.3–1%, so a candidate with fewer parts within this margin of the best is chosen instead.
 */
export const SIMPLER_WITHIN = 0.005;

export const SELECTION_RULE =
  "backtest score = per fold (fit 2006–07 → test 2008, fit 2006–08 → test 2009) the mean of the " +
  "full-record and required-only (RMSLE/0.152 + MAPE/10), averaged over 3 XGBoost seeds; the " +
  "lowest wins, unless a candidate with fewer parts scores within 0.5% of it";

/** The best-scoring candidate, or the simplest one within SIMPLER_WITHIN of it. */
export function chooseCandidate(rows: readonly { name: string; score: number }[]): string {
  const best = rows.reduce((a, b) => (b.score < a.score ? b : a));
  const partsOf = (name: string) => parts(CANDIDATES.find((c) => c.name === name)!);
  const near = rows.filter((r) => r.score <= best.score * (1 + SIMPLER_WITHIN));
  return near.reduce((a, b) =>
    partsOf(b.name) < partsOf(a.name) || (partsOf(b.name) === partsOf(a.name) && b.score < a.score)
      ? b
      : a,
  ).name;
}

export async function selectCandidate(opts: {
  dataFile?: string;
  params?: XgbParams;
  reporter: Reporter;
  write?: boolean;
}): Promise<Selection> {
  const ds = loadDataset(opts.dataFile ?? "data/ames.csv");
  const params = opts.params ?? BEST_PARAMS;
  const work = mkdtempSync(join(tmpdir(), "ames-select-"));
  const rows: Selection["candidates"] = [];
  try {
    for (const c of CANDIDATES) {
      const per: { seed: number; rounds: number; score: number; full: number; required: number }[] =
        [];
      for (const seed of SELECTION_SEEDS) {
        const r = await backtestCandidate(
          ds,
          {
            params,
            rounds: roundCap(params.max_depth),
            monotone: true,
            features: FEATURE_NAMES,
            seed,
          },
          c,
          join(work, `s${seed}`),
          opts.reporter,
        );
        per.push({ seed, rounds: r.rounds, ...backtestScore(r) });
      }
      const mean = (k: "score" | "full" | "required") =>
        Number((per.reduce((s, p) => s + p[k], 0) / per.length).toFixed(4));
      rows.push({
        name: c.name,
        description: c.description,
        score: mean("score"),
        full: mean("full"),
        required: mean("required"),
        per_seed: per.map((p) => ({ ...p, score: Number(p.score.toFixed(4)) })),
      });
      opts.reporter.info(
        `${c.name.padEnd(22)} score ${mean("score").toFixed(4)} (full ${mean("full").toFixed(4)}, ` +
          `required-only ${mean("required").toFixed(4)}; rounds ${per.map((p) => p.rounds).join("/")})`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const selection: Selection = {
    chosen: chooseCandidate(rows),
    rule: SELECTION_RULE,
    seeds: SELECTION_SEEDS,
    candidates: rows,
  };
  if (opts.write !== false)
    writeFileSync(SELECTION_FILE, JSON.stringify(selection, null, 2) + "\n");
  return selection;
}
