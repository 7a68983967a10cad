import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { FIELDS, OPTIONAL_FIELDS, REQUIRED_FIELDS, TARGET_FIELD } from "~/ml/fields";
import { coerceCsvRow, PropertyRecordSchema, trimStrings, validateRecord } from "~/ml/schema";
import { HOUSE, house, requiredOnly } from "./records";

describe("FIELDS", () => {
  const rows = parse(readFileSync("data/ames.csv"), { columns: true }) as Record<string, string>[];

  it("covers every column of the data set except the target", () => {
    const columns = Object.keys(rows[0])
      .filter((c) => c !== TARGET_FIELD)
      .sort();
    expect(FIELDS.map((f) => f.name).sort()).toEqual(columns);
  });

  it("lists every (trimmed) level that occurs in the file", () => {
    for (const f of FIELDS.filter((x) => x.kind === "category")) {
      const inFile = new Set(rows.map((r) => r[f.name].trim()));
      expect(
        [...inFile].filter((l) => !f.levels!.includes(l)),
        f.name,
      ).toEqual([]);
    }
  });

  it("has at most 12 required fields, each with a valid default", () => {
    expect(REQUIRED_FIELDS.length).toBeLessThanOrEqual(12);
    expect(REQUIRED_FIELDS.length + OPTIONAL_FIELDS.length).toBe(FIELDS.length);
    const defaults = Object.fromEntries(
      FIELDS.filter((f) => f.required).map((f) => [f.name, f.default]),
    );
    expect(validateRecord(defaults)).toMatchObject({ ok: true });
  });
});

describe("validateRecord", () => {
  it("accepts a complete record and one with only the required fields", () => {
    expect(validateRecord(HOUSE).ok).toBe(true);
    expect(validateRecord(requiredOnly(REQUIRED_FIELDS)).ok).toBe(true);
  });

  it("rejects an unknown category with a list of valid values", () => {
    const r = validateRecord(house({ Neighborhood: "Atlantis" }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].path).toBe("Neighborhood");
    expect(r.issues[0].message).toMatch(/^must be one of: Bloomington_Heights, .*\(28 values\)$/);
  });

  it("is strict: unknown keys are errors named by the key", () => {
    const r = validateRecord(house({ Swimming_Pool_Size: 3 }));
    expect(r).toEqual({
      ok: false,
      issues: [{ path: "Swimming_Pool_Size", message: "is not a known field" }],
    });
  });

  it("trims and drops nulls without letting a JSON __proto__ key swap the prototype", () => {
    const input = JSON.parse(
      `{"__proto__": {"Gr_Liv_Area": 1}, "Sale_Type": " WD ", "Alley": null}`,
    ) as object;
    const out = trimStrings(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(["__proto__", "Sale_Type"]);
    expect(out.Sale_Type).toBe("WD");
    expect(validateRecord(input)).toMatchObject({
      ok: false,
      issues: expect.arrayContaining([{ path: "__proto__", message: "is not a known field" }]),
    });
  });

  it("names an unknown key by at most its first 64 characters (the echo is bounded)", () => {
    const r = validateRecord(house({ ["k".repeat(1 << 20)]: 1 }));
    expect(r).toEqual({
      ok: false,
      issues: [{ path: `${"k".repeat(64)}…`, message: "is not a known field" }],
    });
  });

  it("reports missing required fields, ranges and integers in plain words", () => {
    const r = validateRecord(
      house({ Gr_Liv_Area: undefined, Lot_Area: -1, Full_Bath: 1.5, Mo_Sold: 13 }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
    expect(byPath).toEqual({
      Gr_Liv_Area: "is required",
      Lot_Area: "must be at least 500",
      Full_Bath: "must be a whole number",
      Mo_Sold: "must be at most 12",
    });
  });

  it("treats null as missing and trims strings (Sale_Type 'WD ')", () => {
    const r = validateRecord({ ...HOUSE, Sale_Type: "WD ", Fence: null });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.record.Sale_Type).toBe("WD");
    expect("Fence" in r.record).toBe(false);
  });

  it("rejects non-objects", () => {
    expect(validateRecord([1, 2])).toMatchObject({ ok: false });
    expect(PropertyRecordSchema.safeParse("x").success).toBe(false);
  });
});

describe("coerceCsvRow", () => {
  it("turns empty cells into missing, numbers into numbers, drops the target", () => {
    const out = coerceCsvRow({
      Gr_Liv_Area: " 1656 ",
      Lot_Frontage: "",
      Sale_Type: "WD ",
      Sale_Price: "215000",
    });
    expect(out).toEqual({ Gr_Liv_Area: 1656, Sale_Type: "WD" });
  });

  it("keeps non-numeric text so validation reports it", () => {
    const out = coerceCsvRow({
      ...Object.fromEntries(Object.entries(HOUSE).map(([k, v]) => [k, String(v)])),
      Gr_Liv_Area: "big",
    });
    expect(out.Gr_Liv_Area).toBe("big");
    const r = validateRecord(out);
    expect(r).toEqual({
      ok: false,
      issues: [{ path: "Gr_Liv_Area", message: "must be a number" }],
    });
  });
});
