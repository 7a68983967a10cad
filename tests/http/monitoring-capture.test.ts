// The prediction log (CAPTURE_URI) over real HTTP: a local folder and a real S3 API (s3rver on
// 127.0.0.1). Under concurrent load every request succeeds and, after the SIGTERM flush, the
// log holds exactly the predictions answered; with the sink down requests still succeed and
// the lost rows are counted.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, type PredictBody } from "./helpers/api-fixtures";
import {
  captureLines,
  holdout,
  holdoutLike,
  isPrediction,
  metricValue,
  postFeedback,
} from "./helpers/monitoring";
import { S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from "./helpers/s3rver";
import { startServer } from "./helpers/server";

/** A burst of concurrent requests (single records and small batches); the ids answered. */
async function load(url: string, requests: number): Promise<{ ids: string[]; failed: number }> {
  const records = holdoutLike(requests * 3);
  const results = await Promise.all(
    Array.from({ length: requests }, (_, i) =>
      postJson(url, { records: records.slice(i * 3, i * 3 + (i % 2 ? 3 : 1)) }),
    ),
  );
  const ids = results.flatMap((r) =>
    r.status === 200
      ? (r.body as PredictBody).predictions.filter(isPrediction).map((p) => p.prediction_id)
      : [],
  );
  return { ids, failed: results.filter((r) => r.status !== 200).length };
}

describe("prediction log in a local folder", () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), "capture-"))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("holds every prediction answered under load, and the feedback events, after SIGTERM", async () => {
    // Tiny files, so the load spans many rotations.
    const server = await startServer(
      { CAPTURE_URI: dir, CAPTURE_SAMPLE: "1", CAPTURE_ROTATE_BYTES: "1048576" },
      { waitPath: "/readyz" },
    );
    const { ids, failed } = await load(server.url, 300);
    expect(failed).toBe(0);
    expect(ids).toHaveLength(600);
    const { prices } = holdout();
    const fb = await postFeedback(server.url, {
      feedback: [{ prediction_id: ids[0], sale_price: prices[0], sold_at: "2026-11-30" }],
    });
    expect(fb.status).toBe(200);
    expect((await server.stop()).code).toBe(0);

    const lines = await captureLines(dir);
    const predictions = lines.filter((l) => l.type === "prediction");
    expect(predictions).toHaveLength(600);
    expect(new Set(predictions.map((l) => l.id))).toEqual(new Set(ids));
    const first = predictions[0] as Record<string, unknown>;
    expect(first).toMatchObject({ model_version: expect.any(String), source: "api" });
    expect(Object.keys(first.record as object).length).toBeGreaterThan(60);
    expect(lines.filter((l) => l.type === "feedback")).toEqual([
      expect.objectContaining({
        id: ids[0],
        sale_price: prices[0],
        matched: true,
        sold_at: "2026-11-30",
      }),
    ]);
  });

  it("CAPTURE_SAMPLE writes only a sample, each line a prediction that was answered", async () => {
    const sampled = await mkdtemp(path.join(tmpdir(), "capture-sample-"));
    const server = await startServer(
      { CAPTURE_URI: sampled, CAPTURE_SAMPLE: "0.2" },
      { waitPath: "/readyz" },
    );
    const { ids } = await load(server.url, 300);
    await server.stop();
    const logged = (await captureLines(sampled)).map((l) => l.id as string);
    await rm(sampled, { recursive: true, force: true });
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.length).toBeLessThan(ids.length);
    expect(logged.every((id) => ids.includes(id))).toBe(true);
  });
});

describe("prediction log on S3 (s3rver)", () => {
  let s3: LocalS3;
  beforeAll(async () => (s3 = await startLocalS3("capture-test")));
  afterAll(() => s3?.dispose());

  const env = (prefix: string) => ({
    ...S3RVER_CREDENTIALS,
    CAPTURE_URI: `s3://${s3.bucket}/${prefix}`,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: "true",
    AWS_REGION: "us-east-1",
  });

  async function objectLines(prefix: string) {
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }),
    );
    const lines: Record<string, unknown>[] = [];
    for (const { Key } of listed.Contents ?? []) {
      expect(Key).toMatch(/\.jsonl\.gz$/);
      const out = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key }));
      const text = gunzipSync(Buffer.from(await out.Body!.transformToByteArray())).toString("utf8");
      for (const line of text.split("\n")) if (line) lines.push(JSON.parse(line));
    }
    return lines;
  }

  it("stores every prediction answered under load", async () => {
    const server = await startServer(
      { ...env("capture/"), CAPTURE_ROTATE_BYTES: "1048576" },
      { waitPath: "/readyz" },
    );
    const { ids, failed } = await load(server.url, 200);
    expect(failed).toBe(0);
    expect((await server.stop()).code).toBe(0);
    const lines = await objectLines("capture/");
    if (lines.length !== ids.length) console.log(server.logs());
    expect(lines.map((l) => l.id).sort()).toEqual([...ids].sort());
  });

  it("with the sink down, requests still succeed and the lost rows are counted", async () => {
    const server = await startServer(
      { ...env("down/"), CAPTURE_ROTATE_SECONDS: "1" },
      { waitPath: "/readyz" },
    );
    await s3.stop();
    try {
      const { ids, failed } = await load(server.url, 100);
      expect(failed).toBe(0);
      let dropped = 0;
      for (let i = 0; i < 100 && dropped < ids.length; i++) {
        await new Promise((r) => setTimeout(r, 200));
        dropped = (await metricValue(server.metricsUrl, "capture_rows_dropped_total")) ?? 0;
      }
      expect(dropped).toBe(ids.length);
      expect(await metricValue(server.metricsUrl, "capture_rows_written_total")).toBe(0);
      expect(await metricValue(server.metricsUrl, "capture_queue_rows")).toBe(0);
    } finally {
      await s3.start();
      await server.stop();
    }
  });
});
