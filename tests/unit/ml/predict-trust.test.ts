// The trust data predictRecords() gives each estimate on the shipped bundle (ADR 0023): the
// interval of the calibration group of what was given (as training evaluated it), a warning per
// code for the records that call for it (and none for typical ones), wider intervals out of
// range, explanations that mark filled-in factors, comparable sales on request, prices to the
// cent, and prices that never drop when a home gets bigger, through the serving path.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRowError, type Prediction, type PredictionItem } from "~/api/schemas";
import { InvalidInputError } from "~/lib/errors.server";
import { loadModel, type LoadedModel } from "~/inference/model.server";
import { runOrt } from "~/inference/onnx.server";
import { MAX_COMPARABLES_ROWS, predictRecords } from "~/inference/predict.server";
import { calibratedInterval, givenLevel } from "~/ml/calibration";
import { comparableSubject, findComparables } from "~/ml/comparables";
import { featureSources, featurize } from "~/ml/features";
import { FIELD_BY_NAME } from "~/ml/fields";
import type { PropertyRecord } from "~/ml/schema";
import { WARNING_CODES, type WarningCode } from "~/ml/warnings";
import { requiredOnly } from "../../../training/backtest";
import { rowContexts } from "../../../training/calibrate";
import { MONOTONE_CHANGES } from "../../../training/monotonicity";
import { BUNDLE_DIR, HOLDOUT, MANIFEST } from "./bundle-model";
import { MINIMAL_RECORD } from "../../http/helpers/api-fixtures";
import { HOUSE } from "./records";

let model: LoadedModel;
beforeAll(async () => {
  model = await loadModel(BUNDLE_DIR, { intraOpNumThreads: 1 });
});
afterAll(() => model?.session.release());

const calib = MANIFEST.calibration!;

/** A typical home, required fields only. */
const TYPICAL: PropertyRecord = MINIMAL_RECORD;

const ok = (item: PredictionItem): Prediction => {
  if (isRowError(item)) throw new Error(JSON.stringify(item.error));
  return item;
};
async function predictOne(record: PropertyRecord, options = {}): Promise<Prediction> {
  return ok((await predictRecords(model, [record], options)).predictions[0]);
}
const cellQ = (group: string) => calib.cells.find((c) => `${c.given}/${c.sale}` === group)!.q;
/** ln(upper / price) of an interval, from the rounded prices (good to ~1e-7). */
const halfWidth = (p: Prediction) => Math.log(p.interval.upper / p.price);

describe("intervals by what was given", () => {
  it("uses the group of what was given and the sale condition, with that group's width", async () => {
    const required = await predictOne(TYPICAL);
    expect(required.interval).toMatchObject({ group: "required/unknown", widened: [] });
    expect(halfWidth(required)).toBeCloseTo(cellQ("required/unknown"), 5);

    const full = await predictOne(HOUSE);
    expect(full.imputed).toEqual([]);
    expect(full.interval).toMatchObject({ group: "full/typical", widened: [] });
    expect(halfWidth(full)).toBeCloseTo(cellQ("full/typical"), 5);

    const abnormal = await predictOne({ ...HOUSE, Sale_Condition: "Abnorml" });
    expect(abnormal.interval.group).toBe("full/atypical");
    expect(halfWidth(abnormal)).toBeGreaterThan(halfWidth(full) * 1.5);

    // Some optional fields given: the level follows the share of the information imputed.
    const some = await predictOne({ ...TYPICAL, Heating_QC: "Excellent", Functional: "Typ" });
    const level = givenLevel(some.imputed, calib);
    expect(["most", "some"]).toContain(level);
    expect(some.interval.group).toBe(`${level}/unknown`);
    expect(halfWidth(some)).toBeLessThan(halfWidth(required));
  });

  it("equals training's evaluation on every 2010 holdout home, so coverage is the card's", async () => {
    const view = {
      model: { state: MANIFEST.feature_state, linear: MANIFEST.explain.linear },
      comparables: MANIFEST.comparables!,
      reference: MANIFEST.reference!,
    } as unknown as Parameters<typeof rowContexts>[0];
    const cases = [
      { records: HOLDOUT.records, card: MANIFEST.card.holdout!.full.all.coverage },
      {
        records: HOLDOUT.records.map(requiredOnly),
        card: MANIFEST.card.holdout!.required_only.all.coverage,
      },
    ];
    for (const { records, card } of cases) {
      const result = await predictRecords(model, records);
      const fm = featurize(records, MANIFEST.feature_state);
      const logPred = await runOrt(model.session, fm.matrix, fm.nRows, fm.nFeatures);
      const contexts = rowContexts(view, records, fm);
      let covered = 0;
      result.predictions.forEach((item, i) => {
        const p = ok(item);
        const want = calibratedInterval(logPred[i], calib, contexts[i]);
        expect(p.interval.group).toBe(want.group);
        expect(p.interval.widened).toEqual(want.widened);
        expect(p.interval.lower).toBe(Math.round(want.lower * 100) / 100);
        expect(p.interval.upper).toBe(Math.round(want.upper * 100) / 100);
        const actual = HOLDOUT.prices[i];
        if (p.interval.lower <= actual && actual <= p.interval.upper) covered++;
      });
      expect(Number((covered / records.length).toFixed(4))).toBe(card);
    }
  });
});

