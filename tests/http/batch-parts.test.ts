import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCsv } from "../../scripts/batch/generate";
import { MODEL_DIR, runBuiltCli, runCli, summaryOf } from "../unit/batch/run-cli";
import { startLocalS3, type LocalS3 } from "./helpers/s3rver";

// Fan-out over one S3 input: n part processes in parallel (one takes its index from
// AWS_BATCH_JOB_ARRAY_INDEX like an array job child), merged by row number, must equal the
// single run byte for byte — predictions and error file alike.

const ROWS = 6_000;
const CHUNK = "500";
const PARTS = 3;

let s3: LocalS3;
let dir: string;

beforeAll(async () => {
  s3 = await startLocalS3("batch-test");
  dir = await mkdtemp(path.join(tmpdir(), "batch-parts-"));
  const file = path.join(dir, "in.csv");
  await generateCsv(file, { rows: ROWS, badEvery: 250, seed: 11 });
  await s3.put("in/houses.csv", await readFile(file));
});
afterAll(async () => {
  await s3?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("batch scoring in parts against S3", () => {
  const uri = (key: string) => `s3://batch-test/${key}`;
  const env = () => {
    const { MODEL_URI: _unused, ...rest } = s3.env("unused/");
    return rest;
  };

  it("n parallel parts, merged, equal the single-run output exactly", async () => {
    const common = ["--input", uri("in/houses.csv"), "--chunk", CHUNK, "--model", MODEL_DIR];
    const [single, ...parts] = await Promise.all([
      runCli([...common, "--output", uri("single/out.csv")], env()),
      runCli([...common, "--output", uri("parts/out-{part}.csv"), "--part", "auto/3"], {
        ...env(),
        AWS_BATCH_JOB_ARRAY_INDEX: "0",
      }),
      ...[1, 2].map((i) =>
        runCli(
          [...common, "--output", uri(`parts/out-${i}.csv`), "--part", `${i}/${PARTS}`],
          env(),
        ),
      ),
    ]);
    for (const r of [single, ...parts]) expect(r.code, r.stderr).toBe(0);

    const s = summaryOf(single);
    expect(s).toMatchObject({ rows: ROWS, scoredRows: ROWS, failedRows: ROWS / 250 });
    const partSummaries = parts.map(summaryOf);
    expect(partSummaries.map((p) => p.part)).toEqual(["0/3", "1/3", "2/3"]);
    // Chunks 0,3,6,9 / 1,4,7,10 / 2,5,8,11 of 500 rows each.
    expect(partSummaries.map((p) => p.scoredRows)).toEqual([2000, 2000, 2000]);
    expect(partSummaries.reduce((n, p) => n + (p.predicted as number), 0)).toBe(s.predicted);

    for (const [kind, suffix] of [
      ["output", ".csv"],
      ["errors", ".errors.csv"],
    ] as const) {
      const merge = await runCli(
        [
          "merge",
          "--output",
          uri(`merged/out${suffix}`),
          ...[0, 1, 2].map((i) => uri(`parts/out-${i}${suffix}`)),
        ],
        env(),
      );
      expect(merge.code, merge.stderr).toBe(0);
      const merged = (await s3.get(`merged/out${suffix}`)).toString("utf8");
      const expected = (await s3.get(`single/out${suffix}`)).toString("utf8");
      expect(merged.length, kind).toBeGreaterThan(100);
      expect(merged === expected, `${kind} differs`).toBe(true);
    }
    const lines = (await s3.get("single/out.csv")).toString("utf8").trim().split("\n");
    expect(lines).toHaveLength(1 + (s.predicted as number));
  }, 180_000);

  it("the bundled CLI, as the image's batch job runs it, writes the single run's files", async () => {
    // server-build/predict-batch.js: the AWS SDK, csv-parse and onnxruntime as bundled
    // (ADR 0029), not as tsx loads them. Runs after the test above wrote single/.
    const common = ["--input", uri("in/houses.csv"), "--chunk", CHUNK, "--model", MODEL_DIR];
    const r = await runBuiltCli([...common, "--output", uri("bundled/out.csv")], env());
    expect(r.code, r.stderr).toBe(0);
    for (const suffix of [".csv", ".errors.csv"]) {
      const bundled = (await s3.get(`bundled/out${suffix}`)).toString("utf8");
      const single = (await s3.get(`single/out${suffix}`)).toString("utf8");
      expect(bundled.length).toBeGreaterThan(100);
      expect(bundled === single, `${suffix} differs`).toBe(true);
    }
  }, 120_000);

  it("a missing S3 input exits 3 naming the object", async () => {
    const r = await runCli(
      ["--input", uri("in/nope.csv"), "--output", uri("x/out.csv"), "--model", MODEL_DIR],
      env(),
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot read input s3:\/\/batch-test\/in\/nope\.csv: NoSuchKey/);
  }, 60_000);
});
