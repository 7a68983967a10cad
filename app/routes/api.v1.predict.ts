import { apiRoute, json, methodNotAllowed } from "~/lib/api.server";
import { parseCsvRecords, toResultCsv, type CsvTable } from "~/lib/batch-csv.server";
import { bodyKind, parseJson, readBodyText } from "~/lib/body.server";
import { getConfig } from "~/lib/config.server";
import {
  InvalidInputError,
  MethodNotAllowedError,
  PayloadTooLargeError,
} from "~/lib/errors.server";
import { PredictRequestSchema } from "~/ml/api-schemas";
import { FIELDS } from "~/ml/fields";
import { getReadyModel } from "~/ml/inference.server";
import { predictRecords } from "~/ml/predict.server";
import { coerceCsvRow } from "~/ml/schema";

// POST /api/v1/predict — JSON `{ records: [...], explain?, strict? }` or CSV (header row =
// field names, `?explain=&strict=` as query flags) → predictions as JSON, or as CSV with the
// result columns appended when the client sends `Accept: text/csv`.

export const loader = methodNotAllowed(["POST"]);

type Parsed = {
  records: unknown[];
  explain?: boolean;
  strict?: boolean;
  /** The CSV as uploaded (for CSV output); undefined for JSON bodies. */
  table?: CsvTable;
  /** Row number of records[0] in errors: JSON indexes from 0, CSV counts data rows from 1. */
  firstRow: number;
};

function queryFlag(url: URL, name: string): boolean | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0" || value === "") return false;
  throw new InvalidInputError(`Query parameter ${name} must be true or false.`, [
    { path: name, message: "must be true or false" },
  ]);
}

function parseEnvelope(body: unknown): Omit<Parsed, "firstRow"> {
  const envelope = PredictRequestSchema.safeParse(body);
  if (envelope.success) return envelope.data;
  const issues = envelope.error.issues.map((i) => ({
    path:
      i.code === "unrecognized_keys" ? i.keys.join(", ") : i.path.map(String).join(".") || "(body)",
    message: i.code === "unrecognized_keys" ? "is not a known property" : i.message,
  }));
  throw new InvalidInputError(
    `Invalid request body: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
    issues,
  );
}

async function parseBody(request: Request, maxBodyBytes: number, maxRows: number) {
  const kind = bodyKind(request, ["json", "csv"]);
  const text = await readBodyText(request, maxBodyBytes);
  const url = new URL(request.url);
  const flags = { explain: queryFlag(url, "explain"), strict: queryFlag(url, "strict") };
  if (kind === "csv") {
    const table = parseCsvRecords(text, maxRows);
    return { records: table.records.map(coerceCsvRow), ...flags, table, firstRow: 1 };
  }
  const envelope = parseEnvelope(parseJson(text));
  if (envelope.records.length > maxRows) {
    throw new PayloadTooLargeError(
      `${envelope.records.length} records exceed the limit of ${maxRows} per request.`,
    );
  }
  // Body fields win over query flags.
  return {
    records: envelope.records,
    explain: envelope.explain ?? flags.explain,
    strict: envelope.strict ?? flags.strict,
    firstRow: 0,
  };
}

const wantsCsv = (request: Request) =>
  /(^|,)\s*text\/csv\b/i.test(request.headers.get("accept") ?? "");

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

export const action = apiRoute("api-key", async ({ request, timing }) => {
  if (request.method !== "POST") throw new MethodNotAllowedError(["POST"]);
  const config = getConfig();
  const model = getReadyModel(); // 503 before reading a body we could not score anyway
  const t0 = performance.now();
  const parsed: Parsed = await parseBody(request, config.maxBodyBytes, config.maxBatchRows);
  timing("parse", performance.now() - t0);

  const t1 = performance.now();
  const result = await predictRecords(model, parsed.records, {
    explain: parsed.explain,
    strict: parsed.strict,
    source: "api",
    firstRow: parsed.firstRow,
  });
  timing("predict", performance.now() - t1);

  const headers = { "X-Model-Version": result.model_version };
  if (!wantsCsv(request)) return json(result, { headers });
  const table = parsed.table ?? tableFromRecords(parsed.records);
  const csv = toResultCsv(table, result.predictions, { firstRow: parsed.firstRow });
  return new Response(csv, {
    headers: { ...headers, "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store" },
  });
});