describe("warnings", () => {
  it("gives a typical home none, as given and as a full record", async () => {
    expect((await predictOne(TYPICAL)).warnings).toEqual([]);
    expect((await predictOne(HOUSE)).warnings).toEqual([]);
  });

  const CASES: [WarningCode, string, PropertyRecord][] = [
    ["above_training_range", "Gr_Liv_Area", { Gr_Liv_Area: 5000 }],
    ["below_training_range", "Lot_Area", { Lot_Area: 800 }],
    ["level_not_in_training", "Roof_Matl", { Roof_Matl: "ClyTile" }],
    ["first_floor_exceeds_living_area", "First_Flr_SF", { First_Flr_SF: 2000 }],
    ["floors_exceed_living_area", "Second_Flr_SF", { First_Flr_SF: 1000, Second_Flr_SF: 900 }],
    ["basement_parts_exceed_total", "Bsmt_Unf_SF", { Bsmt_Unf_SF: 900 }],
    ["built_after_sale", "Year_Built", { Year_Built: 2009 }],
    ["remodelled_before_built", "Year_Remod_Add", { Year_Remod_Add: 1990 }],
    ["remodelled_after_sale", "Year_Remod_Add", { Year_Remod_Add: 2009 }],
    ["garage_cars_and_area_disagree", "Garage_Area", { Garage_Area: 0 }],
    ["few_similar_homes", "record", { Year_Built: 1900, Bedroom_AbvGr: 7, Full_Bath: 4 }],
  ];

  it("covers every warning code", () => {
    expect(new Set(CASES.map(([code]) => code))).toEqual(new Set(WARNING_CODES));
  });

  for (const [code, field, patch] of CASES) {
    it(`${code}: names ${field} and says why`, async () => {
      const p = await predictOne({ ...TYPICAL, ...patch });
      const w = p.warnings.find((x) => x.code === code);
      expect(w, JSON.stringify(p.warnings)).toBeDefined();
      expect(w!.field).toBe(field);
      expect(w!.message.length).toBeGreaterThan(20);
      // Range warnings name the field by its label, combinations by what was given.
      if (code.endsWith("_range") || code === "level_not_in_training") {
        expect(w!.message).toContain(FIELD_BY_NAME.get(field)!.label);
      } else if (field !== "record") {
        const given = Object.values({ ...TYPICAL, ...patch }).filter((v) => typeof v === "number");
        const said = (v: number) =>
          w!.message.includes(String(v)) || w!.message.includes(v.toLocaleString("en-US"));
        expect(given.some(said), w!.message).toBe(true);
      }
    });
  }

  it("widens the interval of an out-of-range or unusual home", async () => {
    const typical = await predictOne(TYPICAL);
    const huge = await predictOne({ ...TYPICAL, Gr_Liv_Area: 6000 });
    expect(huge.interval.widened).toEqual(expect.arrayContaining(["out_of_range"]));
    expect(halfWidth(huge)).toBeGreaterThan(cellQ("required/unknown") * calib.sparse_factor);
    expect(huge.interval.upper / huge.interval.lower).toBeGreaterThan(
      typical.interval.upper / typical.interval.lower,
    );
    const unusual = await predictOne({ ...TYPICAL, Year_Built: 1900, Bedroom_AbvGr: 7 });
    expect(unusual.interval.widened).toContain("few_similar_homes");
    expect(halfWidth(unusual)).toBeGreaterThanOrEqual(
      cellQ("required/unknown") * calib.sparse_factor - 1e-6,
    );
  });
});

describe("explanations", () => {
  it("mark the factors that rest on filled-in values only, and give the base as a price", async () => {
    const p = await predictOne(TYPICAL, { explain: true });
    const filled = p.contributions!.filter((c) => c.imputed);
    const given = p.contributions!.filter((c) => !c.imputed);
    expect(filled.length).toBeGreaterThan(0);
    expect(given.map((c) => c.factor)).toEqual(expect.arrayContaining(["Living area"]));
    // An imputed part's features all come from fields that were filled in.
    const imputed = new Set(p.imputed);
    for (const name of MANIFEST.features) {
      const sources = featureSources(name);
      if (sources.length > 0 && sources.every((f) => imputed.has(f))) {
        expect(sources.every((f) => !(f in TYPICAL))).toBe(true);
      }
    }
    // base_value is rounded to 1e-6 in log price: the base price agrees to that.
    expect(Math.abs(p.base_price! / Math.exp(p.base_value!) - 1)).toBeLessThan(2e-6);
    const total = p.base_value! + p.contributions!.reduce((s, c) => s + c.value, 0);
    expect(Math.abs(total - Math.log(p.price))).toBeLessThanOrEqual(1e-4);

    const full = await predictOne(HOUSE, { explain: true });
    expect(full.contributions!.every((c) => !c.imputed)).toBe(true);
  });
});

