import { PredictRequestSchema } from "~/api/schemas";
import { decodeBodyText, parseJson, type BodyKind } from "~/lib/body.server";
import { InvalidInputError, PayloadTooLargeError } from "~/lib/errors.server";
import { FIELDS } from "~/ml/fields";
import { issuesFromZod } from "~/ml/issues";
import { csvInputFor } from "~/ml/csv-input";
import {
  columnPlan,
  ignoredColumnsWarning,
  MAX_CSV_COLUMNS,
  parseCsvRecords,
  type CsvTable,
} from "./csv.server";
import { toResultCsv } from "./csv-write.server";
import type { PredictionMeter } from "./meter.server";
import type { LoadedModel } from "./model.server";
import { predictRecords } from "./predict.server";
import { releaseBytes } from "~/lib/release-bytes.server";

// The handler of POST /api/v1/predict, from body bytes to response body: decode → parse
// (JSON envelope or CSV) → predictRecords → JSON or CSV. It runs on the event loop or on a
// scoring thread (the facade decides), the same function in both places.

export type ApiBodyInput = {
  body: Uint8Array;
  kind: BodyKind;
  /** Flags from the query string; fields in a JSON body win. */
  flags: { explain?: boolean; strict?: boolean; comparables?: boolean };
  /** Answer CSV (the uploaded table with prediction columns appended). */
  csvOut: boolean;
  maxRows: number;
  /**
   * The body's buffer belongs to this call alone (bytes moved to a scoring thread): it is
   * freed as soon as it is decoded (ADR 0053). Never for the event loop's request buffer.
   */
  releaseBody?: boolean;
};

export type ApiBodyOutput = {
  body: string;
  contentType: string;
  modelVersion: string;
  parseMs: number;
  predictMs: number;
};

type Parsed = {
  records: unknown[];
  explain?: boolean;
  strict?: boolean;
  comparables?: boolean;
  /** The CSV as uploaded (for CSV output); undefined for JSON bodies. */
  table?: CsvTable;
  /** Row number of records[0] in errors: JSON indexes from 0, CSV counts data rows from 1. */
  firstRow: number;
  /** CSV columns the model does not use. */
  ignored?: string[];
};

function parseEnvelope(body: unknown): Omit<Parsed, "firstRow"> {
  const envelope = PredictRequestSchema.safeParse(body);
  if (envelope.success) return envelope.data;
  const issues = issuesFromZod(envelope.error.issues, "is not a known property");
  throw new InvalidInputError(
    `Invalid request body: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
    issues,
  );
}

function parseBody(input: ApiBodyInput): Parsed {
  const text = decodeBodyText(input.body);
  if (input.releaseBody) releaseBytes(input.body);
  if (input.kind === "csv") {
    const table = parseCsvRecords(text, input.maxRows);
    const plan = columnPlan(table.columns);
    const records = table.records.map(csvInputFor(plan.inputs.map((c) => [c, c])));
    return { records, ...input.flags, table, firstRow: 1, ignored: plan.ignored };
  }
  // One object per record and the envelope; twice that leaves room for invalid records that
  // hold an array or object, which still get their row error.
  const body = parseJson(text, 2 * input.maxRows + 16);
  checkJsonLimits(body, input.maxRows);
  const envelope = parseEnvelope(body);
  return {
    records: envelope.records,
    explain: envelope.explain ?? input.flags.explain,
    strict: envelope.strict ?? input.flags.strict,
    comparables: envelope.comparables ?? input.flags.comparables,
    firstRow: 0,
  };
}

/**
 * The JSON body's limits, before any record is validated (validation is what costs): at most
 * `maxRows` records and MAX_CSV_COLUMNS members per record, as for a CSV file (ADR 0030).
 */
function checkJsonLimits(body: unknown, maxRows: number): void {
  const records = (body as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) return; // the envelope check names what is wrong
  if (records.length > maxRows) {
    throw new PayloadTooLargeError(
      `${records.length} records exceed the limit of ${maxRows} per request.`,
    );
  }
  for (let i = 0; i < records.length; i++) {
    const record: unknown = records[i];
    if (record === null || typeof record !== "object") continue;
    // Own enumerable keys, as a for-in with hasOwn counts them, at a tenth of its cost (ADR 0046).
    const members = Object.keys(record).length;
    if (members > MAX_CSV_COLUMNS) {
      throw new PayloadTooLargeError(
        `records[${i}] has ${members} members; at most ${MAX_CSV_COLUMNS} are allowed.`,
      );
    }
  }
}

/** JSON records as a CSV table for CSV output: known fields in FIELDS order, then the rest. */
function tableFromRecords(records: readonly unknown[]): CsvTable {
  const present = new Set<string>();
  const rows = records.map((r) =>
    r && typeof r === "object" ? (r as Record<string, unknown>) : {},
  );
  for (const row of rows) for (const key of Object.keys(row)) present.add(key);
  const known = FIELDS.map((f) => f.name).filter((name) => present.delete(name));
  const columns = [...known, ...present];
  const cell = (v: unknown) =>
    v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return {
    columns,
    records: rows.map((row) => Object.fromEntries(columns.map((c) => [c, cell(row[c])]))),
  };
}

export async function handleApiBody(
  model: LoadedModel,
  input: ApiBodyInput,
  /** Where the counters go: the serving paths pass theirs, so none is forgotten. */
  meter: PredictionMeter,
): Promise<ApiBodyOutput> {
  const t0 = performance.now();
  const parsed = parseBody(input);
  const t1 = performance.now();
  const result = await predictRecords(model, parsed.records, {
    explain: parsed.explain,
    strict: parsed.strict,
    comparables: parsed.comparables,
    source: "api",
    firstRow: parsed.firstRow,
    meter,
  });
  const t2 = performance.now();
  const ignored = ignoredColumnsWarning(parsed.ignored ?? []);
  if (ignored) result.warnings.push(ignored);
  const timings = { modelVersion: result.model_version, parseMs: t1 - t0, predictMs: t2 - t1 };
  if (!input.csvOut) {
    return { body: JSON.stringify(result), contentType: "application/json", ...timings };
  }
  const table = parsed.table ?? tableFromRecords(parsed.records);
  const csv = toResultCsv(table, result.predictions, { firstRow: parsed.firstRow });
  return { body: csv, contentType: "text/csv; charset=utf-8", ...timings };
}
