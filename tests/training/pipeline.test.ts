// End-to-end on the real data with the real XGBoost CLI and onnxruntime-node (no mocks).
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseManifest } from "~/ml/bundle";
import { featurize } from "~/ml/features";
import { createOrtSession, runOrt } from "~/inference/onnx.server";
import { backtestCandidate } from "../../training/backtest";
import { CANDIDATES, chosenCandidate, readSelection } from "../../training/candidates";
import { HOLDOUT_YEARS, loadDataset, selectYears } from "../../training/data";
import { trainModel, type TrainOutcome } from "../../training/pipeline";
import {
  BEST_PARAMS,
  INFERENCE_BUDGET_NODE_VISITS,
  MAX_ROUNDS,
  roundCap,
} from "../../training/params";
import { chooseCandidate } from "../../training/select";
import { candidateConfigs, ineligibility } from "../../training/tune";
import { FEATURE_NAMES } from "~/ml/features";

const ds = loadDataset("data/ames.csv");

describe("training pipeline (fewer rounds)", () => {
  let out: TrainOutcome;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "train-test-"));
    out = await trainModel({ rounds: 150, outDir: dir, createdAt: "2000-01-01T00:00:00.000Z" });
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it("ONNX trees match `xgboost task=pred` bit for bit, the whole graph the TS reference", () => {
    expect(out.parity?.trees).toEqual({ rows: 2930, exact: 2930, maxAbsDiff: 0, maxRelDiff: 0 });
    expect(out.parity?.model.rows).toBe(2930);
    expect(out.parity?.model.maxRelDiff).toBeLessThanOrEqual(1e-6);
  });

  it("reaches a sane holdout accuracy; the interval holds on the backtest it was calibrated on", () => {
    const h = out.manifest.metrics.holdout;
    expect(h.n).toBe(341);
    expect(h.rmsle).toBeLessThan(0.19);
    expect(h.mape).toBeLessThan(13);
    expect(out.manifest.metrics.eval.coverage).toBeGreaterThanOrEqual(0.88);
  });

  it("writes a bundle whose model, served with the shared features, reproduces the metrics", async () => {
    const version = readFileSync(join(dir, "LATEST"), "utf8").trim();
    const manifest = parseManifest(
      JSON.parse(readFileSync(join(dir, version, "manifest.json"), "utf8")),
    );
    expect(manifest.version).toBe(version);
    const session = await createOrtSession(join(dir, version, "model.onnx"));
    const holdout = selectYears(ds, HOLDOUT_YEARS);
    const fm = featurize(holdout.records, manifest.feature_state);
    const pred = await runOrt(session, fm.matrix, fm.nRows, fm.nFeatures);
    const rmsle = Math.sqrt(
      holdout.prices.reduce((s, p, j) => s + (Math.log(p) - pred[j]) ** 2, 0) /
        holdout.prices.length,
    );
    expect(rmsle).toBeCloseTo(manifest.metrics.holdout.rmsle, 4);
    await session.release();
  });

  it("refits on 2006–2009 only: no statistic, index or reference row comes from 2010", () => {
    const m = out.manifest;
    expect(m.data.split.train).toEqual({ years: [2006, 2007, 2008, 2009], rows: 2584 });
    expect(m.data.split.eval).toEqual({ years: [2008, 2009], rows: 1270 });
    const shares = Object.values(out.final.state.frequency.Neighborhood_Freq.map);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(out.final.state.nearby.value).toHaveLength(2584);
    expect(m.reference?.rows).toBe(2584);
    expect(m.comparables?.sale_price).toHaveLength(2584);
    expect(Math.max(...(m.comparables?.year_sold ?? []))).toBe(2009);
  });

  it("calibrates on the backtest's test years, in all variants of what was given", () => {
    const c = out.calibration;
    const byGiven = (g: string) => c.cells.find((x) => x.given === g && x.sale === "any");
    // Every test-year home once as given (full), once with the required fields only.
    expect(byGiven("full")!.n).toBeLessThanOrEqual(1270 * 2);
    expect(byGiven("required")!.n).toBeGreaterThan(1000);
    expect(byGiven("required")!.q).toBeGreaterThan(byGiven("full")!.q);
    expect(c.sparse_factor).toBeGreaterThanOrEqual(1);
    const weights = Object.values(c.field_weights);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
  });

  it("records the backtest, the selection and the card's data", () => {
    const m = out.manifest;
    expect(m.backtest?.folds.map((f) => f.test_years)).toEqual([[2008], [2009]]);
    expect(m.backtest?.rounds).toBe(m.xgboost.n_trees);
    expect(m.backtest?.selection.chosen).toBe(readSelection().chosen);
    expect(m.card.shap_importance?.reduce((a, x) => a + x.share, 0)).toBeCloseTo(1, 3);
    expect(m.card.holdout?.full.all.ci95.rmsle[0]).toBeLessThan(m.card.holdout!.full.all.rmsle);
    expect(m.card.monotonicity?.every((x) => x.drops === 0)).toBe(true);
  });
});

