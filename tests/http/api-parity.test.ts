// The API answers exactly what the training evaluation computed: the holdout split (2010
// sales) goes through /api/v1/predict as JSON and as the raw CSV rows, and the prices are
// compared with the bundle's card.holdout_points (written by training/pipeline.ts as
// round(exp(prediction))) and with training's own evaluation function run here on the
// bundle's model.onnx.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseManifest, type BundleManifest } from "~/ml/bundle";
import { LocalModelStore } from "~/inference/store.server";
import { createOrtSession } from "~/inference/onnx.server";
import { HOLDOUT_YEARS, loadDataset, selectYears, type Split } from "../../training/data";
import { predictLog } from "../../training/evaluate";
import {
  amesRows,
  isError,
  postCsv,
  postJson,
  toCsv,
  type PredictBody,
  type Prediction,
} from "./helpers/api-fixtures";
import { REPO_ROOT, startServer, type TestServer } from "./helpers/server";

const MODEL_URI = process.env.MODEL_URI ?? "models";

let server: TestServer;
let manifest: BundleManifest;
let holdout: Split;
let trainingPrices: number[];

beforeAll(async () => {
  server = await startServer({ MODEL_URI }, { waitPath: "/readyz" });
  const { dir } = await new LocalModelStore(path.resolve(REPO_ROOT, MODEL_URI)).resolveLatest();
  manifest = parseManifest(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")));
  holdout = selectYears(loadDataset(path.join(REPO_ROOT, manifest.data.file)), HOLDOUT_YEARS);
  // Training's evaluation path, on the bundle's ONNX file and feature state.
  const session = await createOrtSession(path.join(dir, "model.onnx"), { intraOpNumThreads: 1 });
  const logs = await predictLog(session, holdout.records, manifest.feature_state);
  trainingPrices = Array.from(logs, (y) => Math.exp(y));
  await session.release();
});
afterAll(() => server?.stop());

function prices(body: PredictBody): number[] {
  return body.predictions.map((p) => {
    if (isError(p)) throw new Error(`holdout row rejected: ${JSON.stringify(p.error)}`);
    return (p as Prediction).price;
  });
}

describe("predictions equal the training evaluation on the holdout split", () => {
  it("uses the same holdout rows as the bundle's card", () => {
    expect(HOLDOUT_YEARS).toEqual([2010]);
    expect(manifest.data.split.holdout.years).toEqual([2010]);
    expect(holdout.records.length).toBe(manifest.data.split.holdout.rows);
    expect(manifest.card.holdout_points.map((p) => p.actual)).toEqual(holdout.prices);
  });

  it("JSON records: equal to training's predictions (≤ 1e-6 relative) and to the card", async () => {
    const res = await postJson(server.url, { records: holdout.records });
    expect(res.status).toBe(200);
    const got = prices(res.body as PredictBody);
    expect(got).toHaveLength(holdout.records.length);
    got.forEach((price, i) => {
      expect(Math.abs(price - trainingPrices[i]) / trainingPrices[i]).toBeLessThanOrEqual(1e-6);
      // The API answers to the cent, the card to the dollar.
      expect(price).toBe(Math.round(trainingPrices[i] * 100) / 100);
      expect(Math.abs(price - manifest.card.holdout_points[i].predicted)).toBeLessThanOrEqual(0.5);
    });
  });

  it("the raw CSV rows of data/ames.csv give the same prices", async () => {
    const rows = amesRows().filter((r) => r.Year_Sold === "2010");
    expect(rows).toHaveLength(holdout.records.length);
    const res = await postCsv(server.url, toCsv(rows));
    expect(res.status).toBe(200);
    prices(res.body as PredictBody).forEach((price, i) => {
      expect(Math.abs(price - trainingPrices[i]) / trainingPrices[i]).toBeLessThanOrEqual(1e-6);
    });
  });
});
