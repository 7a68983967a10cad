// The compiled CSV row → input record step of every CSV path (API CSV bodies, dashboard
// uploads, the batch CLI's chunks): the same values as coerceCsvRow, as straight-line code
// built once per file header (never from cell contents). A loop that stores ~80 computed keys
// leaves each record in V8's dictionary mode, which made this step and every later read of
// the record (validation, features) several times slower per row; literal property names give
// fast objects (ADR 0020, like the feature row function of ADR 0017).
import { TARGET_FIELD } from "./fields";
import { coercerOf, type CellCoercer } from "./schema";

/** Where a field's cell is: an index into a cell array, or a column name of a keyed row. */
export type CellSource = readonly [at: number | string, field: string];

/** A CSV record: its cells in order, or keyed by column name. */
export type CsvRow = readonly (string | undefined)[] | Readonly<Record<string, string | undefined>>;

export type CsvInput = (row: CsvRow) => Record<string, unknown>;

/** The columns a row function reads: every cell but the target's. */
const kept = (cells: readonly CellSource[]) => cells.filter(([, field]) => field !== TARGET_FIELD);

/** The generated code, for reading and debugging: `c[k]` is the k-th kept column's coercer. */
export function csvInputSource(cells: readonly CellSource[]): string {
  const lit = (x: number | string) => JSON.stringify(x); // a JS literal
  const lines = kept(cells).map(
    ([at, field], k) =>
      `v = c[${k}](row[${lit(at)}]); if (v !== undefined) out[${lit(field)}] = v;`,
  );
  return ['"use strict";', "return function csvInput(row) {", "const out = {};", "let v;"]
    .concat(lines, ["return out;", "};"])
    .join("\n");
}

export function compileCsvInput(cells: readonly CellSource[]): CsvInput {
  const make = new Function("c", csvInputSource(cells)) as (c: CellCoercer[]) => CsvInput;
  return make(kept(cells).map(([, field]) => coercerOf(field)));
}

const compiled = new Map<string, CsvInput>();
const MAX_COMPILED = 16; // headers seen recently; a file or request rarely brings a new one

/** compileCsvInput, remembered for the last few headers (compiling costs more than a row). */
export function csvInputFor(cells: readonly CellSource[]): CsvInput {
  const key = JSON.stringify(cells);
  let fn = compiled.get(key);
  if (!fn) {
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
    fn = compileCsvInput(cells);
    compiled.set(key, fn);
  }
  return fn;
}
