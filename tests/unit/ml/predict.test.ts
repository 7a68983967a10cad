// predictRecords() in-process on the real model bundle: the data path adds nothing to the
// model's numbers (same as raw ORT on the same features), keeps row order around invalid
// rows, honours strict mode, and its explanations add up.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "~/lib/errors.server";
import { featurize } from "~/ml/features";
import { OPTIONAL_FIELDS } from "~/ml/fields";
import { loadModel, type LoadedModel } from "~/inference/model.server";
import { LocalModelStore } from "~/inference/store.server";
import { runOrt } from "~/inference/onnx.server";
import { isRowError, type Prediction, type PredictionItem } from "~/api/schemas";
import { MAX_EXPLAIN_ROWS, predictRecords } from "~/inference/predict.server";
import { coerceCsvRow, validateRecord, type PropertyRecord } from "~/ml/schema";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const MODEL_URI = process.env.MODEL_URI ?? "models";

const MINIMAL = {
  Neighborhood: "Gilbert",
  Gr_Liv_Area: 1500,
  Total_Bsmt_SF: 800,
  Lot_Area: 9000,
  Year_Built: 1999,
  Overall_Cond: "Good",
  Bedroom_AbvGr: 3,
  Full_Bath: 2,
  Half_Bath: 0,
  Garage_Cars: 2,
  Year_Sold: 2009,
  Mo_Sold: 7,
};

let model: LoadedModel;
let records: Record<string, unknown>[];

beforeAll(async () => {
  const { dir } = await new LocalModelStore(path.resolve(ROOT, MODEL_URI)).resolveLatest();
  model = await loadModel(dir, { intraOpNumThreads: 1 });
  const rows = parse(readFileSync(path.join(ROOT, "data/ames.csv")), { columns: true }) as Record<
    string,
    string
  >[];
  records = rows.slice(0, 300).map(coerceCsvRow);
});
afterAll(() => model?.session.release());

const asPrediction = (item: PredictionItem): Prediction => {
  if (isRowError(item)) throw new Error(JSON.stringify(item.error));
  return item;
};

describe("predictRecords on the real bundle", () => {
  it("prices are exp(raw ORT output) on the same feature matrix, to the cent", async () => {
    const result = await predictRecords(model, records);
    const valid = records
      .map((r) => validateRecord(r))
      .map((v) => (v.ok ? v.record : ({} as PropertyRecord)));
    const fm = featurize(valid, model.featureState);
    const raw = await runOrt(model.session, fm.matrix, fm.nRows, fm.nFeatures);
    expect(result.counts).toEqual({ ok: 300, failed: 0 });
    expect(result.model_version).toBe(model.version);
    result.predictions.forEach((item, i) => {
      const p = asPrediction(item);
      expect(p.price).toBe(Math.round(Math.exp(raw[i]) * 100) / 100);
      expect(p.imputed).toEqual(fm.imputed[i]);
    });
  });

  it("gives the interval of the calibration group of what was given, at its level", async () => {
    const [item] = (await predictRecords(model, [MINIMAL])).predictions;
    const p = asPrediction(item);
    const calib = model.manifest.calibration!;
    const q = calib.cells.find((c) => c.given === "required" && c.sale === "unknown")!.q;
    expect(p.interval).toMatchObject({
      level: calib.level,
      group: "required/unknown",
      widened: [],
    });
    expect(p.interval.lower / p.price).toBeCloseTo(Math.exp(-q), 6);
    expect(p.interval.upper / p.price).toBeCloseTo(Math.exp(q), 6);
  });

  it("imputes exactly the missing optional fields", async () => {
    const p = asPrediction((await predictRecords(model, [MINIMAL])).predictions[0]);
    expect(p.imputed.length).toBeGreaterThan(0);
    for (const name of p.imputed) expect(OPTIONAL_FIELDS).toContain(name);
    const withArea = asPrediction(
      (await predictRecords(model, [{ ...MINIMAL, Garage_Area: 480 }])).predictions[0],
    );
    expect(withArea.imputed).not.toContain("Garage_Area");
  });

  it("keeps invalid rows in place with their row number (firstRow offsets it)", async () => {
    const inputs = [MINIMAL, { ...MINIMAL, Lot_Area: "big" }, MINIMAL, null];
    const result = await predictRecords(model, inputs, { firstRow: 1 });
    expect(result.counts).toEqual({ ok: 2, failed: 2 });
    expect(result.predictions[1]).toEqual({
      status: "error",
      error: { row: 2, errors: [{ path: "Lot_Area", message: "must be a number" }] },
    });
    expect(result.predictions[3]).toEqual({
      status: "error",
      error: { row: 4, errors: [{ path: "", message: "must be an object of field values" }] },
    });
    expect(asPrediction(result.predictions[0]).price).toBe(
      asPrediction(result.predictions[2]).price,
    );
  });

  it("strict mode and all-invalid batches throw InvalidInputError with records[i] paths", async () => {
    const strict = predictRecords(model, [MINIMAL, { ...MINIMAL, Year_Sold: 2020 }], {
      strict: true,
    });
    await expect(strict).rejects.toBeInstanceOf(InvalidInputError);
    await expect(strict).rejects.toMatchObject({
      status: 422,
      issues: [{ path: "records[1].Year_Sold", message: "must be at most 2010" }],
    });
    await expect(predictRecords(model, [{ Gr_Liv_Area: 2 }])).rejects.toMatchObject({
      status: 422,
      message: expect.stringMatching(/^The record is invalid: records\[0\]\./),
    });
  });

  it("keepAllInvalid: an all-invalid batch answers its row errors instead of a 422", async () => {
    const bad = [{ Gr_Liv_Area: 2 }, { ...MINIMAL, Year_Sold: 2020 }];
    const result = await predictRecords(model, bad, { keepAllInvalid: true, firstRow: 1 });
    expect(result.counts).toEqual({ ok: 0, failed: 2 });
    expect(result.predictions.every(isRowError)).toBe(true);
    expect(result.predictions.map((p) => (isRowError(p) ? p.error.row : -1))).toEqual([1, 2]);
    // Strict mode still wins.
    await expect(
      predictRecords(model, bad, { keepAllInvalid: true, strict: true }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("explanations: base value + contributions = log(price) within 1e-4 for every row", async () => {
    const result = await predictRecords(model, records.slice(0, 100), { explain: true });
    for (const item of result.predictions) {
      const p = asPrediction(item);
      const sum = p.base_value! + p.contributions!.reduce((s, c) => s + c.value, 0);
      expect(Math.abs(sum - Math.log(p.price))).toBeLessThanOrEqual(1e-4);
    }
    const plain = await predictRecords(model, records.slice(0, 100));
    expect(plain.predictions.map((p) => asPrediction(p).price)).toEqual(
      result.predictions.map((p) => asPrediction(p).price),
    );
  });

  it("refuses explanations for more than MAX_EXPLAIN_ROWS records, naming the explain option", async () => {
    const tooMany = records.slice(0, MAX_EXPLAIN_ROWS + 1);
    const error = await predictRecords(model, tooMany, { explain: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0].path).toBe("explain");
    const plain = await predictRecords(model, tooMany);
    expect(plain.counts.ok).toBe(MAX_EXPLAIN_ROWS + 1);
  });
});
