/**
 * Helpers for the monitoring tests: holdout-like records (2010 sales of data/ames.csv), the
 * monitoring and feedback endpoints, one Prometheus sample, and the prediction log's lines.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { Monitoring } from "~/api/schemas";
import {
  amesRows,
  call,
  postJson,
  toRecords,
  type PredictBody,
  type Prediction,
} from "./api-fixtures";
import { TEST_API_KEY } from "./server";

export type Holdout = { records: Record<string, unknown>[]; prices: number[] };

/** The 2010 sales (the holdout split): records as a client sends them, and their prices. */
export function holdout(): Holdout {
  const rows = amesRows().filter((r) => r.Year_Sold === "2010");
  return { records: toRecords(rows), prices: rows.map((r) => Number(r.Sale_Price)) };
}

/** `n` holdout-like records: the holdout rows in turn, as often as needed. */
export function holdoutLike(n: number, change?: (r: Record<string, unknown>) => void) {
  const { records } = holdout();
  return Array.from({ length: n }, (_, i) => {
    const record = { ...records[i % records.length] };
    change?.(record);
    return record;
  });
}

/** Sends records in requests of `per` records (in parallel, a few at a time); the predictions. */
export async function predictAll(
  url: string,
  records: readonly unknown[],
  per: number,
): Promise<Prediction[]> {
  const chunks: unknown[][] = [];
  for (let i = 0; i < records.length; i += per) chunks.push(records.slice(i, i + per));
  const out: Prediction[][] = new Array(chunks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < chunks.length) {
        const at = next++;
        const res = await postJson(url, { records: chunks[at] });
        if (res.status !== 200) throw new Error(`predict answered ${res.status}: ${res.text}`);
        out[at] = (res.body as PredictBody).predictions as Prediction[];
      }
    }),
  );
  return out.flat();
}

export async function getMonitoring(url: string): Promise<Monitoring> {
  const res = await call<Monitoring>(`${url}/api/v1/monitoring`, {
    headers: { "X-API-Key": TEST_API_KEY },
  });
  if (res.status !== 200) throw new Error(`monitoring answered ${res.status}: ${res.text}`);
  return res.body;
}

export function postFeedback(url: string, body: unknown) {
  return call(`${url}/api/v1/feedback`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY },
    body: JSON.stringify(body),
  });
}

/** The value of one sample on the metrics port (`name{labels}`), or undefined. */
export async function metricValue(metricsUrl: string, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

/** Every JSON line of the gzipped files under `dir`. */
export async function captureLines(dir: string): Promise<Record<string, unknown>[]> {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".jsonl.gz"));
  const lines: Record<string, unknown>[] = [];
  for (const file of files) {
    const text = gunzipSync(await readFile(path.join(dir, file))).toString("utf8");
    for (const line of text.split("\n")) if (line) lines.push(JSON.parse(line));
  }
  return lines;
}

export const isPrediction = (p: unknown): p is Prediction & { prediction_id: string } =>
  typeof p === "object" && p !== null && "prediction_id" in p;
