import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../../scripts/reliability/http";
import { rssMb } from "../../scripts/reliability/rss";
import { startServer, TEST_API_KEY, type TestServer } from "../http/helpers/server";
import { MODEL_DIR } from "../unit/batch/run-cli";
import { pipeline } from "./raw";

// Cost follows work, not bytes: what one request (or connection) can make the server do is
// bounded by what it can use, checked before the costly step.
// - JSON costs memory per value: 10 MiB of `[[[[…` is millions of arrays (~170 MiB of heap in
//   the thread that parsed it, measured before the bound); such bodies are refused unparsed.
// - A multipart upload costs per part: 50,000 tiny files in 10 MiB took a thread 8 s.
// - One connection pipelining 20,000 requests put them all in flight; every other client's
//   request waited ~4.5 s behind them.
// - Feedback has its own small body and item bounds.

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

describe("an error echoes what it names, not what it was sent", () => {
  it("a 1 MiB unknown key in a record, the envelope or a feedback item: a small 422", async () => {
    const key = "k".repeat(1 << 20);
    const bodies: [string, string][] = [
      ["/api/v1/predict", JSON.stringify({ records: [{ [key]: 1 }] })],
      ["/api/v1/predict", JSON.stringify({ records: [{}], [key]: 1 })],
      [
        "/api/v1/feedback",
        JSON.stringify({ feedback: [{ prediction_id: "x", sale_price: 1, [key]: 1 }] }),
      ],
    ];
    for (const [path, body] of bodies) {
      const res = await post(path, body);
      expect(res.status).toBe(422);
      // The key was echoed whole, twice (detail and errors): a 2 MiB answer.
      expect(res.body.length).toBeLessThan(8_192);
      expect(res.body).toContain(`${"k".repeat(64)}…`);
    }
  });
});

describe("JSON bodies are bounded by the values they open", () => {
  it("9 MiB of nested arrays in one field, or millions of empty arrays: 413 before parsing", async () => {
    const depth = 4_500_000;
    const bodies = [
      `{"records":[{"Gr_Liv_Area":${"[".repeat(depth)}${"]".repeat(depth)}}]}`,
      `{"records":[${Array.from({ length: 3_000_000 }, () => "[]").join(",")}]}`,
    ];
    const pid = server.proc.pid!;
    // The scoring thread starts with the first large request (ADR 0048): start it first, so
    // what is measured is what these bodies cost, not the thread.
    await post(
      "/api/v1/predict",
      JSON.stringify({ records: Array.from({ length: 20 }, () => ({})) }),
    );
    const before = rssMb(pid);
    for (const body of bodies) {
      const res = await post("/api/v1/predict", body);
      expect(res.status).toBe(413);
      expect(problemOf(res.body).detail).toMatch(/opens more than 20016 objects and arrays/);
    }
    // Parsed, the first body alone would grow the process by far more (the header above).
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

describe("uploads are bounded by their parts", () => {
  it("a 10 MiB form of 50,000 tiny files is refused before it is parsed, with a message", async () => {
    const boundary = "b0undary";
    const part = (i: number) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a${i}.csv"\r\n` +
      "Content-Type: text/csv\r\n\r\nGr_Liv_Area\n1\r\n";
    const body = `${Array.from({ length: 50_000 }, (_, i) => part(i)).join("")}--${boundary}--\r\n`;
    const res = await send(server.url, {
      method: "POST",
      path: "/batch",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
      body: Buffer.from(body),
    });
    expect(res.status).toBe(413);
    expect(res.body).toContain("The form has more than 8 parts");
  });
});

// Both listeners are created by createBoundedServer; each scrape of /metrics renders the whole
// registry, so the metrics port needs the cap as much as the app's.
describe.each([
  ["the app's port", () => server.port, "/healthz"],
  ["the metrics port", () => server.metricsPort, "/metrics"],
])("%s: a connection may have 16 requests in flight", (_what, port, path) => {
  const request = `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;
  const last = `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`;
  const answers = (text: string) => text.match(/HTTP\/1\.1 200/g)?.length ?? 0;

  it("16 pipelined requests are all answered, in order", async () => {
    const { text } = await pipeline(port(), request.repeat(15) + last);
    expect(answers(text)).toBe(16);
  });

  it("20,000 pipelined requests close the connection; other clients are answered meanwhile", async () => {
    const flood = pipeline(port(), request.repeat(20_000));
    const probe = send(server.url, { method: "GET", path: "/healthz", headers: {} });
    const [{ text }, answer] = await Promise.all([flood, probe]);
    expect(answers(text)).toBeLessThanOrEqual(16);
    expect(answer.status).toBe(200);
    // The server is still fine for the next client.
    expect(answers((await pipeline(port(), last)).text)).toBe(1);
  });
});
