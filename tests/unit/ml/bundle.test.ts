import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { BUNDLE_FORMAT, parseManifest } from "~/ml/bundle";
import { FEATURE_NAMES } from "~/ml/features";
import { REQUIRED_FIELDS } from "~/ml/fields";

const version = readFileSync("models/LATEST", "utf8").trim();
const dir = `models/${version}`;
const json = JSON.parse(readFileSync(`${dir}/manifest.json`, "utf8"));

describe("committed bundle (models/LATEST)", () => {
  it("parses, matches its ONNX file and this code's features", () => {
    const m = parseManifest(json);
    expect(m.format).toBe(BUNDLE_FORMAT);
    expect(m.version).toBe(version);
    const onnx = readFileSync(`${dir}/model.onnx`);
    expect(createHash("sha256").update(onnx).digest("hex")).toBe(m.onnx.sha256);
    expect(m.features.every((f) => FEATURE_NAMES.includes(f))).toBe(true);
    expect(m.schema.required).toEqual([...REQUIRED_FIELDS]);
    expect(m.explain.trees).toHaveLength(m.xgboost.n_trees);
  });

  it("carries the trust data: linear part, calibration, reference, comparables, backtest", () => {
    const m = parseManifest(json);
    expect(m.explain.linear?.terms.length).toBeGreaterThan(0);
    expect(m.calibration?.cells.some((c) => c.given === "required")).toBe(true);
    expect(Object.keys(m.reference?.fields ?? {}).sort()).toEqual(
      Object.keys(m.schema.fields).sort(),
    );
    expect(m.comparables?.sale_price).toHaveLength(m.data.split.train.rows);
    expect(m.backtest?.folds).toHaveLength(2);
  });

  it("is well under 2 MiB", () => {
    const bytes = statSync(`${dir}/model.onnx`).size + statSync(`${dir}/manifest.json`).size;
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
  });
});

describe("parseManifest", () => {
  it("rejects another bundle format with a clear message", () => {
    // Format 1 ranked some ordinal levels one higher: read today, it would be mispriced.
    expect(() => parseManifest({ ...json, format: 1 })).toThrow(
      /Unsupported model bundle format 1: this code reads format 2/,
    );
    expect(() => parseManifest(null)).toThrow(/Unsupported model bundle format/);
  });

  it("reads bundles without the optional inference-cost record (trained before ADR 0013)", () => {
    const { inference: _omitted, ...older } = json;
    expect(parseManifest(older).inference).toBeUndefined();
    expect(() =>
      parseManifest({ ...json, inference: { ...json.inference, node_visits_per_row: -1 } }),
    ).toThrow(/inference\.node_visits_per_row/);
  });

  it("checks the long numeric arrays element by element, naming the array", () => {
    const trees = json.explain.trees.map((t: object, i: number) =>
      i === 3 ? { ...t, left: [1, "2"] } : t,
    );
    expect(() => parseManifest({ ...json, explain: { ...json.explain, trees } })).toThrow(
      /explain\.trees\.3\.left: must be an array of integers/,
    );
    const lat = [...json.comparables.latitude];
    lat[7] = null;
    expect(() =>
      parseManifest({ ...json, comparables: { ...json.comparables, latitude: lat } }),
    ).toThrow(/comparables\.latitude: must be an array of finite numbers/);
  });

  it("reads bundles without the trust blocks (calibration, reference, comparables …)", () => {
    const { calibration: _c, reference: _r, comparables: _x, backtest: _b, ...older } = json;
    const m = parseManifest(older);
    expect(m.calibration).toBeUndefined();
    expect(m.interval.q).toBeGreaterThan(0);
  });

  it("names the first invalid fields", () => {
    expect(() => parseManifest({ ...json, interval: { level: 0.9 } })).toThrow(/interval\.q/);
  });

  it("rejects features that disagree with the feature state", () => {
    expect(() => parseManifest({ ...json, features: [...json.features].reverse() })).toThrow(
      /differ/,
    );
  });
});
