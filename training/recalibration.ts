// The backtest replay that chooses the online recalibration's parameters (ADR 0050): each fold's
// test year is served month by month, in sale order, by the model fitted on the years before it,
// with a static calibration that never saw that year (the other fold's, as ADR 0026's
// cross-check), and the sale prices of a month come back as feedback after that month. The 2010
// holdout is never read here.
import { calibratedInterval, type Calibration } from "~/ml/calibration";
import { mulberry32 } from "~/ml/encoders";
import { median } from "~/ml/metrics";
import type { PropertyRecord } from "~/ml/schema";
import {
  factorFor,
  Recalibrator,
  type RecalibrationPooling,
  type RecalibrationSettings,
} from "~/monitoring/recalibrate";
import { requiredOnly, type CandidateResult } from "./backtest";
import {
  calibrationRows,
  fieldWeights,
  fitCalibration,
  INTERVAL_LEVEL,
  scoreWithContext,
  type ModelView,
} from "./calibrate";

/** One predicted sale of a test year, with what serving would have said about it. */
export type ReplayRow = {
  month: number;
  /** log(actual) − log(predicted). */
  residual: number;
  /** The static calibration's half-width (log) and group. */
  half: number;
  group: string;
  /** "required": the required fields only; "given": as given. */
  variant: "given" | "required";
};

export type Stream = { fold: string; name: string; rows: ReplayRow[] };

type Test = { records: PropertyRecord[]; prices: number[] };

/**
 * A fold's test year scored by its model, as given and with the required fields only: once per
 * year, since the year is served under two calibrations (as a test year, and as the calibration
 * year of the other fold's cold start).
 */
export type ScoredYear = {
  test: Test;
  given: ReturnType<typeof scoreWithContext>;
  required: ReturnType<typeof scoreWithContext>;
};

export function scoreYear(view: ModelView, test: Test): ScoredYear {
  return {
    test,
    given: scoreWithContext(view, test.records),
    required: scoreWithContext(view, test.records.map(requiredOnly)),
  };
}

/**
 * A scored year served with static intervals from `calib`, as given and with the required
 * fields only: a fold's test year under the other fold's calibration (which never saw it), or
 * a calibration year under its own.
 */
export function foldRows(
  year: ScoredYear,
  calib: Calibration,
): Record<"given" | "required", ReplayRow[]> {
  const { test } = year;
  const served = (variant: "given" | "required") => {
    const { logPred, contexts } = year[variant];
    return contexts.map((ctx, i): ReplayRow => {
      const iv = calibratedInterval(logPred[i], calib, ctx);
      return {
        month: test.records[i].Mo_Sold as number,
        residual: Math.log(test.prices[i]) - logPred[i],
        half: iv.half_width,
        group: iv.group,
        variant,
      };
    });
  };
  return { given: served("given"), required: served("required") };
}

/** The calibration ADR 0026 would fit from one fold's test year alone. */
export function foldCalibration(view: ModelView, fold: CandidateResult["folds"][number]) {
  const weights = fieldWeights([view], [fold]);
  const { rows, sparseAbove } = calibrationRows([view], [fold], weights);
  return fitCalibration(rows, weights, sparseAbove);
}

/**
 * The streams replayed per fold: every sale as given, every sale with the required fields only,
 * and a mix (each sale one way or the other, seeded) where pools of records can differ.
 */
export function streamsOf(fold: string, rows: Record<"given" | "required", ReplayRow[]>): Stream[] {
  const rand = mulberry32(20261202);
  const mixed = rows.given.map((r, i) => (rand() < 0.5 ? r : rows.required[i]));
  return [
    { fold, name: "as given", rows: rows.given },
    { fold, name: "required only", rows: rows.required },
    { fold, name: "mixed", rows: mixed },
  ];
}

export type Tally = { n: number; covered: number; halfSum: number };
export type ReplayResult = {
  static: Record<string, Tally>;
  recalibrated: Record<string, Tally>;
  /** Root mean squared log error of the served point estimate (with a level correction). */
  rmsle: { static: number; served: number };
  /** The largest factor served. */
  maxFactor: number;
  /** The sales served before feedback activated a factor (the cold start), as given/required. */
  cold: Record<string, Tally>;
  /** Each sale as served, in serving order (for the paired bootstrap of two configurations). */
  served: { variant: ReplayRow["variant"]; half: number; factor: number; covered: boolean }[];
};

export type LevelCorrection = { window: number; minCount: number } | undefined;

/**
 * How a year starts before its own feedback takes over (issue 15's cold start). Evaluated by the
 * replay (training/recalibration-cold.ts); `NO_COLD_START` is what serving does.
 */
export type ColdStart = {
  /** Factor served while feedback has not activated one; the shrinkage's target. */
  prior: number;
  /** The window's factor moves from `prior` by n / (n + shrink), n its scores; 0: all the way. */
  shrink: number;
  /** Normalised scores put in the window before any feedback; feedback pushes them out. */
  seed: readonly number[];
};

export const NO_COLD_START: ColdStart = { prior: 1, shrink: 0, seed: [] };

