// parseCsvRecords' fast path for plain lines (app/inference/csv-plain.server.ts) against
// csv-parse: for any text, the same records or the same error. A leading BOM sends a text to
// csv-parse (which drops the BOM, as the upload's decoder does), so the two are compared on
// the same file.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HousingMLError } from "~/lib/errors.server";
import {
  MAX_CSV_CELL_CHARS,
  MAX_CSV_COLUMNS,
  MAX_CSV_LINE_CHARS,
  parseCsvRecords,
} from "~/inference/csv.server";
import { plainCsv, plainRecords } from "~/inference/csv-plain.server";

const LIMITS = {
  maxRows: 4,
  maxColumns: MAX_CSV_COLUMNS,
  maxCell: MAX_CSV_CELL_CHARS,
  maxLine: MAX_CSV_LINE_CHARS,
};

function outcome(text: string) {
  try {
    const { columns, records } = parseCsvRecords(text, LIMITS.maxRows);
    // Own properties and their order, as JSON would show them and the upload reads them.
    return { columns, records: records.map((r) => Object.entries(r)) };
  } catch (error) {
    if (!(error instanceof HousingMLError)) throw error;
    return { error: `${error.status} ${error.message}` };
  }
}

const plain = fc.string({ unit: fc.constantFrom("x", "1", " ", "-", "é", "_") });
// Mostly cells the fast path reads, some it must leave to csv-parse.
const cell = fc.oneof(
  { arbitrary: plain, weight: 40 },
  { arbitrary: plain.map((s) => `"${s}"`), weight: 20 },
  {
    arbitrary: fc.string({ unit: fc.constantFrom("x", ",", '""', " ") }).map((s) => `"${s}"`),
    weight: 10,
  },
  {
    arbitrary: fc
      .string({ unit: fc.constantFrom("x", ",", "\n", '"', " ", "\r") })
      .map((s) => `"${s}"`),
    weight: 1,
  },
  { arbitrary: fc.string({ unit: fc.constantFrom('"', ",", "x", "\r", "\n") }), weight: 1 },
  { arbitrary: fc.string({ unit: fc.constantFrom('"', ",", "x") }), weight: 5 },
);
const name = fc.constantFrom("a", "b", " c ", "Gr_Liv_Area", "__proto__", "", '"q"', "é");

const csvText = fc
  .record({
    header: fc.uniqueArray(name, { minLength: 1, maxLength: 4 }),
    rows: fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 5 }),
    widthOf: fc.array(fc.boolean(), { maxLength: 2 }),
    newline: fc.constantFrom("\n", "\r\n"),
    odd: fc.constantFrom("", "", "", "", "", "\n", "\r", "\r\n"),
    oddAt: fc.nat(8),
    trailing: fc.boolean(),
  })
  .map(({ header, rows, widthOf, newline, odd, oddAt, trailing }) => {
    // Most rows as wide as the header (a file csv-parse reads), some not.
    const lines = rows.map((cells, i) => {
      const width = widthOf[i] === false ? cells.length : header.length;
      return Array.from({ length: width }, (_, k) => cells[k % cells.length]).join(",");
    });
    lines.splice(oddAt % (lines.length + 1), 0, ""); // an empty line somewhere
    const text = [header.join(","), ...lines].join(newline) + (trailing ? newline : "");
    return odd ? text.replace(newline, odd) : text;
  });

describe("plain CSV lines", () => {
  it("give what csv-parse gives, records or error, for any text", () => {
    let fast = 0;
    fc.assert(
      fc.property(csvText, (text) => {
        if (plainCsv(text, LIMITS)) fast++;
        // The comparison holds only while a BOM keeps a text off the fast path.
        expect(plainCsv(`\uFEFF${text}`, LIMITS)).toBeUndefined();
        expect(outcome(text)).toEqual(outcome(`\uFEFF${text}`));
      }),
      { numRuns: 5000 },
    );
    expect(fast).toBeGreaterThan(500); // the fast path was taken often enough to be tested
  });

  it("are read without csv-parse: cells quoted whole (quotes doubled), as R and spreadsheets write them", () => {
    const text = '"Neighborhood","Gr_Liv_Area"\r\n"North_Ames",1656\r\n\r\n"",""\r\n';
    const plain = plainCsv(text, LIMITS)!;
    expect(plain.columns).toEqual(["Neighborhood", "Gr_Liv_Area"]);
    expect(plainRecords(plain, 0, 2)).toEqual([
      { Neighborhood: "North_Ames", Gr_Liv_Area: "1656" },
      { Neighborhood: "", Gr_Liv_Area: "" },
    ]);
    expect(plainRecords(plain, 1, 5)).toEqual([{ Neighborhood: "", Gr_Liv_Area: "" }]);
    const quoted = plainCsv('a,b\n"x, ""y""",\n', LIMITS)!;
    expect(plainRecords(quoted, 0, 1)).toEqual([{ a: 'x, "y"', b: "" }]);
  });

  it.each([
    ["a quoted line break", 'a,b\n"x\ny",1\n'],
    ["a quote inside a cell not quoted whole", 'a,b\nx"y,1\n'],
    ["text after a closing quote", 'a,b\n"x"y\n'],
    ["a lone CR", "a,b\rx,1\r"],
    ["mixed line breaks", "a,b\r\nx,1\ny,2\r\n"],
    ["a ragged row", "a,b\nx\n"],
    ["more rows than allowed", "a\n1\n2\n3\n4\n5\n"],
    ["a cell over the limit", `a\n${"x".repeat(MAX_CSV_CELL_CHARS + 1)}\n`],
    ["a header only", "a,b\n"],
  ])("are left to csv-parse with %s, which answers them", (_name, text) => {
    expect(plainCsv(text, LIMITS)).toBeUndefined();
    expect(outcome(text)).toEqual(outcome(`\uFEFF${text}`));
  });
});
