import { describe, expect, it } from "vitest";
import { FIELDS, REQUIRED_FIELDS } from "~/ml/fields";
import { columnPlan } from "~/inference/csv.server";
import { csvInputFor } from "~/ml/csv-input";
import { validateRecord } from "~/ml/schema";
import { buildBatchView, formatBytes, resultFileName } from "~/routes/batch/view";
import {
  OPTIONAL_GROUPS,
  REQUIRED_SPECS,
  defaultFormValues,
  hasFieldInputs,
  selectOptions,
  shareableSearch,
} from "~/components/form-fields";

describe("estimate form layout", () => {
  it("shows every field exactly once: required up front, optional ones grouped", () => {
    const shown = [
      ...REQUIRED_SPECS.map((f) => f.name),
      ...OPTIONAL_GROUPS.flatMap((g) => g.fields.map((f) => f.name)),
    ];
    expect(shown.sort()).toEqual(FIELDS.map((f) => f.name).sort());
    expect(REQUIRED_SPECS.map((f) => f.name)).toEqual([...REQUIRED_FIELDS]);
  });

  it("the defaults alone are a valid record (the untouched form gives an estimate)", () => {
    const values = defaultFormValues();
    const coerced = Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, Number.isNaN(Number(v)) ? v : Number(v)]),
    );
    expect(validateRecord(coerced)).toEqual({ ok: true, record: coerced });
  });

  it("shareable URLs hold only given fields, in a stable order", () => {
    expect(
      shareableSearch({ Year_Built: 1990, Neighborhood: "Old_Town", Lot_Frontage: "", x: 1 }),
    ).toBe("Neighborhood=Old_Town&Year_Built=1990");
    expect(hasFieldInputs(new URLSearchParams("utm_source=x"))).toBe(false);
    expect(hasFieldInputs(new URLSearchParams("Gr_Liv_Area=1"))).toBe(true);
  });

  it("offers month names for the month of sale and readable category labels", () => {
    const month = FIELDS.find((f) => f.name === "Mo_Sold")!;
    expect(selectOptions(month)?.[0]).toEqual({ value: "1", label: "January" });
    const nb = FIELDS.find((f) => f.name === "Neighborhood")!;
    expect(selectOptions(nb)).toContainEqual({ value: "North_Ames", label: "North Ames" });
    expect(selectOptions(FIELDS.find((f) => f.name === "Gr_Liv_Area")!)).toBeUndefined();
  });
});

describe("batch view", () => {
  it("sorts columns into inputs and ignored ones, and refuses a file without a required one", () => {
    const header = ["id", ...REQUIRED_FIELDS, "Sale_Price", "Notes"];
    const plan = columnPlan(header);
    expect(plan.inputs).toEqual([...REQUIRED_FIELDS]);
    expect(plan.ignored).toEqual(["id", "Notes"]); // the target column is expected, not "unknown"
    const toInput = csvInputFor(plan.inputs.map((c) => [c, c]));
    expect(toInput({ id: "1", Neighborhood: "Old_Town" })).toEqual({ Neighborhood: "Old_Town" });
    expect(() => columnPlan(["id", "Neighborhood", "Gr_Liv_Area"])).toThrow(
      /no column for: .*Year_Built/,
    );
  });

  it("summarises results, previews the first rows and lists each row error by field", () => {
    const records = [
      { Neighborhood: "Old_Town", Gr_Liv_Area: "1200", Year_Built: "1920" },
      { Neighborhood: "Nowhere", Gr_Liv_Area: "abc", Year_Built: "1950" },
    ];
    const ok = {
      status: "ok" as const,
      price: 120_000,
      interval: {
        lower: 100_000,
        upper: 140_000,
        level: 0.9,
        group: "required/unknown",
        widened: [],
      },
      imputed: [],
      warnings: [],
    };
    const bad = {
      status: "error" as const,
      error: {
        row: 2,
        errors: [
          { path: "Neighborhood", message: "must be one of: …" },
          { path: "Gr_Liv_Area", message: "must be a number" },
        ],
      },
    };
    const view = buildBatchView({
      fileName: "homes.csv",
      rows: 3,
      ok: 2,
      failed: 1,
      level: 0.9,
      head: [
        { row: 1, record: records[0], item: ok },
        { row: 2, record: records[1], item: bad },
      ],
      issues: [{ row: 2, path: "Neighborhood", message: "must be one of: …" }],
      issueCount: 2,
      ignoredColumns: [],
    });
    expect(view).toMatchObject({ rows: 3, ok: 2, failed: 1, level: 0.9, issueCount: 2 });
    expect(view.preview).toHaveLength(2);
    expect(view.preview[0]).toMatchObject({ row: 1, neighbourhood: "Old Town", price: 120_000 });
    expect(view.preview[1]).toMatchObject({ row: 2, error: "2 problems" });
    expect(view.issues).toEqual([
      { row: 2, column: "Neighborhood", field: "Neighbourhood", message: "must be one of: …" },
    ]);
  });

  it("formats sizes and download names safely", () => {
    expect(formatBytes(10 * 1024 * 1024)).toBe("10 MB");
    expect(formatBytes(1536)).toBe("2 KB");
    expect(resultFileName("my homes (v2).csv")).toBe("my_homes_v2_-estimates.csv");
    expect(resultFileName('"; evil.csv')).toBe("_evil-estimates.csv");
    expect(resultFileName(".csv")).toBe("batch-estimates.csv");
  });
});
