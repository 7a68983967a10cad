// CLI: `npm run train:recalibration`. Replays the backtest's test years month by month with
// feedback after each month, scores every online-recalibration configuration (training/
// recalibration.ts), records the choice in training/recalibration.json and prints the tables
// for docs/training.md. Never reads the 2010 holdout. ~20 s.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FEATURE_NAMES } from "~/ml/features";
import type { RecalibrationSettings } from "~/monitoring/recalibrate";
import { backtestCandidate } from "./backtest";
import { foldView } from "./calibrate";
import { chosenCandidate, readSelection } from "./candidates";
import { BACKTEST_FOLDS, loadDataset } from "./data";
import { BEST_PARAMS, MAX_ROUNDS, roundCap } from "./params";
import {
  cellsOf,
  coverage,
  foldCalibration,
  foldRows,
  replay,
  scoreCells,
  scoreYear,
  settingsGrid,
  streamsOf,
  type LevelCorrection,
  type Stream,
} from "./recalibration";
import {
  calibrationFacts,
  coldGrid,
  coldStartOf,
  pairedBootstrap,
  type CalibrationYear,
} from "./recalibration-cold";
import { consoleReporter } from "./report";
import { assertXgboost } from "./xgboost";
import { writeFormatted } from "../scripts/write-formatted";

const OUT = "training/recalibration.json";

