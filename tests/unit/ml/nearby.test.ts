import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nearbyLookup, type NearbyState } from "~/ml/nearby";

// The reference: the linear scan the grid index replaced. Every training point is compared,
// neighbours ranked by (distance², index), the k values summed in rank order.
const LON_SCALE = Math.cos((42 * Math.PI) / 180);
function linearScan(nb: NearbyState, lon: number, lat: number): number {
  const k = Math.min(nb.k, nb.value.length);
  const best: { d: number; v: number }[] = [];
  const x = lon * LON_SCALE;
  for (let i = 0; i < nb.value.length; i++) {
    const dx = nb.lon[i] * LON_SCALE - x;
    const dy = nb.lat[i] - lat;
    const d = dx * dx + dy * dy;
    if (best.length === k && d >= best[k - 1].d) continue;
    let j = best.length < k ? best.length : k - 1;
    best[j] = { d, v: nb.value[i] };
    while (j > 0 && best[j - 1].d > d) {
      [best[j - 1], best[j]] = [best[j], best[j - 1]];
      j--;
    }
  }
  let sum = 0;
  for (const b of best) sum += b.v;
  return best.length ? sum / best.length : 0;
}

function bundleNearby(): NearbyState {
  const root = path.resolve(__dirname, "../../../models");
  const version = readFileSync(path.join(root, "LATEST"), "utf8").trim();
  const manifest = JSON.parse(readFileSync(path.join(root, version, "manifest.json"), "utf8"));
  return manifest.feature_state.nearby as NearbyState;
}

describe("nearbyLookup (grid index)", () => {
  it("is bit-identical to a linear scan on the bundled model's 1,936 training sales", () => {
    const nb = bundleNearby();
    expect(nb.value.length).toBeGreaterThan(1000);
    const lookup = nearbyLookup(nb);
    // Every training location (exact ties with the point itself and its duplicates)…
    for (let i = 0; i < nb.value.length; i++) {
      expect(lookup(nb.lon[i], nb.lat[i])).toBe(linearScan(nb, nb.lon[i], nb.lat[i]));
    }
    // …and random locations across and beyond the accepted range.
    fc.assert(
      fc.property(
        fc.double({ min: -94.5, max: -92.5, noNaN: true }),
        fc.double({ min: 41.5, max: 42.6, noNaN: true }),
        (lon, lat) => lookup(lon, lat) === linearScan(nb, lon, lat),
      ),
      { numRuns: 3000, seed: 11 },
    );
  });

  it("breaks distance ties by training order, like the linear scan (duplicate-heavy sets)", () => {
    // Integer coordinates on a small lattice force many equal distances at the k-th place.
    const point = fc.record({
      lon: fc.integer({ min: -5, max: 5 }),
      lat: fc.integer({ min: -5, max: 5 }),
      value: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(
        fc.array(point, { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(
          fc.tuple(fc.double({ min: -9, max: 9, noNaN: true }), fc.integer({ min: -9, max: 9 })),
          { minLength: 1, maxLength: 20 },
        ),
        (points, k, queries) => {
          const nb: NearbyState = {
            k,
            lon: points.map((p) => p.lon / LON_SCALE / 100),
            lat: points.map((p) => p.lat / 100),
            value: points.map((p) => p.value / 7),
          };
          const lookup = nearbyLookup(nb);
          return queries.every(([qx, qy]) => {
            const [lon, lat] = [qx / LON_SCALE / 100, qy / 100];
            return Object.is(lookup(lon, lat), linearScan(nb, lon, lat));
          });
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });

  it("handles degenerate sets: one point, all points identical, k above the count", () => {
    const one = nearbyLookup({ k: 12, lon: [-93.6], lat: [42], value: [5] });
    expect(one(-93.7, 42.1)).toBe(5);
    const same = {
      k: 3,
      lon: [-93.6, -93.6, -93.6, -93.6],
      lat: [42, 42, 42, 42],
      value: [1, 2, 4, 8],
    };
    // Four equidistant points, k = 3: the first three in training order.
    expect(nearbyLookup(same)(-93.5, 42)).toBe((1 + 2 + 4) / 3);
    expect(nearbyLookup({ k: 12, lon: [], lat: [], value: [] })(-93.6, 42)).toBe(0);
  });

  it("answers NaN for a non-finite location (featurize then reports the row)", () => {
    const lookup = nearbyLookup(bundleNearby());
    expect(lookup(Number.NaN, 42)).toBeNaN();
    expect(lookup(-93.6, Number.POSITIVE_INFINITY)).toBeNaN();
  });
});
