import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../../scripts/reliability/http";
import { predictRequest } from "../../scripts/reliability/requests";
import { MODEL_DIR } from "../unit/batch/run-cli";
import { problemDefect } from "../reliability/problem";
import { sleep } from "./helpers/http";
import { startServer, TEST_API_KEY, type TestServer } from "./helpers/server";

// Corrupt bundles on disk: the server must stay up (liveness 200, no crash loop) but never
// become ready — /readyz 503, /health names the reason, predictions 503 — never half-working.

type Corruption = { name: string; reason: RegExp; apply(dir: string): Promise<void> };

const manifestOf = async (dir: string) =>
  JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Record<string, unknown> & {
    onnx: { sha256: string };
  };
const writeManifest = (dir: string, m: unknown) =>
  writeFile(path.join(dir, "manifest.json"), JSON.stringify(m));

const CORRUPTIONS: Corruption[] = [
  {
    name: "truncated model.onnx",
    reason: /sha256 .* does not match the manifest/,
    apply: async (dir) => {
      const bytes = await readFile(path.join(dir, "model.onnx"));
      await writeFile(path.join(dir, "model.onnx"), bytes.subarray(0, bytes.length >> 1));
    },
  },
  {
    name: "manifest with a wrong sha256",
    reason: /sha256 .* does not match the manifest/,
    apply: async (dir) => {
      const m = await manifestOf(dir);
      m.onnx.sha256 = "0".repeat(64);
      await writeManifest(dir, m);
    },
  },
  {
    name: "manifest of an incompatible bundle format",
    reason: /Unsupported model bundle format/,
    apply: async (dir) => {
      const m = await manifestOf(dir);
      await writeManifest(dir, { ...m, format: 999 });
    },
  },
  {
    // The sha matches (someone re-hashed a damaged file): onnxruntime itself must refuse it.
    name: "truncated model.onnx with a matching sha256",
    reason: /onnxruntime rejected model\.onnx|warm-up prediction failed/,
    apply: async (dir) => {
      const bytes = (await readFile(path.join(dir, "model.onnx"))).subarray(0, 4096);
      await writeFile(path.join(dir, "model.onnx"), bytes);
      const m = await manifestOf(dir);
      m.onnx.sha256 = createHash("sha256").update(bytes).digest("hex");
      await writeManifest(dir, m);
    },
  },
  {
    name: "manifest that is not JSON",
    reason: /JSON/,
    apply: (dir) => writeFile(path.join(dir, "manifest.json"), '{"format": 1, "onnx": '),
  },
];

const ADMIN_KEY = "admin_key_0123456789abcdefghij";
let root: string;
const servers = new Map<string, TestServer>();

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "corrupt-bundles-"));
  const version = (await readFile(path.join(MODEL_DIR, "LATEST"), "utf8")).trim();
  for (const [i, c] of CORRUPTIONS.entries()) {
    const store = path.join(root, String(i));
    await cp(path.join(MODEL_DIR, version), path.join(store, version), { recursive: true });
    await writeFile(path.join(store, "LATEST"), version);
    await c.apply(path.join(store, version));
    servers.set(c.name, await startServer({ MODEL_URI: store, ADMIN_API_KEYS: ADMIN_KEY }));
  }
}, 180_000);
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()));
  await rm(root, { recursive: true, force: true });
});

describe("corrupt model bundles on disk", () => {
  it.each(CORRUPTIONS.map((c) => [c.name, c] as const))(
    "%s: alive, never ready, clear reason",
    async (_n, c) => {
      const server = servers.get(c.name)!;
      // Give start-up and its first retries time to (wrongly) succeed.
      let health: Record<string, unknown> = {};
      for (let i = 0; i < 50; i++) {
        // The details (last_error) need an admin key.
        const h = await send(server.url, {
          method: "GET",
          path: "/health",
          headers: { "X-API-Key": ADMIN_KEY },
        });
        health = JSON.parse(h.body) as Record<string, unknown>;
        if (health.last_error) break;
        await sleep(200);
      }
      await sleep(1_500);
      expect(health).toMatchObject({ status: "unhealthy", model: null, model_state: "failed" });
      expect(String(health.last_error)).toMatch(c.reason);

      const live = await send(server.url, { method: "GET", path: "/healthz", headers: {} });
      expect(live.status).toBe(200);
      const ready = await send(server.url, { method: "GET", path: "/readyz", headers: {} });
      expect(ready.status).toBe(503);
      const predict = await send(server.url, predictRequest(TEST_API_KEY));
      expect(predict.status).toBe(503);
      expect(problemDefect({ ...predict, status: 499 })).toMatch(/body.status 503/); // a problem…
      expect(predict.headers["retry-after"]).toMatch(/^\d+$/); // …that says when to retry
      expect(server.proc.exitCode).toBeNull(); // no crash loop: the process stays and retries
      expect(server.logs()).toMatch(/model load failed/);
    },
  );
});
