// The batch CLI's CSV fast paths (app/inference/csv.server.ts) against the libraries they
// stand in for: csvLine must write what csv-stringify writes, and parseCsvRows must read
// what csv-parse reads, for any cells (fast-check) and both record delimiters.
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCsvRows, readCsvRows } from "~/inference/csv.server";
import { csvFields, csvLine, safeCell, safePlainLine } from "~/inference/csv-write.server";

// Cells with the characters that matter to CSV, often.
const cell = fc.oneof(
  fc.string(),
  fc.string({ unit: fc.constantFrom("a", "1", ",", '"', "\n", "\r", " ", "-", "=", "é") }),
  fc.integer().map(String),
  fc.double({ noNaN: true }),
);

describe("csvLine", () => {
  it("writes exactly what csv-stringify writes", () => {
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 8 }), (cells) => {
        expect(csvLine(cells)).toBe(stringify([cells]));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("safePlainLine", () => {
  it("writes what csvFields writes for the cells after safeCell", () => {
    // Plain cells (no quote, comma or line break), often starting like a formula or a number.
    const plain = fc.oneof(
      fc.string({ unit: fc.constantFrom("a", "1", ".", "-", "=", "+", "@", "\t", " ", "é", "e") }),
      fc.double({ noNaN: true }).map(String),
    );
    fc.assert(
      fc.property(fc.array(plain, { minLength: 1, maxLength: 8 }), (cells) => {
        const line = cells.join(",");
        expect(safePlainLine(line, line.split(","))).toBe(csvFields(cells.map(safeCell)));
      }),
      { numRuns: 3000 },
    );
  });

  it("gives the lines of plain text only, as they are", () => {
    expect(readCsvRows("a,-1\n\n=b,c\n", "\n")).toEqual({
      rows: [
        ["a", "-1"],
        ["=b", "c"],
      ],
      lines: ["a,-1", "=b,c"],
    });
    expect(readCsvRows('a,"b"\n', "\n").lines).toBeUndefined();
  });
});

describe("parseCsvRows", () => {
  it.each(["\n", "\r\n"] as const)("reads what csv-parse reads (delimiter %j)", (newline) => {
    const plainCell = fc.string({ unit: fc.constantFrom("a", "b", "1", " ", "-", ".", "é") });
    const rows = fc.array(fc.array(fc.oneof(plainCell, cell), { minLength: 1, maxLength: 6 }), {
      minLength: 1,
      maxLength: 12,
    });
    fc.assert(
      fc.property(rows, fc.boolean(), (records, blankLines) => {
        const lines = records.map((r) => stringify([r], { record_delimiter: newline }));
        const text = lines.join(blankLines ? newline : "");
        const expected = parse(text, {
          skip_empty_lines: true,
          relax_column_count: true,
          record_delimiter: newline,
        });
        expect(parseCsvRows(text, newline)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("takes the split path only for text without quotes and with the file's line breaks", () => {
    expect(parseCsvRows("a,b\n\nc,\n", "\n")).toEqual([
      ["a", "b"],
      ["c", ""],
    ]);
    expect(parseCsvRows("a,b\r\nc,d\r\n", "\r\n")).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    // A lone CR in a CRLF file is data, as csv-parse has it.
    expect(parseCsvRows('a,"b\rc"\r\n', "\r\n")).toEqual([["a", "b\rc"]]);
  });
});
