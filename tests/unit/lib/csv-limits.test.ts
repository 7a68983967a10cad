import { REQUIRED_FIELDS } from "~/ml/fields";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import {
  MAX_CSV_CELL_CHARS,
  MAX_CSV_COLUMNS,
  MAX_CSV_LINE_CHARS,
  parseCsvRecords,
} from "~/inference/csv.server";
import { toResultCsv } from "~/inference/csv-write.server";
import { countJsonRecords, countLines, countWork } from "~/inference/work.server";
import { InvalidInputError, PayloadTooLargeError } from "~/lib/errors.server";

const bytes = (text: string) => new TextEncoder().encode(text);

/** The error a call throws (fails the test if it does not). */
function thrown(fn: () => unknown): Error & { status?: number } {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("did not throw");
}

describe("CSV limits, checked while parsing", () => {
  it("refuses more than 256 columns with a 413 naming the limit", () => {
    const header = Array.from({ length: MAX_CSV_COLUMNS + 1 }, (_, i) => `c${i}`).join(",");
    const error = thrown(() => parseCsvRecords(`${header}\n${"1,".repeat(256)}1\n`, 10));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.message).toMatch(/257 columns; at most 256/);
    const ok = Array.from({ length: MAX_CSV_COLUMNS }, (_, i) => `c${i}`).join(",");
    expect(parseCsvRecords(`${ok}\n${"1,".repeat(255)}1\n`, 10).columns).toHaveLength(256);
  });

  it("refuses a cell or a line over its limit, naming the line", () => {
    const cell = thrown(() =>
      parseCsvRecords(`a,b\n1,2\n${"x".repeat(MAX_CSV_CELL_CHARS + 1)},1\n`, 10),
    );
    expect(cell).toBeInstanceOf(PayloadTooLargeError);
    expect(cell.message).toMatch(/line 3 .* longer than 8192 characters/);
    const cells = Array.from({ length: 9 }, () => "y".repeat(MAX_CSV_CELL_CHARS - 1)).join(",");
    const line = thrown(() => parseCsvRecords(`a,b,c,d,e,f,g,h,i\n${cells}\n`, 10));
    expect(line).toBeInstanceOf(PayloadTooLargeError);
    expect(line.message).toMatch(/Line 2 .* longer than 65536 characters/);
  });

  it("stops at a huge header line without reading the rest of the file", () => {
    // 1M columns in 8.9 MB: refused at the first 64 KiB of the line.
    const header = Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(",");
    const error = thrown(() => parseCsvRecords(`${header}\n1\n`, 10));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.message).toMatch(new RegExp(`Line 1 .* ${MAX_CSV_LINE_CHARS}`));
  });

  it("a header without data rows is a 422, like an empty records array", () => {
    const error = thrown(() => parseCsvRecords(`${REQUIRED_FIELDS.join(",")}\n\n`, 10));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/header but no data rows/);
  });

  it("a text file (one line, no rows) is told which columns are missing, not that rows are", () => {
    const error = thrown(() => parseCsvRecords("My house is lovely.\n", 10));
    expect(error.status).toBe(422);
    expect(error.message).toMatch(/not a header naming the required columns/);
    expect(error.message).not.toMatch(/no data rows/);
  });
});

describe("result CSV: formulas neutralised in every cell", () => {
  it("header cells included (an unknown column named like a formula)", () => {
    const table = parseCsvRecords('id,"=HYPERLINK(""http://x"")",@cmd\n1,=1+1,-2\n', 10);
    const csv = toResultCsv(table, [
      { status: "error", error: { row: 1, errors: [{ path: "", message: "bad" }] } },
    ]);
    const [header, row] = parse(csv) as string[][];
    expect(header.slice(0, 4)).toEqual(["row", "id", `'=HYPERLINK("http://x")`, "'@cmd"]);
    expect(row.slice(0, 4)).toEqual(["1", "1", "'=1+1", "-2"]);
  });
});

describe("work counts (placement by records, not bytes)", () => {
  it("counts the records of a JSON envelope without parsing it", () => {
    const empties = `{"records":[${Array.from({ length: 10_000 }, () => "{}").join(",")}]}`;
    expect(countJsonRecords(bytes(empties))).toBe(10_000);
    expect(countJsonRecords(bytes('{"records":[{"a":"x,y]","b":[1,2,3]}],"explain":true}'))).toBe(
      1,
    );
    expect(countJsonRecords(bytes('{"records":[1,2,"3"]}'))).toBe(3);
    expect(countJsonRecords(bytes('{"records":[]}'))).toBe(0);
    expect(countJsonRecords(bytes('{"records":[ ]}'))).toBe(0);
    expect(countJsonRecords(bytes('{"records":["a\\",b"]}'))).toBe(1);
  });

  it("counts CSV rows (header excluded) and lines", () => {
    expect(countLines(bytes("a\n1\n2"))).toBe(3);
    expect(countLines(bytes("a\n1\n2\n"))).toBe(3);
    expect(countLines(bytes(""))).toBe(0);
    expect(countWork(bytes("a\n1\n2\n"), "csv")).toBe(2);
    expect(countWork(bytes("a\n"), "multipart")).toBe(0);
  });
});
