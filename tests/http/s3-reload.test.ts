import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, until } from "./helpers/http";
import { startLocalS3, type LocalS3 } from "./helpers/s3rver";
import { REPO_ROOT, startServer, TEST_API_KEY, type TestServer } from "./helpers/server";

// The built server reading its model from a real S3 API (s3rver): boot from S3, model:push +
// admin reload, a hot swap under load, SIGHUP, a tampered bundle, and S3 outages.

const ADMIN_KEY = "admin_key_0123456789abcdefghij";
const PREFIX = "prod/";
const RECORD = {
  Neighborhood: "North_Ames",
  Gr_Liv_Area: 1500,
  Total_Bsmt_SF: 1000,
  Lot_Area: 9000,
  Year_Built: 1970,
  Overall_Cond: "Average",
  Bedroom_AbvGr: 3,
  Full_Bath: 2,
  Half_Bath: 0,
  Garage_Cars: 2,
  Year_Sold: 2010,
  Mo_Sold: 6,
};

/** The trained bundle (models/LATEST), or TEST_MODEL_BUNDLE while developing. */
async function realBundleDir(): Promise<string> {
  if (process.env.TEST_MODEL_BUNDLE) return process.env.TEST_MODEL_BUNDLE;
  const models = path.join(REPO_ROOT, "models");
  const name = await readFile(path.join(models, "LATEST"), "utf8").catch(() => {
    throw new Error("no trained bundle in models/ (run `npm run train` first)");
  });
  return path.join(models, name.trim());
}

type Bundle = { version: string; dir: string; manifest: string; model: Buffer };

/**
 * A new, valid version of the real bundle: same model.onnx (the loader checks its sha256,
 * which still matches), manifest re-labelled with another version, in its own folder.
 */
async function relabelled(source: string, version: string, into: string): Promise<Bundle> {
  const manifest = JSON.parse(await readFile(path.join(source, "manifest.json"), "utf8"));
  const text = JSON.stringify({ ...manifest, version, created_at: new Date().toISOString() });
  const model = await readFile(path.join(source, "model.onnx"));
  const dir = path.join(into, version);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "manifest.json"), text);
  await writeFile(path.join(dir, "model.onnx"), model);
  return { version, dir, manifest: text, model };
}

type Sample = { start: number; end: number; status: number; version: string | null };

/** `concurrency` clients POSTing /api/v1/predict back to back until stop() is called. */
function loadGenerator(url: string, concurrency: number) {
  const samples: Sample[] = [];
  let running = true;
  const client = async () => {
    while (running) {
      const start = performance.now();
      let status = 0;
      let version: string | null = null;
      try {
        const res = await fetch(`${url}/api/v1/predict`, {
          method: "POST",
          headers: { "X-API-Key": TEST_API_KEY, "Content-Type": "application/json" },
          body: JSON.stringify({ records: [RECORD] }),
        });
        const body = (await res.json()) as { model_version?: string };
        status = res.status;
        version = res.headers.get("x-model-version");
        if (body.model_version !== version) version = `mismatch:${body.model_version}/${version}`;
      } catch {
        status = -1; // network error
      }
      samples.push({ start, end: performance.now(), status, version });
    }
  };
  const clients = Array.from({ length: concurrency }, client);
  return {
    samples,
    stop: async () => {
      running = false;
      await Promise.all(clients);
    },
  };
}

const run = promisify(execFile);

async function modelPush(bundleDir: string, s3: LocalS3) {
  return run(
    path.join(REPO_ROOT, "node_modules/.bin/tsx"),
    ["scripts/model-push.ts", "--bundle", bundleDir, "--to", `s3://${s3.bucket}/${PREFIX}`],
    { cwd: REPO_ROOT, env: { ...process.env, ...s3.env(PREFIX) }, timeout: 60_000 },
  );
}

/** Uploads a bundle's objects directly (no checks: used to plant bad ones) and moves LATEST. */
async function plant(s3: LocalS3, b: Pick<Bundle, "version" | "manifest" | "model">) {
  await s3.put(`${PREFIX}${b.version}/manifest.json`, b.manifest);
  await s3.put(`${PREFIX}${b.version}/model.onnx`, b.model);
  await s3.put(`${PREFIX}LATEST`, b.version);
}

const admin = (server: TestServer, headers: Record<string, string> = { "X-API-Key": ADMIN_KEY }) =>
  fetch(`${server.url}/api/v1/admin/reload`, { method: "POST", headers });

