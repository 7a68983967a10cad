import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../../scripts/reliability/http";
import { rssMb } from "../../scripts/reliability/rss";
import { startServer, TEST_API_KEY, type TestServer } from "../http/helpers/server";
import { MODEL_DIR } from "../unit/batch/run-cli";

// JSON costs memory per value, not per byte: 10 MiB of `[[[[…` is millions of arrays
// (~170 MiB of heap in the thread that parsed it, measured before the bound). Bodies that open
// more objects and arrays than their route can use are refused unparsed (413), and the
// feedback route has its own small body and item bounds.

let server: TestServer;

beforeAll(async () => {
  server = await startServer(
    { MODEL_URI: MODEL_DIR, SCORING_WORKERS: "1", RATE_LIMIT_PER_MINUTE: "0" },
    { waitPath: "/readyz" },
  );
});
afterAll(async () => {
  await server?.stop();
});

const post = (path: string, body: string) =>
  send(server.url, {
    method: "POST",
    path,
    headers: { "Content-Type": "application/json", "X-API-Key": TEST_API_KEY },
    body: Buffer.from(body),
  });

const problemOf = (body: string) => JSON.parse(body) as { status: number; detail: string };

describe("JSON bodies are bounded by the values they open", () => {
  it("9 MiB of nested arrays in one field, or millions of empty arrays: 413 before parsing", async () => {
    const depth = 4_500_000;
    const bodies = [
      `{"records":[{"Gr_Liv_Area":${"[".repeat(depth)}${"]".repeat(depth)}}]}`,
      `{"records":[${Array.from({ length: 3_000_000 }, () => "[]").join(",")}]}`,
    ];
    const pid = server.proc.pid!;
    const before = rssMb(pid);
    for (const body of bodies) {
      const res = await post("/api/v1/predict", body);
      expect(res.status).toBe(413);
      expect(problemOf(res.body).detail).toMatch(/opens more than 20016 objects and arrays/);
    }
    // Parsed, the first body alone grew the process by ~170 MiB.
    expect(rssMb(pid) - before).toBeLessThan(64);
    expect((await send(server.url, { method: "GET", path: "/healthz", headers: {} })).status).toBe(
      200,
    );
  });

  it("a record holding a deeply nested value still gets its row error, JSON or CSV out", async () => {
    const nested = `${"[".repeat(15_000)}${"]".repeat(15_000)}`;
    for (const accept of ["application/json", "text/csv"]) {
      const res = await send(server.url, {
        method: "POST",
        path: "/api/v1/predict",
        headers: {
          "Content-Type": "application/json",
          Accept: accept,
          "X-API-Key": TEST_API_KEY,
        },
        body: Buffer.from(`{"records":[{"Gr_Liv_Area":${nested}}]}`),
      });
      expect(res.status).toBe(422);
      expect(res.body).toContain("records[0].Gr_Liv_Area");
    }
  });
});

describe("feedback is bounded by what it can record", () => {
  const item = (i: number) => ({ prediction_id: `id-${i}`, sale_price: 150_000 });

  it("10,000 items are answered one by one; 10,001 are refused before validation", async () => {
    const full = await post(
      "/api/v1/feedback",
      JSON.stringify({ feedback: Array.from({ length: 10_000 }, (_, i) => item(i)) }),
    );
    expect(full.status).toBe(200);
    expect((JSON.parse(full.body) as { counts: { unknown: number } }).counts.unknown).toBe(10_000);

    const over = await post(
      "/api/v1/feedback",
      JSON.stringify({ feedback: Array.from({ length: 10_001 }, (_, i) => item(i)) }),
    );
    expect(over.status).toBe(413);
    expect(problemOf(over.body).detail).toMatch(/10001 feedback items exceed the limit of 10000/);
  });

  it("a body over 4 MiB is refused while it is read", async () => {
    const padded = JSON.stringify({ feedback: [item(0)] }).replace("{", `{${" ".repeat(5 << 20)}`);
    const res = await post("/api/v1/feedback", padded);
    expect(res.status).toBe(413);
    expect(String(res.headers["content-type"])).toMatch(/problem\+json/);
  });
});
