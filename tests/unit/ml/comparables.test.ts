import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  comparableSubject,
  findComparables,
  MAX_COMPARABLES,
  SCALES,
  similarityDistance,
  type ComparablesIndex,
  type Subject,
} from "~/ml/comparables";
import type { FeatureState } from "~/ml/features";

// Six sales: two in Somerset, four in North Ames at increasing distance/size.
const INDEX: ComparablesIndex = {
  neighborhoods: ["North_Ames", "Somerset"],
  neighborhood: [0, 0, 0, 0, 1, 1],
  latitude: [42.05, 42.051, 42.06, 42.05, 42.05, 42.05],
  longitude: [-93.62, -93.62, -93.62, -93.62, -93.62, -93.6],
  sale_price: [150_000, 160_000, 170_000, 300_000, 250_000, 260_000],
  year_sold: [2009, 2009, 2008, 2009, 2009, 2007],
  mo_sold: [6, 6, 6, 6, 6, 6],
  gr_liv_area: [1500, 1500, 1500, 3000, 1500, 1500],
  year_built: [1970, 1970, 1970, 1970, 1970, 1970],
  bedrooms: [3, 3, 3, 3, 3, 3],
  full_bath: [2, 2, 2, 2, 2, 2],
  half_bath: [0, 0, 0, 0, 0, 0],
  log_pred: [11.9, 12.0, 12.05, 12.6, 12.4, 12.45],
};

const SUBJECT: Subject = {
  Neighborhood: "North_Ames",
  Latitude: 42.05,
  Longitude: -93.62,
  Gr_Liv_Area: 1500,
  Year_Built: 1970,
  Bedroom_AbvGr: 3,
  Full_Bath: 2,
  Half_Bath: 0,
  Year_Sold: 2009,
  Mo_Sold: 6,
};

describe("findComparables", () => {
  it("ranks by location and similarity, most similar first, at most five", () => {
    const comps = findComparables(INDEX, SUBJECT, 12);
    expect(comps).toHaveLength(MAX_COMPARABLES);
    // Same place and home first; 111 m north next; then the Somerset twin (one unit for the
    // other neighbourhood) before the one sold a year earlier 1.1 km away.
    expect(comps.map((c) => c.sale_price)).toEqual([150_000, 160_000, 250_000, 170_000, 260_000]);
    expect(comps[0].score).toBe(0);
    expect(comps[1].distance_km).toBeCloseTo(0.11, 2);
    expect(comps[2].neighborhood).toBe("Somerset");
    expect(comps[2].score).toBeCloseTo(SCALES.otherNeighborhood, 12);
  });

  it("adjusts each comp by the model's difference between subject and comp", () => {
    const [c] = findComparables(INDEX, SUBJECT, 12.1, 1);
    expect(c.adjusted_price).toBeCloseTo(150_000 * Math.exp(12.1 - 11.9), 6);
    expect(c).toMatchObject({ year_sold: 2009, mo_sold: 6, gr_liv_area: 1500, bedrooms: 3 });
  });

  it("returns fewer when the index is small or k is smaller", () => {
    expect(findComparables(INDEX, SUBJECT, 12, 2)).toHaveLength(2);
    const one = {
      ...INDEX,
      ...Object.fromEntries(
        Object.entries(INDEX).map(([k, v]) => [
          k,
          k === "neighborhoods" ? v : (v as number[]).slice(0, 1),
        ]),
      ),
    } as ComparablesIndex;
    expect(findComparables(one, SUBJECT, 12)).toHaveLength(1);
    expect(similarityDistance([])).toBe(Infinity);
  });

  it("equals a sort of every sale by its score (random subjects)", () => {
    const score = (s: Subject, i: number) => {
      const dy = (INDEX.latitude[i] - s.Latitude) * 111.2;
      const dx = (INDEX.longitude[i] - s.Longitude) * 111.2 * Math.cos((42 * Math.PI) / 180);
      const parts = [
        Math.hypot(dx, dy) / SCALES.km,
        Math.log(INDEX.gr_liv_area[i] / s.Gr_Liv_Area) / SCALES.logArea,
        (INDEX.year_built[i] - s.Year_Built) / SCALES.yearBuilt,
        (INDEX.bedrooms[i] - s.Bedroom_AbvGr) / SCALES.bedrooms,
        (INDEX.full_bath[i] + INDEX.half_bath[i] / 2 - s.Full_Bath - s.Half_Bath / 2) /
          SCALES.baths,
        ((INDEX.year_sold[i] - s.Year_Sold) * 12 + INDEX.mo_sold[i] - s.Mo_Sold) / SCALES.months,
        INDEX.neighborhoods[INDEX.neighborhood[i]] === s.Neighborhood
          ? 0
          : SCALES.otherNeighborhood,
      ];
      return Math.sqrt(parts.reduce((a, p) => a + p * p, 0));
    };
    fc.assert(
      fc.property(
        fc.record({
          Neighborhood: fc.constantFrom("North_Ames", "Somerset", "Veenker"),
          Latitude: fc.double({ min: 42.0, max: 42.1, noNaN: true }),
          Longitude: fc.double({ min: -93.7, max: -93.55, noNaN: true }),
          Gr_Liv_Area: fc.integer({ min: 400, max: 5000 }),
          Year_Built: fc.integer({ min: 1880, max: 2010 }),
          Bedroom_AbvGr: fc.integer({ min: 0, max: 6 }),
          Full_Bath: fc.integer({ min: 0, max: 4 }),
          Half_Bath: fc.integer({ min: 0, max: 2 }),
          Year_Sold: fc.integer({ min: 2006, max: 2010 }),
          Mo_Sold: fc.integer({ min: 1, max: 12 }),
        }),
        (s) => {
          const expected = INDEX.sale_price
            .map((_, i) => ({ i, d: score(s, i) }))
            .sort((a, b) => a.d - b.d || a.i - b.i)
            .slice(0, MAX_COMPARABLES);
          const got = findComparables(INDEX, s, 12);
          expect(got.map((c) => c.sale_price)).toEqual(expected.map((e) => INDEX.sale_price[e.i]));
          got.forEach((c, k) => expect(c.score).toBeCloseTo(expected[k].d, 9));
          expect(similarityDistance(got)).toBeCloseTo(
            expected.reduce((a, e) => a + e.d, 0) / expected.length,
            9,
          );
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });
});

describe("comparableSubject", () => {
  const state = {
    impute: { values: { Latitude: 42.0, Longitude: -93.6 }, geo: { Somerset: [-93.64, 42.05] } },
  } as unknown as FeatureState;
  const record = {
    Neighborhood: "Somerset",
    Gr_Liv_Area: 1500,
    Year_Built: 2000,
    Bedroom_AbvGr: 3,
    Full_Bath: 2,
    Half_Bath: 1,
    Year_Sold: 2010,
    Mo_Sold: 3,
  };

  it("takes the location as given, else the neighbourhood's training median", () => {
    expect(
      comparableSubject({ ...record, Latitude: 42.01, Longitude: -93.61 }, state),
    ).toMatchObject({
      Latitude: 42.01,
      Longitude: -93.61,
    });
    expect(comparableSubject(record, state)).toMatchObject({ Latitude: 42.05, Longitude: -93.64 });
    expect(comparableSubject({ ...record, Neighborhood: "Landmark" }, state)).toMatchObject({
      Latitude: 42.0,
      Longitude: -93.6,
    });
  });
});
