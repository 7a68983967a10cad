// The cold start of a new year (issue 15, ADR 0057): the candidates the backtest replay scores
// (a prior factor, a seeded window, shrinkage toward the prior), the calibration year's level
// shift, the paired bootstrap that judges a difference, and the recorded outcome.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RECALIBRATION } from "~/inference/monitor/recalibrate.server";
import { conformalQuantile } from "~/ml/interval";
import type { RecalibrationSettings } from "~/monitoring/recalibrate";
import {
  calibrationFacts,
  calibrationScores,
  coldGrid,
  coldStartOf,
  pairedBootstrap,
  scoreServed,
  shiftPrior,
  type CalibrationYear,
} from "../../../training/recalibration-cold";
import {
  cellsOf,
  NO_COLD_START,
  replay,
  scoreCells,
  servedFactor,
  type ReplayRow,
  type Stream,
} from "../../../training/recalibration";

const settings = (over: Partial<RecalibrationSettings> = {}): RecalibrationSettings => ({
  ...RECALIBRATION,
  ...over,
});
const row = (
  month: number,
  residual: number,
  variant: ReplayRow["variant"] = "given",
): ReplayRow => ({ month, residual, half: 0.1, group: "full/typical", variant });
const times = (n: number, f: (i: number) => ReplayRow) => Array.from({ length: n }, (_, i) => f(i));

describe("servedFactor", () => {
  const bounds = { minFactor: 1, maxFactor: 1.5 };

  it("serves the prior until feedback activates a factor, within the bounds", () => {
    expect(servedFactor(undefined, NO_COLD_START, bounds)).toBe(1);
    expect(servedFactor(undefined, { ...NO_COLD_START, prior: 1.1 }, bounds)).toBe(1.1);
    expect(servedFactor(undefined, { ...NO_COLD_START, prior: 0.8 }, bounds)).toBe(1);
    expect(servedFactor(undefined, { ...NO_COLD_START, prior: 3 }, bounds)).toBe(1.5);
  });

  it("without shrinkage the feedback's factor replaces the prior at once", () => {
    const f = { factor: 1.3, from_feedback: 100 };
    expect(servedFactor(f, NO_COLD_START, bounds)).toBe(1.3);
    expect(servedFactor(f, { ...NO_COLD_START, prior: 1.1 }, bounds)).toBe(1.3);
  });

  it("with shrinkage k it moves n / (n + k) of the way from the prior", () => {
    const cold = { prior: 1, shrink: 50, seed: [] };
    expect(servedFactor({ factor: 1.3, from_feedback: 100 }, cold, bounds)).toBeCloseTo(1.2, 12);
    expect(servedFactor({ factor: 1.3, from_feedback: 450 }, cold, bounds)).toBeCloseTo(1.27, 12);
    // Toward a prior above the feedback: narrower than the prior, never below the floor.
    const high = { prior: 1.2, shrink: 100, seed: [] };
    expect(servedFactor({ factor: 1, from_feedback: 100 }, high, bounds)).toBeCloseTo(1.1, 12);
  });
});

describe("the replay with a cold start", () => {
  it("a prior covers what the static interval misses before feedback; the cold tally counts those sales", () => {
    // January: 100 sales 0.105 off (static half-width 0.1): missed statically, covered × 1.1.
    // February: served by the factor of January's feedback, 1.05, with or without the prior.
    const rows = [...times(100, () => row(1, 0.105)), ...times(50, () => row(2, 0.02))];
    const plain = replay(rows, settings());
    const prior = replay(rows, settings(), undefined, { prior: 1.1, shrink: 0, seed: [] });
    expect(plain.cold.all).toMatchObject({ n: 100, covered: 0 });
    expect(prior.cold.all).toMatchObject({ n: 100, covered: 100 });
    expect(prior.cold.all.halfSum).toBeCloseTo(100 * 0.11, 9);
    // From February the feedback's factor (1.05) replaces the prior.
    expect(prior.served[100].factor).toBeCloseTo(1.05, 4);
    expect(plain.served[100].factor).toBeCloseTo(1.05, 4);
    expect(prior.recalibrated.all.covered).toBe(150);
    expect(plain.recalibrated.all.covered).toBe(50);
  });

  it("a seeded window is active from the first sale, and feedback pushes the seed out", () => {
    const seed = Array.from({ length: 200 }, () => 1.4);
    const rows = [...times(200, () => row(1, 0.005)), ...times(10, () => row(2, 0.13))];
    const r = replay(rows, settings(), undefined, { prior: 1, shrink: 0, seed });
    expect(r.cold.all).toBeUndefined();
    expect(r.served[0].factor).toBe(1.4);
    // January's 200 small scores (0.05) replaced the whole seed: February is back at the floor.
    expect(r.served[200].factor).toBe(1);
    expect(r.recalibrated.all.covered).toBe(200);
  });

  it("without a cold start the replay is unchanged (NO_COLD_START is the default)", () => {
    const rows = times(300, (i) => row(1 + (i % 12), ((i % 7) - 3) * 0.04));
    expect(replay(rows, settings(), undefined, NO_COLD_START)).toEqual(replay(rows, settings()));
  });
});

