import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelStoreError } from "~/lib/errors.server";
import { S3ModelStore } from "~/inference/s3-store.server";
import {
  startLocalS3,
  syntheticBundle,
  type Bundle,
  type LocalS3,
} from "../../http/helpers/s3rver";

// The S3 store against a real S3 API (s3rver). The store checks bytes, not ONNX, so these
// bundles are synthetic (see syntheticBundle); loading real models through S3 is covered by
// tests/http/s3-reload.test.ts.

let s3: LocalS3;
let work: string;
let n = 0;

beforeAll(async () => {
  s3 = await startLocalS3();
  work = await mkdtemp(path.join(tmpdir(), "s3-store-"));
});
afterAll(async () => {
  await s3?.dispose();
  await rm(work, { recursive: true, force: true });
});

/** A fresh prefix and cache folder per test; `store()` builds a new store (= a process start). */
function setup() {
  n += 1;
  const prefix = `t${n}/`;
  const cacheDir = path.join(work, `cache-${n}`);
  const config = {
    modelSource: { kind: "s3" as const, bucket: s3.bucket, prefix },
    modelCacheDir: cacheDir,
    awsRegion: "us-east-1",
    s3Endpoint: s3.endpoint,
    s3ForcePathStyle: true,
  };
  const push = async (b: Bundle, model: Uint8Array = b.model) => {
    await s3.put(`${prefix}${b.version}/manifest.json`, b.manifest);
    await s3.put(`${prefix}${b.version}/model.onnx`, model);
    await s3.put(`${prefix}LATEST`, `${b.version}\n`);
  };
  const cacheEntries = async () => (await readdir(cacheDir).catch(() => [])).sort();
  return { prefix, cacheDir, push, cacheEntries, store: () => new S3ModelStore(config) };
}

