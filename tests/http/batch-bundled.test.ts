// The bundled batch CLI (server-build/predict-batch.js, what the image's batch job runs) on
// S3: the AWS SDK, csv-parse and onnxruntime as bundled, not only as tsx loads them
// (ADR 0029). The container smoke test runs it on local files.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCsv } from "../../scripts/batch/generate";
import { MODEL_DIR, runBuiltCli, summaryOf } from "../unit/batch/run-cli";
import { startLocalS3, type LocalS3 } from "./helpers/s3rver";

const ROWS = 1_000;

let s3: LocalS3;
let dir: string;

beforeAll(async () => {
  s3 = await startLocalS3("batch-bundled");
  dir = await mkdtemp(path.join(tmpdir(), "batch-bundled-"));
  const file = path.join(dir, "in.csv");
  await generateCsv(file, { rows: ROWS, badEvery: 100, seed: 5 });
  await s3.put("in/houses.csv", await readFile(file));
});
afterAll(async () => {
  await s3?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("bundled batch CLI", () => {
  it("scores an S3 input into an S3 output and error file", async () => {
    const { MODEL_URI: _unused, ...env } = s3.env("unused/");
    const r = await runBuiltCli(
      [
        "--input",
        "s3://batch-bundled/in/houses.csv",
        "--output",
        "s3://batch-bundled/out/prices.csv",
        "--model",
        MODEL_DIR,
        "--progress",
        "never",
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(summaryOf(r)).toMatchObject({ rows: ROWS, failedRows: ROWS / 100 });
    const out = (await s3.get("out/prices.csv")).toString("utf8").trimEnd().split("\n");
    expect(out).toHaveLength(ROWS - ROWS / 100 + 1);
    const errors = (await s3.get("out/prices.errors.csv")).toString("utf8");
    expect(errors.length).toBeGreaterThan(0);
  });
});
