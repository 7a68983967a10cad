// The shipped bundle's trust data on the 2010 holdout: range warnings, wider intervals where
// the estimate extrapolates, comparables for every home, and explanations that still add up.
import { describe, expect, it } from "vitest";
import { calibratedInterval } from "~/ml/calibration";
import { comparableSubject, findComparables, similarityDistance } from "~/ml/comparables";
import { basePrice, groupContributionsBySource } from "~/ml/contributions";
import { explainRow, prepareExplainer } from "~/ml/explain";
import { featureFactor, featureSources, featurize } from "~/ml/features";
import { linearExtrapolation } from "~/ml/linear";
import type { PropertyRecord } from "~/ml/schema";
import { isOutOfRange, recordWarnings } from "~/ml/warnings";
import { requiredOnly } from "../../../training/backtest";
import { HOLDOUT, MANIFEST, outsideTraining, referencePredict, typicalHome } from "./bundle-model";

const ref = MANIFEST.reference!;
const calib = MANIFEST.calibration!;
const index = MANIFEST.comparables!;
const state = MANIFEST.feature_state;

const outside = outsideTraining;
const typical = typicalHome;

function context(r: PropertyRecord, logPred: number) {
  const fm = featurize([r], state);
  const comps = findComparables(index, comparableSubject(r, state), logPred);
  const distance = similarityDistance(comps);
  const warnings = recordWarnings(r, ref, { distance, sparseAbove: calib.sparse_above });
  return {
    comps,
    warnings,
    ctx: {
      imputed: fm.imputed[0],
      saleCondition: r.Sale_Condition as string | undefined,
      similarity: distance,
      outOfRange: warnings.some(isOutOfRange),
      extrapolation: linearExtrapolation(MANIFEST.explain.linear!, fm.matrix),
    },
  };
}

describe("warnings on the 2010 holdout", () => {
  const pred = referencePredict(HOLDOUT.records);
  const rows = HOLDOUT.records.map((r, i) => ({ r, ...context(r, pred[i]) }));

  it("warn every home with a field outside the training data, naming that field", () => {
    const out = rows.filter(({ r }) => outside(r).length > 0);
    expect(out.length).toBeGreaterThan(0); // 2010 has homes built or remodelled in 2010
    for (const { r, warnings } of out) {
      const warned = new Set(warnings.filter(isOutOfRange).map((w) => w.field));
      for (const f of outside(r)) expect(warned.has(f), f).toBe(true);
    }
  });

  it("give typical homes no range or combination warning, and rarely 'few similar homes'", () => {
    const typ = rows.filter(({ r }) => typical(r));
    expect(typ.length).toBeGreaterThan(150);
    for (const { warnings } of typ) {
      expect(warnings.filter((w) => w.code !== "few_similar_homes")).toEqual([]);
    }
    // The threshold flags 1 in 40 of the backtest's new homes.
    const sparse = typ.filter(({ warnings }) => warnings.length > 0).length;
    expect(sparse / typ.length).toBeLessThanOrEqual(0.025);
  });

  it("widen the interval of every out-of-range estimate", () => {
    for (const { r, ctx } of rows.filter(({ r }) => outside(r).length > 0)) {
      const iv = calibratedInterval(12, calib, ctx);
      expect(iv.widened, JSON.stringify(outside(r))).toContain("out_of_range");
      expect(iv.half_width).toBeGreaterThan(
        calibratedInterval(12, calib, { ...ctx, outOfRange: false, similarity: 0 }).half_width,
      );
    }
  });

  it("find comparable fitted sales for every home, never from 2010", () => {
    for (const { comps } of rows) {
      expect(comps.length).toBe(5);
      for (const c of comps) expect(c.year_sold).toBeLessThanOrEqual(2009);
    }
  });
});

describe("a home far outside the training data", () => {
  const base = HOLDOUT.records.find((r) => r.Neighborhood === "North_Ames")!;
  const big = (liv: number, lot: number): PropertyRecord => ({
    ...requiredOnly(base),
    Gr_Liv_Area: liv,
    Lot_Area: lot,
  });

  it("gets warnings for both fields and a much wider interval", () => {
    const [p] = referencePredict([big(20000, 1_000_000)]);
    const { warnings, ctx } = context(big(20000, 1_000_000), p);
    expect(
      warnings
        .filter(isOutOfRange)
        .map((w) => w.field)
        .sort(),
    ).toEqual(["Gr_Liv_Area", "Lot_Area"]);
    const wide = calibratedInterval(p, calib, ctx);
    const [q] = referencePredict([big(2000, 10000)]);
    const usual = calibratedInterval(q, calib, context(big(2000, 10000), q).ctx);
    expect(wide.upper / wide.lower).toBeGreaterThan(1.5 * (usual.upper / usual.lower));
  });

  it("keeps getting more expensive past the largest training home (the linear part)", () => {
    const prices = referencePredict([4000, 6000, 20000].map((a) => big(a, 10000)));
    expect(prices[1]).toBeGreaterThan(prices[0]);
    expect(prices[2]).toBeGreaterThan(prices[1]);
  });
});

describe("explanations with the linear part", () => {
  const explainer = prepareExplainer(MANIFEST.explain);

  it("add up exactly to the prediction and mark the filled-in factors", () => {
    const records = [HOLDOUT.records[0], requiredOnly(HOLDOUT.records[0])];
    const fm = featurize(records, state);
    const pred = referencePredict(records);
    records.forEach((_, i) => {
      const x = fm.matrix.subarray(i * fm.nFeatures, (i + 1) * fm.nFeatures);
      const e = explainRow(explainer, MANIFEST.explain.base_score, x, fm.nFeatures);
      const sum = e.base + e.contributions.reduce((a, b) => a + b, 0);
      // The trees sum in float32 (like XGBoost), the SHAP values in double.
      expect(Math.abs(sum - pred[i])).toBeLessThan(1e-6);
      const factors = groupContributionsBySource(
        e.contributions,
        MANIFEST.features,
        featureFactor,
        featureSources,
        fm.imputed[i],
      );
      expect(factors.some((f) => f.imputed)).toBe(i === 1);
      expect(basePrice(e.base)).toBeGreaterThan(50_000);
    });
  });
});