describe("what a cold start may know: the calibration year", () => {
  // Residuals δ + u, u spread evenly in [−0.1, 0.1], half-width 0.1.
  const year = (delta: number): CalibrationYear => {
    const u = (i: number) => -0.1 + (0.2 * i) / 99;
    return {
      given: times(100, (i) => ({ ...row(12 - (i % 12), delta + u(i)) })),
      required: times(100, (i) => ({ ...row(12 - (i % 12), delta + 1.5 * u(i), "required") })),
    };
  };

  it("its level shift is the median residual as given; taken against every sale it widens", () => {
    const flat = calibrationFacts(year(0), 0.9);
    expect(flat.delta).toBeCloseTo(0, 12);
    expect(flat.shifted).toBeCloseTo(flat.plain, 12);
    const q = calibrationFacts(year(0.05), 0.9);
    expect(q.delta).toBeCloseTo(0.05, 12);
    // Every score of the shifted year becomes (|u| + 0.05) / 0.1: the flat year's + 0.5, in the
    // same order; as observed, |0.05 + u| / 0.1, its quantile is smaller.
    expect(q.shifted).toBeCloseTo(flat.plain + 0.5, 12);
    expect(q.plain).toBeLessThan(q.shifted);
    // The prior is the shifted quantile, never below 1 (no shift narrows the interval).
    expect(shiftPrior(q)).toBe(q.shifted);
    expect(shiftPrior({ ...flat, shifted: 0.5 })).toBe(1);
    // The plain quantile is the quantile of the scores a seeded window takes.
    expect(flat.plain).toBe(conformalQuantile(calibrationScores(year(0)), 0.9));
  });

  it("its scores come in sale order, each sale as given then required-only", () => {
    const y = year(0);
    const scores = calibrationScores(y);
    expect(scores).toHaveLength(200);
    const first = y.given.findIndex((r) => r.month === 1);
    expect(scores[0]).toBeCloseTo(Math.abs(y.given[first].residual) / 0.1, 12);
    expect(scores[1]).toBeCloseTo(Math.abs(y.required[first].residual) / 0.1, 12);
    const last = y.given.reduce((k, r, i) => (r.month === 12 ? i : k), -1);
    expect(scores[199]).toBeCloseTo(Math.abs(y.required[last].residual) / 0.1, 12);
  });

  it("a seeded candidate takes the last `window` scores, a shift prior the mirrored quantile", () => {
    const [today, ...rest] = coldGrid(RECALIBRATION);
    const seeded = rest.find((c) => c.seeded && c.settings.window === 100 && c.prior === 1)!;
    const y = year(0.05);
    const facts = calibrationFacts(y, 0.9);
    expect(coldStartOf(seeded, facts).seed).toEqual(calibrationScores(y).slice(-100));
    const shift = rest.find((c) => c.prior === "shift" && !c.seeded)!;
    expect(coldStartOf(shift, facts).prior).toBe(shiftPrior(facts));
    expect(coldStartOf(today, facts)).toEqual(NO_COLD_START);
  });
});