async function servingVersion(server: TestServer): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/model`, { headers: { "X-API-Key": TEST_API_KEY } });
  expect(res.status).toBe(200);
  return res.headers.get("x-model-version") ?? "";
}

async function health(server: TestServer) {
  // The details need an admin key; without one /health says the status only.
  const res = await fetch(`${server.url}/health`, { headers: { "X-API-Key": ADMIN_KEY } });
  return (await res.json()) as {
    status: string;
    last_error: string | null;
    model: { version: string } | null;
    dependencies: { model_store: { status: string; detail: string } };
  };
}

describe("S3 model store with hot reload (built server)", () => {
  let s3: LocalS3;
  let work: string;
  let cacheDir: string;
  let server: TestServer | undefined;
  let a: Bundle;
  let serverEnv: Record<string, string>;

  beforeAll(async () => {
    s3 = await startLocalS3();
    work = await mkdtemp(path.join(tmpdir(), "s3-reload-"));
    cacheDir = path.join(work, "cache");
    const source = await realBundleDir();
    a = await relabelled(source, "bundle-a", path.join(work, "bundles"));
    await plant(s3, a);
    serverEnv = {
      ...s3.env(PREFIX),
      ADMIN_API_KEYS: ADMIN_KEY,
      MODEL_CACHE_DIR: cacheDir,
      RATE_LIMIT_PER_MINUTE: "0",
    };
  });
  afterAll(async () => {
    await server?.stop();
    await s3?.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it("boots from S3: /readyz turns 200 and the bundle is cached", async () => {
    server = await startServer(serverEnv, { waitPath: "/readyz" });
    expect(await servingVersion(server)).toBe("bundle-a");
    expect((await readFile(path.join(cacheDir, "LATEST"), "utf8")).trim()).toBe("bundle-a");
    const h = await health(server);
    expect(h.status).toBe("healthy");
    expect(h.dependencies.model_store).toMatchObject({ status: "ok" });
  });

  it("guards the admin endpoint with ADMIN_API_KEYS only", async () => {
    const missing = await admin(server!, {});
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/Bearer/);
    const apiKey = await admin(server!, { "X-API-Key": TEST_API_KEY });
    expect(apiKey.status).toBe(401);
    expect(apiKey.headers.get("content-type")).toMatch(/problem\+json/);
    const bearer = await admin(server!, { Authorization: `Bearer ${ADMIN_KEY}` });
    expect(bearer.status).toBe(200);
    expect(await bearer.json()).toEqual({
      outcome: "unchanged",
      model_version: "bundle-a",
      previous_version: "bundle-a",
    });
    const get = await fetch(`${server!.url}/api/v1/admin/reload`, {
      headers: { "X-API-Key": ADMIN_KEY },
    });
    expect(get.status).toBe(405);
  });

  it("hot-swaps a pushed bundle under load: no failed request, versions switch once", async () => {
    const b = await relabelled(a.dir, "bundle-b", path.join(work, "bundles"));
    const pushed = await modelPush(b.dir, s3);
    expect(pushed.stdout).toMatch(/bundle-a -> bundle-b/);

    // Enough traffic on each side of the swap, however slow the machine is today.
    const load = loadGenerator(server!.url, 8);
    await until(() => load.samples.length >= 30);
    const t0 = performance.now();
    const res = await admin(server!);
    const t1 = performance.now();
    await until(() => load.samples.filter((s) => s.start > t1).length >= 30);
    await load.stop();

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      outcome: "loaded",
      model_version: "bundle-b",
      previous_version: "bundle-a",
    });
    const { samples } = load;
    const failed = samples.filter((s) => s.status !== 200);
    const before = samples.filter((s) => s.end < t0);
    const after = samples.filter((s) => s.start > t1);
    const firstB = Math.min(...samples.filter((s) => s.version === "bundle-b").map((s) => s.end));
    const during = samples.filter((s) => s.end >= t0 && s.start <= t1);
    const worst = Math.max(...samples.map((s) => s.end - s.start));
    console.log(
      `hot swap: ${samples.length} requests, ${failed.length} failed; reload call ` +
        `${Math.round(t1 - t0)} ms with ${during.length} requests served meanwhile; first ` +
        `bundle-b response ${Math.round(firstB - t0)} ms after the call started; ` +
        `slowest request ${Math.round(worst)} ms`,
    );
    expect(failed).toEqual([]);
    expect(samples.length).toBeGreaterThan(50);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(before.map((s) => s.version))).toEqual(new Set(["bundle-a"]));
    expect(new Set(after.map((s) => s.version))).toEqual(new Set(["bundle-b"]));
    expect(new Set(samples.map((s) => s.version))).toEqual(new Set(["bundle-a", "bundle-b"]));
  });

  it("reloads on SIGHUP", async () => {
    await plant(s3, await relabelled(a.dir, "bundle-c", path.join(work, "bundles")));
    server!.proc.kill("SIGHUP");
    await until(async () => (await servingVersion(server!)) === "bundle-c", 30_000);
    expect(await servingVersion(server!)).toBe("bundle-c");
  });

  it("refuses a tampered bundle: the old version keeps serving and /health shows why", async () => {
    const d = await relabelled(a.dir, "bundle-d", path.join(work, "bundles"));
    const tampered = Buffer.from(d.model);
    tampered[tampered.length >> 1] ^= 0xff;
    await plant(s3, { ...d, model: tampered });

    const res = await admin(server!);
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 502,
      outcome: "failed",
      model_version: "bundle-c",
      previous_version: "bundle-c",
      error: expect.stringMatching(/bundle-d.*sha256 .* does not match the manifest/),
    });
    expect(await servingVersion(server!)).toBe("bundle-c");
    const h = await health(server!);
    expect(h.status).toBe("degraded");
    expect(h.model?.version).toBe("bundle-c");
    expect(h.last_error).toMatch(/bundle-d.*sha256/);
    expect(h.dependencies.model_store.status).toBe("degraded");
    const metrics = await (await fetch(`${server!.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^model_loads_total\{outcome="failed",trigger="admin"\} 1$/m);
    expect(metrics).toMatch(/^model_loads_total\{outcome="loaded",trigger="sighup"\} 1$/m);
    expect(metrics).toMatch(/^model_info\{version="bundle-c"\} 1$/m);
  });

  it("with S3 down, a restarted server serves the last verified cached bundle (degraded)", async () => {
    await server!.stop();
    server = undefined;
    await s3.stop();
    try {
      server = await startServer(
        { ...serverEnv, MODEL_POLL_SECONDS: "1", LOG_LEVEL: "info" },
        { waitPath: "/readyz" },
      );
      expect(await servingVersion(server)).toBe("bundle-c");
      const h = await health(server);
      expect(h.status).toBe("degraded");
      expect(h.last_error).toMatch(/ECONNREFUSED/);
      expect(h.dependencies.model_store).toMatchObject({
        status: "degraded",
        detail: expect.stringMatching(/serving cached bundle bundle-c.*ECONNREFUSED/),
      });
      expect((await fetch(`${server.url}/health`)).status).toBe(200);

      // A reload cannot reach the store: a 502 with the reason, not "200 unchanged".
      const res = await admin(server);
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({
        outcome: "failed",
        model_version: "bundle-c",
        error: expect.stringMatching(/unavailable.*ECONNREFUSED/),
      });
      expect((await health(server)).last_error).toMatch(/unavailable.*ECONNREFUSED/);
      // Polling finds the same fault: logged and counted, never cleared by the cached copy.
      await server.waitForLog(/model load failed.*"trigger":"poll"/, 10_000);
      const metrics = await (await fetch(`${server.metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(/^model_loads_total\{outcome="failed",trigger="admin"\} 1$/m);
      expect(metrics).toMatch(/^model_loads_total\{outcome="failed",trigger="poll"\} [1-9]\d*$/m);
      expect(metrics).not.toMatch(/^model_loads_total\{outcome="unchanged"/m);
    } finally {
      await server?.stop();
      server = undefined;
    }

    // No cache and no S3: alive but not ready (retrying), no crash loop; admin disabled → 404.
    const { ADMIN_API_KEYS: _, ...noAdmin } = serverEnv;
    server = await startServer({ ...noAdmin, MODEL_CACHE_DIR: path.join(work, "empty-cache") });
    await sleep(1500);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    // No admin key configured: /health says the status only; the reason is in the log.
    const h = await fetch(`${server.url}/health`);
    expect(h.status).toBe(503);
    expect(await h.json()).toEqual({ status: "unhealthy" });
    expect(server.logs()).toMatch(/no verified bundle/);
    expect((await admin(server)).status).toBe(404);
    expect(server.proc.exitCode).toBeNull();
    await s3.start();
  });
});
