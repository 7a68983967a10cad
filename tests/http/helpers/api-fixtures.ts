/**
 * Inputs and small helpers for the API's HTTP tests: real rows of data/ames.csv (as JSON
 * records and as CSV text), a minimal valid record, and fetch shorthands with the test key.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { coerceCsvRow } from "~/ml/schema";
import { REPO_ROOT, TEST_API_KEY } from "./server";

export type CsvRow = Record<string, string>;

let cached: CsvRow[] | undefined;

/** Every row of data/ames.csv as parsed CSV (strings, Sale_Price included). */
export function amesRows(): CsvRow[] {
  cached ??= parse(readFileSync(path.join(REPO_ROOT, "data/ames.csv")), {
    columns: true,
    skip_empty_lines: true,
  }) as CsvRow[];
  return cached;
}

/** JSON records the way a client would send them (numbers as numbers, no Sale_Price). */
export const toRecords = (rows: readonly CsvRow[]) => rows.map(coerceCsvRow);

/** CSV text with a header row, as a client would upload it. */
export const toCsv = (rows: readonly CsvRow[]) =>
  stringify(rows as CsvRow[], { header: true, columns: Object.keys(rows[0]) });

/** Only the required fields (the smallest valid request). */
export const MINIMAL_RECORD = {
  Neighborhood: "College_Creek",
  Gr_Liv_Area: 1710,
  Total_Bsmt_SF: 856,
  Lot_Area: 8450,
  Year_Built: 2003,
  Overall_Cond: "Average",
  Bedroom_AbvGr: 3,
  Full_Bath: 2,
  Half_Bath: 1,
  Garage_Cars: 2,
  Year_Sold: 2008,
  Mo_Sold: 2,
};

export type ApiResponse<T = unknown> = {
  status: number;
  headers: Headers;
  contentType: string;
  text: string;
  body: T;
};

/** fetch + read the body once; JSON bodies (incl. problem+json) are parsed. */
export async function call<T = unknown>(
  url: string,
  init: RequestInit = {},
): Promise<ApiResponse<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  const contentType = res.headers.get("content-type") ?? "";
  const body = (/json/.test(contentType) && text ? JSON.parse(text) : text) as T;
  return { status: res.status, headers: res.headers, contentType, text, body };
}

export function postJson(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
  query = "",
) {
  return call(`${baseUrl}/api/v1/predict${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function postCsv(
  baseUrl: string,
  csv: string,
  headers: Record<string, string> = {},
  query = "",
  { path = "/api/v1/predict" }: { path?: string } = {},
) {
  return call(`${baseUrl}${path}${query}`, {
    method: "POST",
    headers: { "Content-Type": "text/csv", "X-API-Key": TEST_API_KEY, ...headers },
    body: csv,
  });
}

export type Prediction = {
  status: "ok";
  price: number;
  interval: { lower: number; upper: number; level: number };
  imputed: string[];
  base_value?: number;
  contributions?: { factor: string; value: number }[];
};
export type RowError = {
  status: "error";
  error: { row: number; errors: { path: string; message: string }[] };
};
export type PredictBody = {
  model_version: string;
  predictions: (Prediction | RowError)[];
  warnings: string[];
  counts: { ok: number; failed: number };
};
export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  request_id?: string;
  errors?: { path: string; message: string }[];
};

export const isError = (p: Prediction | RowError): p is RowError => p.status === "error";

/** Predictions with their ids blanked: every prediction gets a new id, the rest must match. */
export const withoutPredictionIds = (predictions: readonly object[]) =>
  predictions.map((p) => ({ ...p, prediction_id: undefined }));
