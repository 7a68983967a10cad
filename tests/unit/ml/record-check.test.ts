import { readFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIELDS, REQUIRED_FIELDS } from "~/ml/fields";
import { checkRecord } from "~/inference/record-check.server";
import { coerceCsvRow, validateRecord } from "~/ml/schema";
import { HOUSE, requiredOnly } from "./records";

// The ajv fast path must give zod's verdict on every input, and zod's record when valid.
function sameVerdict(input: unknown) {
  const fast = checkRecord(input);
  const zod = validateRecord(input);
  expect(fast).toEqual(zod);
}

const rows = (
  parse(readFileSync(path.resolve(__dirname, "../../../data/ames.csv")), {
    columns: true,
    skip_empty_lines: true,
  }) as Record<string, string>[]
).map(coerceCsvRow);

// Values that probe every kind of check: types, bounds, integers, levels, non-finite numbers.
const oddValue = fc.oneof(
  fc.constantFrom(null, undefined, "", " ", "WD ", " North_Ames", "1", true, [], {}, [1]),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0, 0.5, 1e308, -1e308, 2 ** 53, 1.0),
  fc.double(),
  fc.integer(),
  fc.string(),
);

describe("checkRecord (ajv fast path) agrees with the zod schema", () => {
  it("on every row of the data set", () => {
    expect(rows.length).toBeGreaterThan(2900);
    for (const row of rows) {
      const fast = checkRecord(row);
      expect(fast.ok).toBe(true);
      expect(fast).toEqual(validateRecord(row));
    }
  });

  it("on hand-made edge cases", () => {
    sameVerdict(HOUSE);
    sameVerdict(requiredOnly(REQUIRED_FIELDS));
    sameVerdict({ ...HOUSE, Sale_Type: "WD " }); // trimmed, then valid
    sameVerdict({ ...HOUSE, Lot_Frontage: null }); // null = not given
    sameVerdict({ ...HOUSE, Gr_Liv_Area: Number.NaN });
    sameVerdict({ ...HOUSE, Gr_Liv_Area: Infinity });
    sameVerdict({ ...HOUSE, Bedroom_AbvGr: 2.5 });
    sameVerdict({ ...HOUSE, Bedroom_AbvGr: "3" });
    sameVerdict({ ...HOUSE, Neighborhood: "Atlantis" });
    sameVerdict({ ...HOUSE, Extra: 1 });
    sameVerdict(JSON.parse(`{"__proto__": {"x": 1}, "Gr_Liv_Area": 1000}`));
    sameVerdict(JSON.parse(JSON.stringify({ ...HOUSE, __proto__: null })));
    for (const input of [null, undefined, 3, "x", [], [HOUSE], new Date()]) sameVerdict(input);
  });

  it("on random mutations of real rows (every field: odd values, deletions, extra keys)", () => {
    const names = FIELDS.map((f) => f.name);
    fc.assert(
      fc.property(
        fc.nat(rows.length - 1),
        fc.array(fc.tuple(fc.constantFrom(...names, "Unknown_Field", "__proto__"), oddValue), {
          maxLength: 4,
        }),
        fc.array(fc.constantFrom(...names), { maxLength: 3 }),
        (i, edits, deletions) => {
          const input: Record<string, unknown> = { ...rows[i] };
          for (const name of deletions) delete input[name];
          for (const [name, value] of edits) {
            Object.defineProperty(input, name, { value, enumerable: true, writable: true });
          }
          const fast = checkRecord(input);
          const zod = validateRecord(input);
          return isDeepStrictEqual(fast, zod);
        },
      ),
      { numRuns: 4000, seed: 5 },
    );
  });

  it("returns a valid record unchanged (no copy, nothing dropped)", () => {
    const input = { ...HOUSE };
    const result = checkRecord(input);
    expect(result.ok && result.record).toBe(input);
  });
});