describe("comparables", () => {
  it("come only on request: up to 5 fitted sales with prices adjusted by the model", async () => {
    expect((await predictOne(TYPICAL)).comparables).toBeUndefined();
    const records = HOLDOUT.records.slice(0, 20);
    const result = await predictRecords(model, records, { comparables: true });
    const fm = featurize(records, MANIFEST.feature_state);
    const logPred = await runOrt(model.session, fm.matrix, fm.nRows, fm.nFeatures);
    result.predictions.forEach((item, i) => {
      const comps = ok(item).comparables!;
      expect(comps).toHaveLength(5);
      for (const c of comps) {
        expect(Object.keys(c).sort()).toEqual(
          [
            "adjusted_price",
            "bedrooms",
            "distance_km",
            "full_bath",
            "gr_liv_area",
            "half_bath",
            "mo_sold",
            "neighborhood",
            "sale_price",
            "year_built",
            "year_sold",
          ].sort(),
        );
        expect(c.year_sold).toBeLessThanOrEqual(2009); // fitted sales only, never the holdout
      }
      const want = findComparables(
        MANIFEST.comparables!,
        comparableSubject(records[i], MANIFEST.feature_state),
        logPred[i],
      );
      expect(comps.map((c) => c.adjusted_price)).toEqual(
        want.map((c) => Math.round(c.adjusted_price * 100) / 100),
      );
      expect(comps.map((c) => c.distance_km)).toEqual(want.map((c) => c.distance_km));
    });
  });

  it(`are refused for more than ${MAX_COMPARABLES_ROWS} records, naming the option`, async () => {
    const many = Array.from({ length: MAX_COMPARABLES_ROWS + 1 }, () => TYPICAL);
    const error = await predictRecords(model, many, { comparables: true }).catch((e) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues[0].path).toBe("comparables");
    const atCap = await predictRecords(model, many.slice(1), { comparables: true });
    expect(atCap.counts.ok).toBe(MAX_COMPARABLES_ROWS);
  });
});

it("answers every price to the cent", async () => {
  const result = await predictRecords(model, HOLDOUT.records.slice(0, 50), {
    explain: true,
    comparables: true,
  });
  const cent = (x: number) => expect(Math.round(x * 100) / 100).toBe(x);
  for (const item of result.predictions) {
    const p = ok(item);
    [p.price, p.interval.lower, p.interval.upper, p.base_price!].forEach(cent);
    for (const c of p.comparables!) [c.sale_price, c.adjusted_price].forEach(cent);
  }
});

describe("monotone prices through the serving path", () => {
  it("+10% living area (with its floors), basement, lot, garage or a bath never lowers it", async () => {
    const SIZE_CHANGES = MONOTONE_CHANGES.filter((c) => !c.name.includes("level up"));
    expect(SIZE_CHANGES.length).toBeGreaterThanOrEqual(9);
    const home = fc
      .record({
        base: fc.constantFrom(...HOLDOUT.records),
        keep: fc.double({ min: 0, max: 1, noNaN: true }),
        seed: fc.integer(),
        area: fc.integer({ min: 400, max: 5000 }),
        basement: fc.integer({ min: 0, max: 3000 }),
        lot: fc.integer({ min: 1500, max: 250_000 }),
        built: fc.integer({ min: 1880, max: 2010 }),
      })
      .map(({ base, keep, seed, area, basement, lot, built }) => {
        let s = seed >>> 0;
        const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
        const r: PropertyRecord = requiredOnly(base);
        for (const [f, v] of Object.entries(base)) if (rand() < keep) r[f] = v;
        Object.assign(r, { Gr_Liv_Area: area, Total_Bsmt_SF: basement, Lot_Area: lot });
        Object.assign(r, { Year_Built: built });
        if (r.Year_Remod_Add !== undefined) r.Year_Remod_Add = Math.max(built, 1950);
        if (r.First_Flr_SF !== undefined || r.Second_Flr_SF !== undefined) {
          r.First_Flr_SF = Math.round(area * 0.6);
          r.Second_Flr_SF = area - (r.First_Flr_SF as number);
        }
        return r;
      });
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(home, { minLength: 25, maxLength: 25 }), async (homes) => {
        for (const change of SIZE_CHANGES) {
          const pairs = homes.flatMap((h) => {
            const c = change.apply(h);
            return c ? [[h, c] as const] : [];
          });
          const opts = { keepAllInvalid: true };
          const before = await predictRecords(
            model,
            pairs.map((p) => p[0]),
            opts,
          );
          const after = await predictRecords(
            model,
            pairs.map((p) => p[1]),
            opts,
          );
          before.predictions.forEach((b, i) => {
            const a = after.predictions[i];
            if (isRowError(a) || isRowError(b)) return; // a change past the schema's limits
            compared++;
            // ONNX runs in float32 (≤ 1.2e-5 in log price, as in monotonicity.test.ts), then cents.
            expect(
              a.price,
              `${change.name}: ${JSON.stringify(pairs[i][0])}`,
            ).toBeGreaterThanOrEqual(b.price * Math.exp(-12e-6) - 0.01);
          });
        }
      }),
      { seed: 4242, numRuns: 40 },
    );
    expect(compared).toBeGreaterThan(5000);
  }, 120_000);
});
