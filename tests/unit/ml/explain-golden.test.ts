// Cross-check of app/ml/explain.ts against XGBoost's own pred_contribs for the committed model
// bundle (models/LATEST): the golden file is written by the training pipeline with Debian's
// python3-xgboost. XGBoost computes SHAP in float32, hence the 1e-4 tolerance.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ExplainTree, explainRow, prepareTrees } from "~/ml/explain";
import { oracleTreeShap } from "./treeshap-oracle";

const root = new URL("../../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");

const version = read("models/LATEST").trim();
const manifest = JSON.parse(read(`models/${version}/manifest.json`)) as {
  version: string;
  features: string[];
  explain: { base_score: number; trees: ExplainTree[] };
};
const golden = JSON.parse(read("tests/fixtures/xgb-contribs.json")) as {
  model_version: string;
  feature_names: string[];
  rows: { features: (number | null)[]; contribs: number[]; bias: number; margin?: number }[];
};

describe("golden: XGBoost pred_contribs for the LATEST bundle", () => {
  const nf = manifest.features.length;
  const ens = prepareTrees(manifest.explain.trees);

  it("fixture belongs to the bundle and uses its feature order", () => {
    expect(golden.model_version).toBe(version);
    expect(manifest.version).toBe(version);
    expect(golden.feature_names).toEqual(manifest.features);
    expect(golden.rows.length).toBeGreaterThanOrEqual(10);
    for (const row of golden.rows) {
      expect(row.features).toHaveLength(nf);
      expect(row.contribs).toHaveLength(nf);
    }
  });

  it("contributions and bias match XGBoost within 1e-4 and sum to the prediction", () => {
    for (const row of golden.rows) {
      const x = Float32Array.from(row.features, (v) => v ?? NaN);
      const r = explainRow(ens, manifest.explain.base_score, x, nf);
      expect(Math.abs(r.base - row.bias)).toBeLessThanOrEqual(1e-4);
      for (let i = 0; i < nf; i++) {
        expect(Math.abs(r.contributions[i] - row.contribs[i])).toBeLessThanOrEqual(1e-4);
      }
      if (row.margin !== undefined)
        expect(Math.abs(r.prediction - row.margin)).toBeLessThanOrEqual(1e-5);
      const sum = r.base + r.contributions.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - r.prediction)).toBeLessThanOrEqual(1e-4);
    }
  });

  it("the leaf tables agree with the exact EXTEND/UNWIND oracle on the bundle", () => {
    for (const row of golden.rows) {
      const x = Float32Array.from(row.features, (v) => v ?? NaN);
      const a = explainRow(ens, 0, x, nf).contributions;
      const b = oracleTreeShap(manifest.explain.trees, x, nf);
      for (let i = 0; i < nf; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1e-9);
    }
  });
});
