import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { compileCsvInput, csvInputFor, csvInputSource } from "~/ml/csv-input";
import { coerceCsvRow } from "~/ml/schema";

const rows = parse(readFileSync("data/ames.csv", "utf8")) as string[][];
const header = rows[0];
const data = rows.slice(1);

describe("compiled CSV input", () => {
  it("gives exactly coerceCsvRow's record for every row of the data, by cell index", () => {
    const toInput = compileCsvInput(header.map((h, i) => [i, h]));
    for (const cells of data) {
      const keyed = Object.fromEntries(header.map((h, i) => [h, cells[i]]));
      expect(toInput(cells)).toStrictEqual(coerceCsvRow(keyed));
    }
  });

  it("reads keyed rows too, and treats absent, blank and padded cells like coerceCsvRow", () => {
    const toInput = csvInputFor([
      ["Gr_Liv_Area", "Gr_Liv_Area"],
      ["Lot_Frontage", "Lot_Frontage"],
      ["Sale_Type", "Sale_Type"],
      ["Year_Built", "Year_Built"],
      ["Sale_Price", "Sale_Price"],
    ]);
    const row = { Gr_Liv_Area: " 1656 ", Lot_Frontage: "  ", Sale_Type: "WD ", Sale_Price: "1" };
    expect(toInput(row)).toStrictEqual({ Gr_Liv_Area: 1656, Sale_Type: "WD" });
    expect(toInput({ Gr_Liv_Area: "big" })).toStrictEqual({ Gr_Liv_Area: "big" });
  });

  it("names every field literally and never puts a cell's text into the code", () => {
    const source = csvInputSource([[3, 'x"); process.exit(1); ("']]);
    expect(source).toContain(JSON.stringify('x"); process.exit(1); ("'));
    const toInput = compileCsvInput([[0, 'x"); process.exit(1); ("']]);
    expect(toInput(["a"])).toStrictEqual({ 'x"); process.exit(1); ("': "a" });
  });

  it("reuses the compiled function for a header it has seen", () => {
    const cells = header.map((h, i) => [i, h] as const);
    expect(csvInputFor(cells)).toBe(csvInputFor([...cells]));
  });
});
