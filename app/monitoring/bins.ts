// How live rows fall into the bins of the training reference (app/ml/reference.ts): one byte
// per field and row. The server's sliding window and the offline report (scripts/monitor.ts)
// both encode rows here, so they count the same bins. Pure.
import { binIndex, type Reference } from "~/ml/reference";

/** The code of a field with no value (missing, so imputed by the model). */
export const MISSING = 0x7f;
/** Flag bit: the value lies outside the training range (a level training never saw). */
export const OUT_OF_RANGE = 0x80;
/** Bin number of a code that is not MISSING. */
export const binOf = (code: number) => code & 0x7f;

/**
 * The sale-date fields follow the calendar: traffic after training always has later years and
 * the months of its own season, so their shift is expected, not drift. They are measured and
 * shown but never flagged (ADR 0042).
 */
export const CALENDAR_FIELDS: ReadonlySet<string> = new Set(["Year_Sold", "Mo_Sold"]);

type NumberBins = {
  name: string;
  kind: "number";
  edges: number[];
  min: number;
  max: number;
  reference: number[];
  labels: string[];
};
type CategoryBins = {
  name: string;
  kind: "category";
  /** Level → bin; levels training never saw share the last bin. */
  index: Map<string, number>;
  reference: number[];
  labels: string[];
};
export type FieldBins = NumberBins | CategoryBins;

export type Binner = {
  fields: FieldBins[];
  /** Bins of the predicted log price, with the training rows' shares. */
  prediction: { edges: number[]; reference: number[]; labels: string[] };
};

/** Label of each bin of right-closed `edges`: its upper edge ("+Inf" for the last). */
const edgeLabels = (edges: readonly number[]) => [...edges.map(String), "+Inf"];

/** A category's bin for levels that training never had. */
export const OTHER_LEVEL = "(other)";

export function compileBinner(reference: Reference): Binner {
  const fields = Object.entries(reference.fields).map(([name, ref]): FieldBins => {
    if (ref.kind === "number") {
      const { edges, shares } = ref.histogram;
      return {
        name,
        kind: "number",
        edges,
        min: ref.quantiles[0],
        max: ref.quantiles[ref.quantiles.length - 1],
        reference: shares,
        labels: edgeLabels(edges),
      };
    }
    const levels = Object.keys(ref.shares).sort();
    return {
      name,
      kind: "category",
      index: new Map(levels.map((level, i) => [level, i])),
      reference: [...levels.map((l) => ref.shares[l]), 0],
      labels: [...levels, OTHER_LEVEL],
    };
  });
  if (fields.some((f) => f.reference.length > MISSING)) {
    throw new Error(`a reference field has more than ${MISSING} bins`);
  }
  const { edges, train } = reference.prediction;
  return { fields, prediction: { edges, reference: train, labels: edgeLabels(edges) } };
}

const isMissing = (value: unknown) => value === undefined || value === null || value === "";

function encodeNumber(field: NumberBins, value: unknown): number {
  if (isMissing(value)) return MISSING;
  const x = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(x)) return MISSING;
  const bin = binIndex(field.edges, x);
  return x < field.min || x > field.max ? bin | OUT_OF_RANGE : bin;
}

function encodeCategory(field: CategoryBins, value: unknown): number {
  if (isMissing(value)) return MISSING;
  const bin = field.index.get(String(value));
  return bin === undefined ? (field.reference.length - 1) | OUT_OF_RANGE : bin;
}

/** The code of one value of a field. */
export function encodeValue(field: FieldBins, value: unknown): number {
  return field.kind === "number" ? encodeNumber(field, value) : encodeCategory(field, value);
}

type RecordEncoder = (
  record: Readonly<Record<string, unknown>>,
  out: Uint8Array,
  at: number,
) => void;
const encoders = new WeakMap<Binner, RecordEncoder>();

/** `binIndex(edges, v)` as nested comparisons with the edges written as literals. */
function binTree(edges: readonly number[], lo: number, hi: number): string {
  if (lo >= hi) return String(lo);
  const mid = (lo + hi) >> 1;
  return `(v <= ${edges[mid]} ? ${binTree(edges, lo, mid)} : ${binTree(edges, mid + 1, hi)})`;
}

/** One field's line: the common case (a finite number, a non-empty string) inline. */
function encoderLine(f: FieldBins, i: number): string {
  const read = `v = record[${JSON.stringify(f.name)}];`;
  if (f.kind === "category") {
    return `${read} if (typeof v === "string" && v !== "") { b = index[${i}].get(v); out[at + ${i}] = b === undefined ? ${(f.reference.length - 1) | OUT_OF_RANGE} : b; } else out[at + ${i}] = cat(fields[${i}], v);`;
  }
  // v - v === 0: finite (NaN and ±Infinity give NaN). The bounds as encodeNumber checks them.
  const range = `v < ${f.min} || v > ${f.max} ? ${OUT_OF_RANGE} : 0`;
  return `${read} out[at + ${i}] = typeof v === "number" && v - v === 0 ? ${binTree(f.edges, 0, f.edges.length)} | (${range}) : num(fields[${i}], v);`;
}

/**
 * The binner's record encoder, generated once per binner: one line per field that reads the
 * field by its literal name and encodes the common case inline (a number's bin by comparisons
 * with its edges as literals, a level by its field's map), calling the encoder of its kind for
 * the rest. Every request's rows pass here (the monitor counts them all): a loop over the field
 * names makes each read a megamorphic keyed load, and a call per field a binary search over
 * an array; both measured slower (ADRs 0046, 0059). Names are written as JSON string
 * literals, edges and bounds as number literals (finite: they come from training's quantiles).
 */
export function recordEncoder(binner: Binner): RecordEncoder {
  let encode = encoders.get(binner);
  if (encode) return encode;
  const lines = binner.fields.map(encoderLine);
  const source = [
    '"use strict";',
    "return function encode(record, out, at) {",
    "let v, b;",
    ...lines,
    "};",
  ];
  const make = new Function("num", "cat", "fields", "index", source.join("\n")) as (
    ...args: unknown[]
  ) => RecordEncoder;
  const index = binner.fields.map((f) => (f.kind === "category" ? f.index : undefined));
  encode = make(encodeNumber, encodeCategory, binner.fields, index);
  encoders.set(binner, encode);
  return encode;
}

/** Writes the codes of `record`'s fields into `out` from `at`. */
export function encodeRecord(
  binner: Binner,
  record: Readonly<Record<string, unknown>>,
  out: Uint8Array,
  at: number,
): void {
  recordEncoder(binner)(record, out, at);
}