async function main(): Promise<void> {
  assertXgboost();
  const r = consoleReporter();
  const workDir = mkdtempSync(join(tmpdir(), "ames-recal-"));
  try {
    const ds = await r.stage("Load and validate data", () => loadDataset("data/ames.csv"));
    const base = {
      params: BEST_PARAMS,
      rounds: roundCap(BEST_PARAMS.max_depth, MAX_ROUNDS),
      monotone: true,
      features: FEATURE_NAMES,
    };
    const bt = await r.stage("Backtest (the training pipeline's folds)", () =>
      backtestCandidate(ds, base, chosenCandidate(readSelection()), workDir, r),
    );
    const views = bt.models.map((m, k) => foldView(m, bt.folds[k].fit, bt.rounds));
    const folds = await r.stage("Serve each test year with the other year's calibration", () => {
      const years = views.map((view, k) => scoreYear(view, bt.folds[k].test));
      return views.map((_, k) => {
        const other = 1 - k;
        const calib = foldCalibration(views[other], bt.folds[other]);
        const { fit, test } = BACKTEST_FOLDS[k];
        const fold = `${fit[0]}–${fit[fit.length - 1]} → ${test[0]}`;
        return {
          streams: streamsOf(fold, foldRows(years[k], calib)),
          // The year that calibration was fitted on, under it: what a cold start may use.
          calibrationYear: foldRows(years[other], calib),
        };
      });
    });
    const streams = folds.flatMap((f) => f.streams);
    const evaluate = (s: RecalibrationSettings, level?: LevelCorrection) => {
      const cells = streams.flatMap((st) => cellsOf(st, replay(st.rows, s, level)));
      return { cells, score: scoreCells(cells) };
    };
    const ranked = settingsGrid()
      .map((s) => ({ settings: s, ...evaluate(s) }))
      .sort((a, b) => a.score - b.score);
    const best = ranked[0];
    const staticScore = scoreCells(best.cells.map((c) => ({ ...c, recalibrated: c.static })));
    const level = levelCheck(streams, best.settings);
    const cold = coldStartCheck(folds, best.settings);
    const record = {
      chosen: best.settings,
      rule:
        "backtest replay, each test year month by month with the other year's static calibration; " +
        "score = mean over cells (fold × as given / required only / mixed as given / mixed " +
        "required) of (coverage − 0.90)² + 0.001 × (mean half-width / static − 1); lowest wins",
      score: round(best.score),
      static_score: round(staticScore),
      ties: "the first in grid order: smaller window, smaller minimum count, all before per pool, smaller cap",
      cells: best.cells.map((c) => ({
        cell: c.cell,
        n: c.static.n,
        static: round(coverage(c.static)),
        recalibrated: round(coverage(c.recalibrated)),
        width_ratio: round(c.recalibrated.halfSum / c.static.halfSum),
        max_factor: c.maxFactor,
      })),
      level_correction: level,
      cold_start: cold,
      ranking: ranked.map((x) => ({ ...x.settings, score: round(x.score) })),
    };
    await writeFormatted(OUT, JSON.stringify(record), "json");
    console.log(`\nchosen: ${JSON.stringify(best.settings)}  (${ranked.length} configurations)`);
    console.log(
      "| cell | n | static | recalibrated | width × | max m |\n| --- | --- | --- | --- | --- | --- |",
    );
    for (const c of record.cells) {
      console.log(
        `| ${c.cell} | ${c.n} | ${pct(c.static)} | ${pct(c.recalibrated)} | ${c.width_ratio.toFixed(3)} | ${c.max_factor} |`,
      );
    }
    console.log(
      `score ${record.score} (static ${record.static_score}); level: ${JSON.stringify(level)}`,
    );
    printCold(cold);
    console.log(`written ${OUT}`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * The level correction option: the same replay with the point estimate moved by the median
 * residual of the recent feedback. Its RMSLE and coverage against the chosen configuration's.
 */
function levelCheck(streams: Stream[], settings: RecalibrationSettings) {
  return [100, 200, 400].map((window) => {
    const rows = streams
      .filter((s) => s.name !== "mixed")
      .map((s) => {
        const plain = replay(s.rows, settings);
        const moved = replay(s.rows, settings, { window, minCount: settings.minCount });
        return {
          stream: `${s.fold} ${s.name}`,
          rmsle: round(plain.rmsle.static),
          rmsle_level: round(moved.rmsle.served),
          coverage: round(coverage(plain.recalibrated.all)),
          coverage_level: round(coverage(moved.recalibrated.all)),
        };
      });
    return { window, rows };
  });
}

type FoldData = { streams: Stream[]; calibrationYear: CalibrationYear };

/**
 * The cold-start candidates (issue 15) against today's configuration, scored the same way, per
 * fold too. A candidate replaces today's only if its score is lower, neither fold's score is
 * higher (it must not buy one year with the other), and the difference is more than the noise
 * of the evaluation sales (paired bootstrap, 95% interval below 0). The third condition was
 * added after the first run (ADR 0057 says why).
 */
function coldStartCheck(folds: FoldData[], today: RecalibrationSettings) {
  const streams = folds.flatMap((f) => f.streams);
  const facts = folds.map((f) => calibrationFacts(f.calibrationYear, today.level));
  const scored = coldGrid(today).map((c) => {
    const perFold = folds.map((f, k) => {
      const cold = coldStartOf(c, facts[k]);
      const results = f.streams.map((st) => replay(st.rows, c.settings, undefined, cold));
      const cells = f.streams.flatMap((st, i) => cellsOf(st, results[i]));
      return { cells, results, score: scoreCells(cells), prior: cold.prior };
    });
    const cells = perFold.flatMap((f) => f.cells);
    const served = perFold.flatMap((f) => f.results.map((x) => x.served));
    return { c, cells, served, score: scoreCells(cells), perFold };
  });
  const base = scored[0];
  const ranked = [...scored].sort((a, b) => a.score - b.score);
  const noise = new Map<(typeof scored)[number], ReturnType<typeof pairedBootstrap>>();
  const vsToday = (x: (typeof scored)[number]) => {
    if (!noise.has(x)) noise.set(x, pairedBootstrap(streams, base, x));
    return noise.get(x)!;
  };
  const passes = (x: (typeof scored)[number]) =>
    x !== base &&
    x.score < base.score &&
    x.perFold.every((f, k) => f.score <= base.perFold[k].score) &&
    vsToday(x).high < 0;
  const adopted = ranked.find(passes);
  const summary = (x: (typeof scored)[number]) => ({
    name: x.c.name,
    kind: x.c.kind,
    score: round(x.score),
    fold_scores: x.perFold.map((f) => round(f.score)),
    priors: x.perFold.map((f) => round(f.prior)),
    // The noise of the evaluation sales: candidate − today, 95% interval, share of resamples better.
    vs_today: x === base ? null : roundAll(vsToday(x)),
    coverage: Object.fromEntries(
      x.cells.map((cell) => [cell.cell, round(coverage(cell.recalibrated))]),
    ),
    width_ratio: Object.fromEntries(
      x.cells.map((cell) => [cell.cell, round(cell.recalibrated.halfSum / cell.static.halfSum)]),
    ),
    // Sales served before feedback activated a factor, per stream (mixed: both kinds).
    cold_start: Object.fromEntries(
      x.perFold.flatMap((f, k) =>
        folds[k].streams.map((st, i) => {
          const t = f.results[i].cold.all;
          return [`${st.fold} ${st.name}`, t ? { n: t.n, coverage: round(coverage(t)) } : null];
        }),
      ),
    ),
  });
  const family = (x: (typeof scored)[number]) =>
    x.c.kind === "prior" ? `${x.c.kind} ${x.c.prior}` : x.c.kind;
  const families = [...new Set(scored.slice(1).map(family))];
  return {
    calibration_years: facts.map((q) => ({
      delta: round(q.delta),
      quantile: round(q.plain),
      shifted: round(q.shifted),
    })),
    rule:
      "replaces today's only if the score is lower, neither fold's score is higher, and the " +
      "paired bootstrap's 95% interval of the difference lies below 0 (not the noise of the sales)",
    candidates: scored.length,
    adopted: adopted ? summary(adopted) : null,
    today: summary(base),
    best_per_kind: families.map((k) => {
      const best = ranked.find((x) => x !== base && family(x) === k)!;
      return { family: k, ...summary(best), passes: passes(best) };
    }),
    // Acting earlier: the best candidate (any window, prior, shrinkage) per minimum count.
    best_per_min_count: [...new Set(scored.map((x) => x.c.settings.minCount))]
      .sort((a, b) => a - b)
      .map((minCount) => {
        const best = ranked.find((x) => !x.c.seeded && x.c.settings.minCount === minCount)!;
        return {
          min_count: minCount,
          name: best.c.name,
          score: round(best.score),
          fold_scores: best.perFold.map((f) => round(f.score)),
        };
      }),
    ranking: ranked.slice(0, 25).map((x) => ({
      name: x.c.name,
      score: round(x.score),
      fold_scores: x.perFold.map((f) => round(f.score)),
    })),
  };
}

/** The table for docs/training.md and ADR 0057. */
function printCold(cold: ReturnType<typeof coldStartCheck>) {
  console.log(`\ncold start: ${cold.candidates} candidates; ${cold.rule}`);
  console.log(
    "| candidate (best of its kind) | score | 2008 / 2009 | 2008 given / req | 2009 given / req | " +
      "cold sales given 2008 / 2009 | width × 2009 given | vs today [95%] | better in |\n" +
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const x of [cold.today, ...cold.best_per_kind]) {
    const cov = Object.values(x.coverage).map(pct);
    const c = Object.values(x.cold_start).map((t) => (t ? `${pct(t.coverage)} (${t.n})` : "—"));
    const w = Object.values(x.width_ratio);
    const v = x.vs_today;
    console.log(
      `| ${x.name} | ${x.score} | ${x.fold_scores.join(" / ")} | ${cov[0]} / ${cov[1]} | ` +
        `${cov[4]} / ${cov[5]} | ${c[0]} / ${c[3]} | ${w[4]} | ` +
        `${v ? `${v.diff} [${v.low}, ${v.high}]` : "—"} | ${v ? pct(v.candidateBetter) : "—"} |`,
    );
  }
  console.log(`best per minimum count: ${JSON.stringify(cold.best_per_min_count)}`);
  console.log(`calibration years: ${JSON.stringify(cold.calibration_years)}`);
  console.log(`adopted: ${cold.adopted ? cold.adopted.name : "none"}`);
}

const round = (x: number) => Number(x.toPrecision(4));
const roundAll = <T extends Record<string, number>>(o: T) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)])) as T;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
