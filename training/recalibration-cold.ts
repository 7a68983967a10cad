// Cold start of a new year (issue 15): the candidates the backtest replay scores for the months
// before a year's own feedback is enough. Each takes what a served year could know beforehand:
// the calibration year (the other fold's test year, which its static calibration was fitted on),
// scored under that calibration. The 2010 holdout is never read here.
import { conformalQuantile } from "~/ml/interval";
import type { RecalibrationSettings } from "~/monitoring/recalibrate";
import { mulberry32 } from "~/ml/encoders";
import { median } from "~/ml/metrics";
import {
  scoreCells,
  type ColdStart,
  type ReplayResult,
  type ReplayRow,
  type Stream,
} from "./recalibration";

/** The calibration year's rows under its own calibration, as given and required-only. */
export type CalibrationYear = Record<"given" | "required", ReplayRow[]>;

/**
 * Its normalised scores |residual| / half-width in sale order (month, then data order), each
 * sale as given then required-only: the feedback a year of the same mix would have given.
 */
export function calibrationScores(year: CalibrationYear): number[] {
  const order = year.given.map((r, i) => ({ month: r.month, i })).sort((a, b) => a.month - b.month);
  return order.flatMap(({ i }) =>
    [year.given[i], year.required[i]].map((r) => Math.abs(r.residual) / r.half),
  );
}

/**
 * What a cold start may take from the calibration year, read once per fold: its scores in sale
 * order, its level shift δ (its median residual as given: the model fitted before that year
 * missed its price level by δ), and the scores' conformal quantile, plain and with the shift
 * taken against every sale, (|residual − δ| + |δ|) / half-width, i.e. a new year may miss its
 * level by as much, in whichever direction hurts. (Mirroring the shift alone, |residual − 2δ|,
 * changes nothing for residuals symmetric about δ.)
 */
export type CalibrationFacts = { scores: number[]; delta: number; plain: number; shifted: number };

export function calibrationFacts(year: CalibrationYear, level: number): CalibrationFacts {
  const scores = calibrationScores(year);
  const delta = median(year.given.map((r) => r.residual));
  const shifted = [...year.given, ...year.required].map(
    (r) => (Math.abs(r.residual - delta) + Math.abs(delta)) / r.half,
  );
  return {
    scores,
    delta,
    plain: conformalQuantile(scores, level),
    shifted: conformalQuantile(shifted, level),
  };
}

/** A new year's prior factor from the calibration year's level shift: never below 1. */
export function shiftPrior(facts: CalibrationFacts): number {
  return Math.max(1, facts.shifted);
}

/** One cold-start candidate: the settings, and how to build its ColdStart from a fold's calibration facts. */
export type ColdCandidate = {
  name: string;
  settings: RecalibrationSettings;
  /** What it varies from today's configuration. */
  kind: "today" | "min count" | "prior" | "shrink" | "seed";
  prior: number | "shift";
  shrink: number;
  seeded: boolean;
};

export function coldStartOf(c: ColdCandidate, facts: CalibrationFacts): ColdStart {
  const prior = c.prior === "shift" ? shiftPrior(facts) : c.prior;
  const seed = c.seeded ? facts.scores.slice(-c.settings.window) : [];
  return { prior, shrink: c.shrink, seed };
}

/**
 * The grid: (a) a prior factor for the months before feedback (constant, or from the last
 * year's level shift), (b) the window seeded with the calibration year's latest scores, (c) the
 * window's factor shrunk toward the prior while it has few scores, with smaller minimum counts;
 * one pool, floor 1, cap 1.5 (ADR 0050's choice). The first is today's configuration.
 */
export function coldGrid(base: RecalibrationSettings): ColdCandidate[] {
  const out: ColdCandidate[] = [
    { name: "today", settings: base, kind: "today", prior: 1, shrink: 0, seeded: false },
  ];
  for (const window of [100, 200, 400])
    for (const minCount of [10, 20, 30, 50, 75, 100])
      for (const prior of [1, 1.05, 1.1, "shift"] as const)
        for (const shrink of [0, 25, 50, 100, 200]) {
          if (minCount > window) continue;
          if (window === base.window && minCount === base.minCount && prior === 1 && shrink === 0)
            continue; // today's
          out.push({
            name: `window ${window}, min ${minCount}, prior ${prior}, shrink ${shrink}`,
            settings: { ...base, window, minCount },
            kind: shrink > 0 ? "shrink" : prior !== 1 ? "prior" : "min count",
            prior,
            shrink,
            seeded: false,
          });
        }
  // A seeded window is full from the first sale: no prior is ever served, so none is varied.
  for (const window of [100, 200, 400])
    out.push({
      name: `window ${window} seeded`,
      settings: { ...base, window },
      kind: "seed",
      prior: 1,
      shrink: 0,
      seeded: true,
    });
  return out;
}

type Served = ReplayResult["served"];

/**
 * scoreCells from the sales as served, over `picks` (indices into each stream's sales; all of
 * them when absent): the same cells, a mixed stream's two kinds apart. For the bootstrap's
 * resamples: the whole replay's score is its own tallies'.
 */
export function scoreServed(
  streams: readonly Pick<Stream, "name">[],
  served: readonly Served[],
  picks?: readonly (readonly number[])[],
): number {
  const cells = streams.flatMap((st, s) => {
    const keys = st.name === "mixed" ? (["given", "required"] as const) : ([undefined] as const);
    const idx = picks?.[s] ?? served[s].map((_, i) => i);
    return keys.map((key) => {
      const cell = {
        cell: key ?? "all",
        static: { n: 0, covered: 0, halfSum: 0 },
        recalibrated: { n: 0, covered: 0, halfSum: 0 },
        maxFactor: 1,
      };
      for (const i of idx) {
        const x = served[s][i];
        if (key && x.variant !== key) continue;
        cell.static.n++;
        cell.static.halfSum += x.half;
        cell.recalibrated.n++;
        cell.recalibrated.covered += x.covered ? 1 : 0;
        cell.recalibrated.halfSum += x.half * x.factor;
      }
      return cell;
    });
  });
  return scoreCells(cells);
}

/** A configuration's replay: each stream's sales as served, and its score (scoreCells). */
export type ScoredReplay = { served: readonly Served[]; score: number };

/**
 * Paired bootstrap of a score difference (candidate − reference): the sales of every stream
 * resampled with replacement, the same sales for both. The feedback each sale was served with
 * stays as replayed, so this is the noise of the evaluation sales, not of the feedback order.
 */
export function pairedBootstrap(
  streams: readonly Pick<Stream, "name">[],
  reference: ScoredReplay,
  candidate: ScoredReplay,
  resamples = 2000,
  seed = 20261202,
): { diff: number; low: number; high: number; candidateBetter: number } {
  const rand = mulberry32(seed);
  const diffs: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const picks = reference.served.map((s) => Array.from(s, () => Math.floor(rand() * s.length)));
    diffs.push(
      scoreServed(streams, candidate.served, picks) - scoreServed(streams, reference.served, picks),
    );
  }
  diffs.sort((x, y) => x - y);
  return {
    diff: candidate.score - reference.score,
    low: diffs[Math.floor(0.025 * resamples)],
    high: diffs[Math.ceil(0.975 * resamples) - 1],
    candidateBetter: diffs.filter((d) => d < 0).length / resamples,
  };
}
