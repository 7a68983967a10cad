// "More never costs": +10% in a constrained size (living area with its floors), one more
// bathroom or garage space, one grade up — all else equal, the shipped model's price never drops.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIELD_BY_NAME } from "~/ml/fields";
import { createOrtSession, runOrt } from "~/inference/onnx.server";
import { featurize } from "~/ml/features";
import type { PropertyRecord } from "~/ml/schema";
import { requiredOnly } from "../../../training/backtest";
import { MONOTONE_CHANGES, monotonicityDrops } from "../../../training/monotonicity";
import { BUNDLE_DIR, HOLDOUT, MANIFEST, referencePredict } from "./bundle-model";

describe("monotonicity of the committed bundle", () => {
  it("no holdout home, as given or with the required fields only, gets cheaper", async () => {
    for (const records of [HOLDOUT.records, HOLDOUT.records.map(requiredOnly)]) {
      const result = await monotonicityDrops(referencePredict, records);
      expect(result).toHaveLength(MONOTONE_CHANGES.length);
      for (const r of result) expect(r, r.change).toMatchObject({ drops: 0 });
      // Every home is checked for the size changes.
      expect(result[0]).toMatchObject({ change: "living area +10%", homes: 341 });
    }
  });

  it("holds through the served ONNX graph too (float32, up to 1e-6 relative)", async () => {
    const session = await createOrtSession(`${BUNDLE_DIR}/model.onnx`);
    const ort = async (records: PropertyRecord[]) => {
      const fm = featurize(records, MANIFEST.feature_state);
      return runOrt(session, fm.matrix, fm.nRows, fm.nFeatures);
    };
    const result = await monotonicityDrops(ort, HOLDOUT.records, 12 * 1e-6);
    for (const r of result) expect(r, r.change).toMatchObject({ drops: 0 });
    await session.release();
  });

  it("no generated home gets cheaper (property test over perturbed and partial records)", () => {
    const numeric = (name: string, lo: number, hi: number) =>
      fc.integer({ min: lo, max: hi }).map((v) => [name, v] as const);
    const level = (name: string) =>
      fc.constantFrom(...(FIELD_BY_NAME.get(name)?.levels ?? [])).map((v) => [name, v] as const);
    const home = fc
      .record({
        base: fc.constantFrom(...HOLDOUT.records),
        keep: fc.double({ min: 0, max: 1, noNaN: true }),
        seed: fc.integer(),
        changes: fc.array(
          fc.oneof(
            numeric("Gr_Liv_Area", 400, 6000),
            numeric("Total_Bsmt_SF", 0, 3000),
            numeric("Lot_Area", 1500, 300000),
            numeric("Year_Built", 1880, 2010),
            numeric("Garage_Cars", 0, 4),
            numeric("Full_Bath", 0, 4),
            numeric("Bedroom_AbvGr", 0, 6),
            level("Neighborhood"),
            level("Overall_Cond"),
            level("Sale_Condition"),
          ),
          { maxLength: 4 },
        ),
      })
      .map(({ base, keep, seed, changes }) => {
        // Keep each optional field with probability `keep` (a partial record), then perturb.
        let s = seed >>> 0;
        const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
        const r: PropertyRecord = requiredOnly(base);
        for (const [f, v] of Object.entries(base)) if (rand() < keep) r[f] = v;
        for (const [f, v] of changes) r[f] = v;
        if (r.First_Flr_SF !== undefined || r.Second_Flr_SF !== undefined) {
          // Floors consistent with the living area when given.
          const liv = r.Gr_Liv_Area as number;
          r.First_Flr_SF = Math.round(liv * 0.6);
          r.Second_Flr_SF = liv - (r.First_Flr_SF as number);
        }
        return r;
      });
    fc.assert(
      fc.property(fc.array(home, { minLength: 20, maxLength: 20 }), (homes) => {
        for (const change of MONOTONE_CHANGES) {
          const pairs = homes.flatMap((h) => {
            const c = change.apply(h);
            return c ? [[h, c]] : [];
          });
          const before = referencePredict(pairs.map((p) => p[0]));
          const after = referencePredict(pairs.map((p) => p[1]));
          pairs.forEach((_, i) => expect(after[i], change.name).toBeGreaterThanOrEqual(before[i]));
        }
      }),
      { seed: 42, numRuns: 60 },
    );
  }, 60_000);
});
