import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { columnPlan, parseCsvRecords } from "~/inference/csv.server";
import { safeCell, toResultCsv } from "~/inference/csv-write.server";
import { MalformedRequestError, PayloadTooLargeError } from "~/lib/errors.server";

describe("parseCsvRecords", () => {
  it("reads a header + rows, trims header names, skips a BOM and empty lines", () => {
    const table = parseCsvRecords("\ufeffa, b \n1,2\n\n3,4\n", 10);
    expect(table).toEqual({
      columns: ["a", "b"],
      records: [
        { a: "1", b: "2" },
        { a: "3", b: "4" },
      ],
    });
  });

  it("names the line of a ragged row and rejects bad headers", () => {
    expect(() => parseCsvRecords("a,b\n1,2\n3\n", 10)).toThrow(/line 3/);
    expect(() => parseCsvRecords("a,a\n1,2\n", 10)).toThrow(/names "a" twice/);
    expect(() => parseCsvRecords("a,,c\n1,2,3\n", 10)).toThrow(/empty column name/);
    expect(() => parseCsvRecords("  \n", 10)).toThrow(MalformedRequestError);
  });

  it("enforces the row limit with a 413", () => {
    expect(parseCsvRecords("a\n1\n2\n", 2).records).toHaveLength(2);
    expect(() => parseCsvRecords("a\n1\n2\n3\n", 2)).toThrow(PayloadTooLargeError);
  });
});

describe("toResultCsv", () => {
  it("writes row numbers, the inputs as uploaded, then estimates or errors", () => {
    const table = parseCsvRecords("id,Gr_Liv_Area\nx1,1500\n=cmd(),abc\n", 10);
    const csv = toResultCsv(
      table,
      [
        {
          status: "ok",
          price: 150_123.6,
          interval: {
            lower: 120_000.2,
            upper: 180_000.9,
            level: 0.9,
            group: "most/typical",
            widened: [],
          },
          imputed: ["Lot_Frontage", "Alley"],
          warnings: [],
          prediction_id: "0b9f4c1e-2a7d-4e55-9c3b-6f1d2e8a9b01",
        },
        {
          status: "error",
          error: { row: 2, errors: [{ path: "Gr_Liv_Area", message: "must be a number" }] },
        },
      ],
      { firstRow: 1 },
    );
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual([
      "row",
      "id",
      "Gr_Liv_Area",
      "predicted_price",
      "interval_lower",
      "interval_upper",
      "interval_level",
      "imputed_fields",
      "interval_group",
      "interval_widened",
      "warning_codes",
      "warning_fields",
      "errors",
      "prediction_id",
    ]);
    expect(rows[0]).toMatchObject({
      row: "1",
      id: "x1",
      predicted_price: "150124",
      interval_lower: "120000",
      interval_upper: "180001",
      interval_level: "0.9",
      imputed_fields: "Lot_Frontage Alley",
      interval_group: "most/typical",
      interval_widened: "",
      warning_codes: "",
      errors: "",
      prediction_id: "0b9f4c1e-2a7d-4e55-9c3b-6f1d2e8a9b01",
    });
    // A formula-looking cell is defused; the error names field and problem.
    expect(rows[1]).toMatchObject({
      row: "2",
      id: "'=cmd()",
      predicted_price: "",
      errors: "Gr_Liv_Area: must be a number",
      prediction_id: "",
    });
  });

  it("refuses a result that does not match the rows", () => {
    const table = parseCsvRecords("a\n1\n", 10);
    expect(() => toResultCsv(table, [])).toThrow(/0 results for 1 rows/);
  });
});

describe("safeCell", () => {
  it("defuses spreadsheet formulas but leaves negative numbers alone", () => {
    expect(safeCell("=1+1")).toBe("'=1+1");
    expect(safeCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(safeCell("-93.61")).toBe("-93.61");
    expect(safeCell("+12")).toBe("+12");
    expect(safeCell("North_Ames")).toBe("North_Ames");
  });
});

describe("CSV messages people can act on", () => {
  const message = (text: string) => {
    try {
      parseCsvRecords(text, 10);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("parsed");
  };

  it("an unclosed quote names the line where it opened, not the end of the file", () => {
    expect(message('a,b\n1,"2\n3,4\n5,6\n')).toMatch(
      /the quote \("\) opened on line 2 is never closed/,
    );
    expect(message('a,b\n1,"x ""y"" z"\n3,"4\n')).toMatch(/opened on line 3/);
  });

  it("a row with too few or too many cells names its line and both counts", () => {
    expect(message("a,b\n1,2\n3\n")).toMatch(
      /line 3 does not match the header: it has 1 cells, the header has 2 columns/,
    );
  });

  it("a stray quote inside a value names its line", () => {
    expect(message('a,b\n1,2"x\n')).toMatch(/line 2 has a quote/);
  });

  it("a file without any required column says its first line is not the header", () => {
    expect(() => columnPlan(["Some notes about my house"])).toThrow(
      /first line of the file is not a header.*no column for: Neighborhood \(Neighbourhood\)/,
    );
    expect(() => columnPlan(["Neighborhood"])).toThrow(/^The file has no column for: Gr_Liv_Area/);
  });
});