describe("the grid and its judgement", () => {
  it("starts with today's configuration and holds it only once; one pool, floor 1, cap 1.5", () => {
    const grid = coldGrid(RECALIBRATION);
    expect(grid[0]).toMatchObject({ kind: "today", settings: RECALIBRATION, prior: 1, shrink: 0 });
    expect(new Set(grid.map((c) => c.name)).size).toBe(grid.length);
    const same = grid.filter(
      (c) =>
        !c.seeded &&
        c.prior === 1 &&
        c.shrink === 0 &&
        c.settings.window === RECALIBRATION.window &&
        c.settings.minCount === RECALIBRATION.minCount,
    );
    expect(same).toHaveLength(1);
    for (const c of grid) {
      expect(c.settings).toMatchObject({ pooling: "all", minFactor: 1, maxFactor: 1.5 });
      expect(c.settings.minCount).toBeLessThanOrEqual(c.settings.window);
    }
  });

  const streams: Stream[] = [
    {
      fold: "f",
      name: "as given",
      rows: times(240, (i) => row(1 + (i % 12), ((i % 11) - 5) * 0.022)),
    },
    {
      fold: "f",
      name: "mixed",
      rows: times(240, (i) =>
        row(1 + (i % 12), ((i % 13) - 6) * 0.02, i % 3 ? "given" : "required"),
      ),
    },
  ];

  it("scoreServed scores the sales as served exactly as scoreCells scores the tallies", () => {
    for (const cold of [NO_COLD_START, { prior: 1.2, shrink: 50, seed: [] }]) {
      const results = streams.map((st) =>
        replay(st.rows, settings({ minCount: 50 }), undefined, cold),
      );
      const cells = streams.flatMap((st, i) => cellsOf(st, results[i]));
      expect(
        scoreServed(
          streams,
          results.map((r) => r.served),
        ),
      ).toBeCloseTo(scoreCells(cells), 15);
    }
  });

  it("the paired bootstrap: zero for the same configuration, below zero for a clearly better one", () => {
    // |residual| spread evenly over (0, 0.1443): 69% inside the static 0.1, 90% inside × 1.3;
    // feedback never activates (minimum 1,000), so only the prior differs.
    const far: Stream[] = streams.map((st) => ({
      ...st,
      rows: st.rows.map((r, i) => ({
        ...r,
        residual: (i % 2 ? 1 : -1) * 0.1443 * ((((i * 37) % 240) + 0.5) / 240),
      })),
    }));
    const never = settings({ window: 1000, minCount: 1000 });
    const run = (prior: number) => {
      const results = far.map((st) =>
        replay(st.rows, never, undefined, { prior, shrink: 0, seed: [] }),
      );
      const cells = far.flatMap((st, i) => cellsOf(st, results[i]));
      return { served: results.map((r) => r.served), score: scoreCells(cells) };
    };
    const base = run(1);
    expect(pairedBootstrap(far, base, base, 200)).toEqual({
      diff: 0,
      low: 0,
      high: 0,
      candidateBetter: 0,
    });
    // Static coverage here is far below 90%; a prior that widens every interval is better.
    const wide = pairedBootstrap(far, base, run(1.3), 200);
    expect(wide.diff).toBeLessThan(0);
    expect(wide.high).toBeLessThan(0);
    expect(wide.candidateBetter).toBe(1);
    // … and the reverse comparison says the opposite.
    expect(pairedBootstrap(far, run(1.3), base, 200).low).toBeGreaterThan(0);
  });

  it("the recorded check adopted nothing: serving keeps today's configuration (ADR 0057)", () => {
    const record = JSON.parse(readFileSync("training/recalibration.json", "utf8")) as {
      score: number;
      chosen: RecalibrationSettings;
      cold_start: {
        adopted: unknown;
        today: { score: number };
        best_per_kind: { vs_today: { high: number } | null; passes: boolean }[];
      };
    };
    expect(record.cold_start.adopted).toBeNull();
    expect(record.cold_start.today.score).toBe(record.score);
    for (const k of record.cold_start.best_per_kind) expect(k.passes).toBe(false);
    expect(RECALIBRATION).toEqual(record.chosen);
  });
});