describe("S3ModelStore", () => {
  it("downloads the bundle LATEST names into the cache, verified, and records it as last good", async () => {
    const t = setup();
    const a = syntheticBundle("va");
    await t.push(a);
    const store = t.store();
    const resolved = await store.resolveLatest();
    expect(resolved).toEqual({ name: "va", dir: path.join(t.cacheDir, "va") });
    expect(await readFile(path.join(resolved.dir, "model.onnx"))).toEqual(a.model);
    expect(await readFile(path.join(resolved.dir, "manifest.json"), "utf8")).toBe(a.manifest);
    expect((await readFile(path.join(t.cacheDir, "LATEST"), "utf8")).trim()).toBe("va");
    expect(await t.cacheEntries()).toEqual(["LATEST", "va"]);
    expect(store.health()).toMatchObject({ status: "ok" });
  });

  it("reuses a verified cache entry without downloading it again", async () => {
    const t = setup();
    const a = syntheticBundle("va");
    await t.push(a);
    await t.store().resolveLatest();
    // The bundle's objects now hold other bytes: a second download would be refused.
    await s3.put(`${t.prefix}va/model.onnx`, randomBytes(10));
    const store = t.store();
    expect((await store.resolveLatest()).name).toBe("va");
    expect(store.health().status).toBe("ok");
  });

  it("re-downloads a cache entry that was corrupted on disk", async () => {
    const t = setup();
    const a = syntheticBundle("va");
    await t.push(a);
    const { dir } = await t.store().resolveLatest();
    await writeFile(path.join(dir, "model.onnx"), "garbage");
    await t.store().resolveLatest();
    expect(await readFile(path.join(dir, "model.onnx"))).toEqual(a.model);
  });

  it("refuses a tampered model.onnx and keeps the good cache entry", async () => {
    const t = setup();
    const a = syntheticBundle("va");
    await t.push(a);
    const store = t.store();
    await store.resolveLatest();

    const b = syntheticBundle("vb");
    const tampered = Buffer.from(b.model);
    tampered[100] ^= 0xff;
    await t.push(b, tampered);
    const failure = await store.resolveLatest().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ModelStoreError);
    expect(String((failure as Error).message)).toMatch(/vb.*sha256 [0-9a-f]{64} does not match/);
    expect(store.health()).toMatchObject({
      status: "degraded",
      detail: expect.stringMatching(/sha256/),
    });
    // Nothing of vb reached the cache, no temp folder is left, last-good still names va.
    expect(await t.cacheEntries()).toEqual(["LATEST", "va"]);
    expect((await readFile(path.join(t.cacheDir, "LATEST"), "utf8")).trim()).toBe("va");
    expect(await readFile(path.join(t.cacheDir, "va", "model.onnx"))).toEqual(a.model);
  });

  it("refuses a truncated model.onnx", async () => {
    const t = setup();
    const a = syntheticBundle("va");
    await t.push(a);
    const store = t.store();
    await store.resolveLatest();
    const b = syntheticBundle("vb");
    await t.push(b, b.model.subarray(0, 1000));
    await expect(store.resolveLatest()).rejects.toThrow(/does not match the manifest/);
    expect(await t.cacheEntries()).toEqual(["LATEST", "va"]);
  });

  it("at start-up, falls back to the cached last-good bundle when S3's bundle is refused", async () => {
    const t = setup();
    await t.push(syntheticBundle("va"));
    await t.store().resolveLatest();
    const b = syntheticBundle("vb");
    await t.push(b, randomBytes(4096));
    const restarted = t.store();
    expect((await restarted.resolveLatest()).name).toBe("va");
    expect(restarted.health()).toMatchObject({
      status: "degraded",
      detail: expect.stringMatching(/serving cached bundle va: bundle vb .*sha256/),
    });
  });

  it("rejects a pointer that tries to leave the prefix", async () => {
    const t = setup();
    await s3.put(`${t.prefix}LATEST`, "../other");
    await expect(t.store().resolveLatest()).rejects.toThrow(/does not name a bundle/);
  });

  it("gives up on an endpoint that accepts connections but never answers", async () => {
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = blackHole.address() as AddressInfo;
      const store = new S3ModelStore({
        modelSource: { kind: "s3", bucket: s3.bucket, prefix: "x/" },
        modelCacheDir: path.join(work, "black-hole-cache"),
        awsRegion: "us-east-1",
        s3Endpoint: `http://127.0.0.1:${port}`,
        s3ForcePathStyle: true,
      });
      // Gives up by itself (the SDK's timeouts) well inside the test's own timeout.
      await expect(store.resolveLatest()).rejects.toBeInstanceOf(ModelStoreError);
    } finally {
      for (const socket of sockets) socket.destroy();
      blackHole.close();
    }
  }, 15_000);

  describe("with S3 stopped", () => {
    it("serves the cached bundle (degraded) after a restart, and fails with no cache", async () => {
      const cached = setup();
      await cached.push(syntheticBundle("va"));
      const running = cached.store();
      await running.resolveLatest();
      const empty = setup();

      await s3.stop();
      try {
        // A running store that already delivered from S3 reports the outage instead.
        await expect(running.resolveLatest()).rejects.toBeInstanceOf(ModelStoreError);
        expect(running.health().status).toBe("degraded");

        const restarted = cached.store();
        // The cached copy comes back marked as a fallback, with the reason.
        expect(await restarted.resolveLatest()).toEqual({
          name: "va",
          dir: path.join(cached.cacheDir, "va"),
          fallback: expect.stringMatching(/pointer .*LATEST unavailable/),
        });
        expect(restarted.health()).toMatchObject({
          status: "degraded",
          detail: expect.stringMatching(/serving cached bundle va: pointer .*LATEST unavailable/),
        });

        const failure = await empty
          .store()
          .resolveLatest()
          .catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(ModelStoreError);
        expect((failure as Error).message).toMatch(/no verified bundle in/);
      } finally {
        await s3.start();
      }
    });
  });
});
