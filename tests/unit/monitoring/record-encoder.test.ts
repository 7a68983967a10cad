import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Reference } from "~/ml/reference";
import { compileBinner, encodeRecord, encodeValue } from "~/monitoring/bins";

// The generated record encoder writes the common cases inline (a number's bin by literal
// comparisons, a level by map): it must give encodeValue's code for every value of every field.
const manifest = JSON.parse(
  readFileSync(path.resolve(__dirname, "../../../models/03073acd7c8e/manifest.json"), "utf8"),
) as { reference: Reference };
const binner = compileBinner(manifest.reference);

function probes(field: (typeof binner.fields)[number]): unknown[] {
  const odd = [undefined, null, "", " ", "x", Number.NaN, Infinity, -Infinity, -0, true, {}, "12"];
  if (field.kind === "category") return [...odd, ...field.index.keys(), "(other)", "North_Ames "];
  const near = field.edges.flatMap((e) => [e, e - 1e-9, e + 1e-9, e - 1, e + 1, String(e)]);
  return [...odd, ...near, field.min, field.max, field.min - 1e-9, field.max + 1e-9, -1e12, 1e12];
}

describe("the generated record encoder", () => {
  it("gives encodeValue's code for edges, bounds, levels and odd values of every field", () => {
    expect(binner.fields.length).toBeGreaterThan(50);
    const codes = new Uint8Array(binner.fields.length);
    for (const [i, field] of binner.fields.entries()) {
      for (const value of probes(field)) {
        encodeRecord(binner, { [field.name]: value }, codes, 0);
        expect([field.name, value, codes[i]]).toEqual([
          field.name,
          value,
          encodeValue(field, value),
        ]);
      }
    }
  });

  it("gives encodeValue's codes for random records", () => {
    const codes = new Uint8Array(binner.fields.length);
    const value = fc.oneof(fc.double(), fc.integer({ min: -10, max: 300_000 }), fc.string());
    fc.assert(
      fc.property(fc.array(value, { minLength: binner.fields.length }), (values) => {
        const record = Object.fromEntries(binner.fields.map((f, i) => [f.name, values[i]]));
        encodeRecord(binner, record, codes, 0);
        return binner.fields.every((f, i) => codes[i] === encodeValue(f, values[i]));
      }),
    );
  });
});
