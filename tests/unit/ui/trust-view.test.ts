import { describe, expect, it } from "vitest";
import type { Prediction } from "~/api/schemas";
import {
  calibrationText,
  comparableViews,
  warningViews,
  widenedReasons,
} from "~/routes/_index/trust-view";

const prediction = {
  status: "ok" as const,
  price: 300_000,
  interval: {
    lower: 120_000,
    upper: 800_000,
    level: 0.9,
    group: "required/unknown",
    widened: ["few_similar_homes", "out_of_range"],
  },
  imputed: [],
  warnings: [
    { field: "Gr_Liv_Area", code: "above_training_range", message: "Living area is large." },
    { field: "record", code: "few_similar_homes", message: "Few similar homes." },
  ],
  comparables: [
    {
      sale_price: 130_000,
      adjusted_price: 145_782.16,
      year_sold: 2009,
      mo_sold: 6,
      neighborhood: "North_Ames",
      gr_liv_area: 864,
      year_built: 1967,
      bedrooms: 2,
      full_bath: 1,
      half_bath: 1,
      distance_km: 2.46,
    },
  ],
} as Prediction;

describe("the estimate's trust fields in words", () => {
  it("warnings keep the API's message and name the field by its label", () => {
    expect(warningViews(prediction)).toEqual([
      {
        field: "Gr_Liv_Area",
        label: "Above-ground living area",
        code: "above_training_range",
        message: "Living area is large.",
      },
      {
        field: "record",
        label: "This home",
        code: "few_similar_homes",
        message: "Few similar homes.",
      },
    ]);
  });

  it("says why the interval is wider and which calibration it used", () => {
    expect(widenedReasons(prediction)).toEqual([
      "few sales in the training data are like this home",
      "a value you gave is outside the training data",
    ]);
    expect(calibrationText(prediction)).toBe("past estimates with only the main details given");
    const full = {
      ...prediction,
      interval: { ...prediction.interval, group: "full/typical", widened: [] },
    };
    expect(widenedReasons(full)).toEqual([]);
    expect(calibrationText(full)).toBe("past estimates with almost every detail given");
    const recalibrated = {
      ...full,
      interval: { ...full.interval, recalibrated: { factor: 1.1804, from_feedback: 200 } },
    };
    expect(calibrationText(recalibrated)).toBe(
      "past estimates with almost every detail given, widened × 1.18 by the last 200 reported " +
        "sale prices",
    );
  });

  it("comparables read as a person would say them", () => {
    expect(comparableViews(prediction)).toEqual([
      {
        salePrice: 130_000,
        adjustedPrice: 145_782.16,
        sold: "June 2009",
        neighbourhood: "North Ames",
        livingArea: 864,
        yearBuilt: 1967,
        beds: 2,
        baths: "1.5",
        distanceKm: 2.46,
      },
    ]);
    expect(comparableViews({ comparables: undefined })).toEqual([]);
  });
});
