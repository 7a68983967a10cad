// End-to-end on the real data with the real XGBoost CLI and onnxruntime-node (no mocks).
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseManifest } from "~/ml/bundle";
import { featurize } from "~/ml/features";
import { createOrtSession, runOrt } from "~/inference/onnx.server";
import { trainModel, type TrainOutcome } from "../../training/pipeline";
import { loadDataset } from "../../training/data";
import {
  BEST_PARAMS,
  INFERENCE_BUDGET_NODE_VISITS,
  MAX_ROUNDS,
  roundCap,
} from "../../training/params";
import { candidateConfigs, ineligibility } from "../../training/tune";

describe("training pipeline (fewer rounds)", () => {
  let out: TrainOutcome;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "train-test-"));
    out = await trainModel({ rounds: 150, outDir: dir, createdAt: "2000-01-01T00:00:00.000Z" });
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it("ONNX Runtime matches `xgboost task=pred` bit for bit on all 2,930 rows", () => {
    expect(out.parity).toEqual({ rows: 2930, exact: 2930, maxAbsDiff: 0, maxRelDiff: 0 });
  });

  it("reaches a sane holdout accuracy and calibrated interval", () => {
    const h = out.manifest.metrics.holdout;
    expect(h.n).toBe(341);
    expect(h.rmsle).toBeLessThan(0.19);
    expect(h.mape).toBeLessThan(13);
    expect(h.coverage).toBeGreaterThan(0.8);
    expect(out.manifest.metrics.eval.coverage).toBeGreaterThanOrEqual(0.9);
  });

  it("writes a bundle whose model, served with the shared features, reproduces the metrics", async () => {
    const version = readFileSync(join(dir, "LATEST"), "utf8").trim();
    const manifest = parseManifest(
      JSON.parse(readFileSync(join(dir, version, "manifest.json"), "utf8")),
    );
    expect(manifest.version).toBe(version);
    const session = await createOrtSession(join(dir, version, "model.onnx"));
    const ds = loadDataset("data/ames.csv");
    const holdout = ds.records.flatMap((r, i) => (r.Year_Sold === 2010 ? [i] : []));
    const fm = featurize(
      holdout.map((i) => ds.records[i]),
      manifest.feature_state,
    );
    const pred = await runOrt(session, fm.matrix, fm.nRows, fm.nFeatures);
    const rmsle = Math.sqrt(
      holdout.reduce((s, row, j) => s + (Math.log(ds.prices[row]) - pred[j]) ** 2, 0) /
        holdout.length,
    );
    expect(rmsle).toBeCloseTo(manifest.metrics.holdout.rmsle, 4);
    await session.release();
  });

  it("trains only on 2006–2008 and fits no statistics on eval/holdout rows", () => {
    expect(out.manifest.data.split.train).toEqual({ years: [2006, 2007, 2008], rows: 1936 });
    // Frequency shares sum to 1 over the training rows only.
    const shares = Object.values(out.state.frequency.Neighborhood_Freq.map);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(out.state.nearby.value).toHaveLength(1936);
  });
});

describe("default run (recorded parameters, full rounds)", () => {
  let again: TrainOutcome;
  const version = readFileSync("models/LATEST", "utf8").trim();

  beforeAll(async () => {
    again = await trainModel({ parity: false });
  });

  it("retraining with the recorded parameters gives the committed model.onnx byte for byte", () => {
    const committed = readFileSync(join("models", version, "model.onnx"));
    expect(Buffer.from(again.onnx).equals(committed)).toBe(true);
  });

  it("fits within the inference budget: the round cap is derived from depth", () => {
    const cap = Math.floor(INFERENCE_BUDGET_NODE_VISITS / BEST_PARAMS.max_depth);
    expect(again.xgb.evalHistory).toHaveLength(Math.min(MAX_ROUNDS, cap));
    const trees = again.manifest.xgboost.n_trees;
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

describe("inference budget for search candidates", () => {
  it("caps rounds by depth: 1,200 / 800 / 600 at depth 2 / 3 / 4", () => {
    expect([2, 3, 4].map((d) => roundCap(d))).toEqual([1200, 800, 600]);
    expect(roundCap(3, 150)).toBe(150);
    for (const p of candidateConfigs()) {
      expect(roundCap(p.max_depth) * p.max_depth).toBeLessThanOrEqual(INFERENCE_BUDGET_NODE_VISITS);
    }
  });

  it("a deep candidate asked for 2,000 rounds is fitted with at most budget / depth", async () => {
    const deep = await trainModel({
      params: { ...BEST_PARAMS, max_depth: 8 },
      rounds: 2000,
      parity: false,
    });
    expect(deep.xgb.evalHistory).toHaveLength(300);
    expect(deep.manifest.xgboost.n_trees * 8).toBeLessThanOrEqual(INFERENCE_BUDGET_NODE_VISITS);
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
