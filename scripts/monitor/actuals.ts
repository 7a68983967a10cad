import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";

/** Sale prices by prediction id from a CSV with `prediction_id` and `sale_price` columns. */
export async function readActuals(file: string): Promise<Map<string, number>> {
  const rows = parse(await readFile(file), {
    columns: true,
    skip_empty_lines: true,
    trim: true,
  }) as Record<string, string>[];
  const out = new Map<string, number>();
  if (rows.length === 0) return out;
  for (const column of ["prediction_id", "sale_price"]) {
    if (!(column in rows[0]))
      throw new Error(
        `${file}: no "${column}" column (header: ${Object.keys(rows[0]).join(", ")})`,
      );
  }
  rows.forEach((row, i) => {
    const price = Number(row.sale_price);
    if (!(price > 0))
      throw new Error(
        `${file} row ${i + 2}: sale_price "${row.sale_price}" is not a positive number`,
      );
    out.set(row.prediction_id, price);
  });
  return out;
}