describe("default run (recorded parameters and candidate)", () => {
  let again: TrainOutcome;
  const version = readFileSync("models/LATEST", "utf8").trim();

  beforeAll(async () => {
    again = await trainModel({ parity: false });
  });

  it("retraining gives the committed model.onnx byte for byte", () => {
    const committed = readFileSync(join("models", version, "model.onnx"));
    expect(Buffer.from(again.onnx).equals(committed)).toBe(true);
  });

  it("fits within the inference budget with the round count the backtest chose", () => {
    const cap = roundCap(BEST_PARAMS.max_depth);
    expect(again.backtest.curve).toHaveLength(Math.min(MAX_ROUNDS, cap));
    const trees = again.manifest.xgboost.n_trees;
    expect(trees).toBe(again.backtest.rounds);
    expect(trees * BEST_PARAMS.max_depth).toBeLessThanOrEqual(INFERENCE_BUDGET_NODE_VISITS);
    expect(again.manifest.inference).toEqual({
      max_depth: BEST_PARAMS.max_depth,
      node_visits_per_row: trees * BEST_PARAMS.max_depth,
      budget_node_visits: INFERENCE_BUDGET_NODE_VISITS,
    });
  });

  it("the committed bundle's trees × max_depth is within the inference budget", () => {
    const m = parseManifest(
      JSON.parse(readFileSync(join("models", version, "manifest.json"), "utf8")),
    );
    const depth = Number(m.xgboost.params.max_depth);
    expect(Number.isInteger(depth) && depth > 0).toBe(true);
    // Counted from the trees themselves, not from the recorded figure.
    expect(m.explain.trees).toHaveLength(m.xgboost.n_trees);
    expect(m.xgboost.n_trees * depth).toBeLessThanOrEqual(INFERENCE_BUDGET_NODE_VISITS);
    expect(m.inference?.node_visits_per_row).toBe(m.xgboost.n_trees * depth);
  });
});

describe("model selection", () => {
  it("the recorded choice is a candidate, chosen by the rule from the recorded scores", () => {
    const sel = readSelection();
    expect(CANDIDATES.map((c) => c.name)).toContain(chosenCandidate(sel).name);
    expect(chooseCandidate(sel.candidates)).toBe(sel.chosen);
  });

  it("prefers the candidate with fewer parts within 0.5% of the best", () => {
    const rows = [
      { name: "trees", score: 2.1 },
      { name: "linear+trees", score: 2.009 },
      { name: "linear+trees+weights", score: 2.0 },
    ];
    expect(chooseCandidate(rows)).toBe("linear+trees");
    expect(chooseCandidate([...rows.slice(0, 2), { ...rows[2], score: 1.99 }])).toBe(
      "linear+trees+weights",
    );
  });
});

describe("inference budget for search candidates", () => {
  it("caps rounds by depth: 1,200 / 800 / 600 / 400 at depth 2 / 3 / 4 / 6", () => {
    expect([2, 3, 4, 6].map((d) => roundCap(d))).toEqual([1200, 800, 600, 400]);
    expect(roundCap(3, 150)).toBe(150);
    for (const p of candidateConfigs()) {
      expect(roundCap(p.max_depth) * p.max_depth).toBeLessThanOrEqual(INFERENCE_BUDGET_NODE_VISITS);
    }
  });

  it("refuses trees deeper than explanations support, before fitting anything", async () => {
    expect(() => roundCap(7)).toThrow(/max_depth 7 is over 6/);
    await expect(trainModel({ params: { ...BEST_PARAMS, max_depth: 8 } })).rejects.toThrow(
      /explanations .* support trees up to depth 6/,
    );
  });

  it("a depth-6 candidate asked for 2,000 rounds is fitted with at most budget / depth", async () => {
    const work = mkdtempSync(join(tmpdir(), "deep-"));
    try {
      const r = await backtestCandidate(
        ds,
        {
          params: { ...BEST_PARAMS, max_depth: 6 },
          rounds: roundCap(6, 2000),
          monotone: true,
          features: FEATURE_NAMES,
        },
        CANDIDATES[0],
        work,
      );
      expect(r.curve).toHaveLength(400);
      expect(r.rounds * 6).toBeLessThanOrEqual(INFERENCE_BUDGET_NODE_VISITS);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it("makes an over-budget candidate ineligible next to the bundle-size budget", () => {
    expect(ineligibility({ bundleBytes: 1e6, nodeVisitsPerRow: 2400 })).toEqual([]);
    expect(ineligibility({ bundleBytes: 1e6, nodeVisitsPerRow: 2401 })).toEqual([
      "node visits > 2400",
    ]);
    expect(ineligibility({ bundleBytes: 3 * 1024 * 1024, nodeVisitsPerRow: 4827 })).toHaveLength(2);
  });
});

describe("CLI", () => {
  it("exits non-zero and says how to install a missing xgboost binary", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "training/train.ts", "--rounds", "5"],
      {
        env: { ...process.env, XGBOOST_BIN: "/nonexistent/xgboost" },
        encoding: "utf8",
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/apt-get install -y xgboost/);
    expect(existsSync("/nonexistent")).toBe(false);
  });

  it("rejects a bad option value clearly", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", "training/train.ts", "--rounds", "zero"],
      {
        encoding: "utf8",
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--rounds must be a positive integer/);
  });
});
