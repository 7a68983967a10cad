// The generated row function (ADR 0017): one record → its filled row and its features, as
// straight-line code built once per bundle from FIELDS and the feature definitions (never from
// request data). `rowFunctionSource` returns that code for reading and debugging.
import type { PropertyRecord } from "../schema";
import type { FeatureDef } from "./definitions";
import type { Filler } from "./imputation";

/** A complete (imputed) record: every field has a value. */
export type Row = Record<string, number | string>;

/** Encoders resolved once per bundle, handed to the features' `bind`. */
export type Lookups = {
  target: Map<string, (l: string) => number>;
  freq: Map<string, (l: string) => number>;
  nearby: (lon: number, lat: number) => number;
};

/** Fills row `r` from one record and writes its features at `out[base …]`. */
export type RowFn = (
  given: PropertyRecord,
  r: Row,
  out: Float32Array,
  base: number,
  filled: string[],
) => void;

/**
 * The source of the row function: for each field in fill order, copy it or fill it if missing;
 * then compute each feature into the matrix. Every property is named literally in the code, so
 * V8 gives each read and store its own inline cache (a loop over field names shares one site
 * for all ~80 fields and kept the scratch row in dictionary mode; ADR 0017).
 */
export function rowFunctionSource(
  fillOrder: readonly string[],
  defs: readonly Pick<FeatureDef, "field">[],
): string {
  const key = (name: string) => JSON.stringify(name); // a JS string literal
  const lines = fillOrder.map(
    (name, k) =>
      `v = given[${key(name)}];` +
      ` if (v === undefined) { v = fill[${k}](r, given); filled.push(${key(name)}); }` +
      ` r[${key(name)}] = v;`,
  );
  defs.forEach((d, j) =>
    lines.push(
      `out[base + ${j}] = fns[${j}](${d.field === undefined ? "r" : `r[${key(d.field)}]`});`,
    ),
  );
  return [
    '"use strict";',
    "return function fillRow(given, r, out, base, filled) {",
    "let v;",
    ...lines,
    "};",
  ].join("\n");
}

export function compileRow(
  order: readonly { name: string; fill: Filler }[],
  defs: readonly FeatureDef[],
  lookups: Lookups,
): RowFn {
  const source = rowFunctionSource(
    order.map((o) => o.name),
    defs,
  );
  const make = new Function("fill", "fns", source) as (fill: Filler[], fns: unknown[]) => RowFn;
  return make(
    order.map((o) => o.fill),
    defs.map((d) => d.bind(lookups)),
  );
}
