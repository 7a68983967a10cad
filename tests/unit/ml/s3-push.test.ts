import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startLocalS3,
  syntheticBundle,
  writeBundle,
  type LocalS3,
} from "../../http/helpers/s3rver";

// The real `npm run model:push` CLI (tsx scripts/model-push.ts) against s3rver.

const run = promisify(execFile);
const TSX = path.resolve("node_modules/.bin/tsx");

let s3: LocalS3;
let work: string;

beforeAll(async () => {
  s3 = await startLocalS3();
  work = await mkdtemp(path.join(tmpdir(), "s3-push-"));
});
afterAll(async () => {
  await s3?.dispose();
  await rm(work, { recursive: true, force: true });
});

async function push(args: string[], env: Record<string, string> = {}) {
  try {
    const out = await run(TSX, ["scripts/model-push.ts", ...args], {
      env: { ...process.env, ...s3.env("unused/"), ...env },
      timeout: 30_000,
    });
    return { code: 0, ...out };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("model:push", { timeout: 60_000 }, () => {
  it("uploads the bundle, verifies it and moves the pointer; refuses to change a pushed version", async () => {
    const a = syntheticBundle("bundle-a");
    await writeBundle(path.join(work, "a"), a);
    await s3.put("prod/LATEST", "older\n");

    const ok = await push(["--bundle", path.join(work, "a"), "--to", `s3://${s3.bucket}/prod`]);
    expect(ok.stderr).not.toMatch(/error/);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/pointer .*prod\/LATEST: older -> bundle-a/);
    expect(await s3.get("prod/bundle-a/model.onnx")).toEqual(a.model);
    expect((await s3.get("prod/bundle-a/manifest.json")).toString()).toBe(a.manifest);
    expect((await s3.get("prod/LATEST")).toString()).toBe("bundle-a\n");

    // Same version, other bytes: immutable versions are never overwritten; pointer untouched.
    const impostor = { ...syntheticBundle("bundle-a") };
    await writeBundle(path.join(work, "a2"), impostor);
    await s3.put("prod/LATEST", "older\n");
    const refused = await push([
      "--bundle",
      path.join(work, "a2"),
      "--to",
      `s3://${s3.bucket}/prod/`,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already exists with different content/);
    expect((await s3.get("prod/LATEST")).toString()).toBe("older\n");
    expect(await s3.get("prod/bundle-a/model.onnx")).toEqual(a.model);
  });

  it("refuses a bundle whose model does not match its manifest, before uploading anything", async () => {
    const b = syntheticBundle("bundle-b");
    const dir = path.join(work, "b");
    await writeBundle(dir, b);
    await writeFile(path.join(dir, "model.onnx"), "tampered");
    const res = await push(["--bundle", dir, "--to", `s3://${s3.bucket}/bad/`]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/does not match the manifest/);
    await expect(s3.get("bad/bundle-b/model.onnx")).rejects.toThrow();
    await expect(s3.get("bad/LATEST")).rejects.toThrow();
  });

  it("explains usage errors (exit 2) and unreachable endpoints (exit 1)", async () => {
    const noArgs = await push([]);
    expect(noArgs.code).toBe(2);
    expect(noArgs.stderr).toMatch(/--bundle and --to are required[\s\S]*usage:/);

    const c = syntheticBundle("bundle-c");
    await writeBundle(path.join(work, "c"), c);
    const dead = await push(["--bundle", path.join(work, "c"), "--to", `s3://${s3.bucket}/p/`], {
      S3_ENDPOINT: "http://127.0.0.1:9",
    });
    expect(dead.code).toBe(1);
    expect(dead.stderr).toMatch(/cannot reach S3 \(http:\/\/127\.0\.0\.1:9\)/);
  });
});
