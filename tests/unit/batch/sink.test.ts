import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLocation } from "../../../scripts/batch/location";
import { openSink } from "../../../scripts/batch/sink";

// The CLI's outputs: a file appears only when the job succeeds, and a job that fails while
// writes are still in flight ends with its own error (an input error is exit code 3), not
// with the discarded stream's.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "batch-sink-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const noS3 = () => Promise.reject(new Error("no S3 in this test"));

describe("openSink", () => {
  it("abort with writes in flight leaves no file and raises nothing", async () => {
    const errors: unknown[] = [];
    const onError = (error: unknown) => errors.push(error);
    process.on("uncaughtException", onError);
    try {
      for (let i = 0; i < 20; i++) {
        const sink = await openSink(parseLocation(path.join(dir, `out-${i}.csv`)), noS3);
        await once(sink.stream, "ready"); // the file is open: the next write goes to it at once
        sink.stream.write("a,b\n".repeat(50_000));
        sink.stream.write("c,d\n");
        await sink.abort();
      }
      // What the destroyed streams' pending writes report arrives on later turns.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      process.off("uncaughtException", onError);
    }
    expect(errors).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("commit puts the whole file in place", async () => {
    const file = path.join(dir, "done.csv");
    const sink = await openSink(parseLocation(file), noS3);
    if (!sink.stream.write("a,b\n")) await once(sink.stream, "drain");
    expect(existsSync(file)).toBe(false);
    await sink.commit();
    expect(existsSync(file)).toBe(true);
  });
});