/** The factor served: the feedback's (shrunk toward the prior), else the prior; in the bounds. */
export function servedFactor(
  f: { factor: number; from_feedback: number } | undefined,
  cold: ColdStart,
  settings: Pick<RecalibrationSettings, "minFactor" | "maxFactor">,
): number {
  const w = !f ? 0 : cold.shrink > 0 ? f.from_feedback / (f.from_feedback + cold.shrink) : 1;
  const m = cold.prior + w * ((f?.factor ?? cold.prior) - cold.prior);
  return Math.min(settings.maxFactor, Math.max(settings.minFactor, m));
}

/**
 * Serves the stream month by month in sale order: a month's intervals use the feedback of the
 * months before it; its sale prices are fed back after it. Tallies per variant ("given",
 * "required") and "all". With `level`, the point estimate is also moved by the median residual
 * of the last `level.window` labelled sales (an evaluated option, not served); with `cold`, the
 * year starts from a prior factor and/or seeded window (evaluated options).
 */
export function replay(
  rows: readonly ReplayRow[],
  settings: RecalibrationSettings,
  level?: LevelCorrection,
  cold: ColdStart = NO_COLD_START,
): ReplayResult {
  const recal = new Recalibrator(settings);
  // A seed score is one normalised score (|residual| / half-width with half-width 1).
  for (const s of cold.seed) recal.add("seed", s, 1);
  const tally = () => ({}) as Record<string, Tally>;
  const out: ReplayResult = {
    static: tally(),
    recalibrated: tally(),
    rmsle: { static: 0, served: 0 },
    maxFactor: 1,
    cold: tally(),
    served: [],
  };
  const count = (t: Record<string, Tally>, key: string, covered: boolean, half: number) => {
    for (const k of [key, "all"]) {
      const x = (t[k] ??= { n: 0, covered: 0, halfSum: 0 });
      x.n++;
      x.covered += covered ? 1 : 0;
      x.halfSum += half;
    }
  };
  const signed: number[] = [];
  let sqStatic = 0;
  let sqServed = 0;
  for (let month = 1; month <= 12; month++) {
    const sales = rows.filter((r) => r.month === month);
    const snapshot = recal.snapshot();
    const recent = level ? signed.slice(-level.window) : [];
    const shift = level && recent.length >= level.minCount ? median(recent) : 0;
    for (const r of sales) {
      const f = factorFor(snapshot, r.group);
      const m = servedFactor(f, cold, settings);
      out.maxFactor = Math.max(out.maxFactor, m);
      const err = r.residual - shift;
      const covered = Math.abs(err) <= r.half * m;
      count(out.static, r.variant, Math.abs(r.residual) <= r.half, r.half);
      count(out.recalibrated, r.variant, covered, r.half * m);
      if (!f) count(out.cold, r.variant, covered, r.half * m);
      out.served.push({ variant: r.variant, half: r.half, factor: m, covered });
      sqStatic += r.residual ** 2;
      sqServed += err ** 2;
    }
    for (const r of sales) {
      recal.add(r.group, Math.abs(r.residual - shift), r.half);
      signed.push(r.residual);
    }
  }
  out.rmsle = {
    static: Math.sqrt(sqStatic / rows.length),
    served: Math.sqrt(sqServed / rows.length),
  };
  return out;
}

export const coverage = (t: Tally | undefined) => (t && t.n > 0 ? t.covered / t.n : Number.NaN);

/** The candidate settings: window, minimum count, pooling and cap (the floor stays 1). */
export function settingsGrid(): RecalibrationSettings[] {
  const out: RecalibrationSettings[] = [];
  for (const window of [50, 100, 200, 400, 1000])
    for (const minCount of [20, 50, 100])
      for (const pooling of ["all", "given", "level"] as RecalibrationPooling[])
        for (const maxFactor of [1.5, 2])
          if (minCount <= window)
            out.push({ window, minCount, pooling, minFactor: 1, maxFactor, level: INTERVAL_LEVEL });
  return out;
}

/**
 * The cells a configuration is judged on: per fold, the as-given and required-only streams and
 * the mixed stream's two kinds of records.
 */
export function cellsOf(stream: Stream, result: ReplayResult) {
  const cells: { cell: string; static: Tally; recalibrated: Tally; maxFactor: number }[] = [];
  const keys = stream.name === "mixed" ? ["given", "required"] : ["all"];
  for (const key of keys) {
    cells.push({
      cell: `${stream.fold} ${stream.name}${stream.name === "mixed" ? ` (${key})` : ""}`,
      static: result.static[key],
      recalibrated: result.recalibrated[key],
      maxFactor: result.maxFactor,
    });
  }
  return cells;
}

/**
 * The score of a configuration: the mean over cells of the squared distance of coverage from
 * the target (90%), plus a small price on width (mean served half-width relative to the static
 * one, × 0.001) that breaks ties toward narrower intervals. Lower is better.
 */
export function scoreCells(cells: ReturnType<typeof cellsOf>): number {
  let s = 0;
  for (const c of cells) {
    s += (coverage(c.recalibrated) - INTERVAL_LEVEL) ** 2;
    s += 0.001 * (c.recalibrated.halfSum / c.static.halfSum - 1);
  }
  return s / cells.length;
}
