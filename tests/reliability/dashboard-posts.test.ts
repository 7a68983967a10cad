import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../http/helpers/server";
import { MODEL_DIR } from "../unit/batch/run-cli";
import { rawRequest } from "./raw";

// The dashboard's endpoints without a key (issue 17 item 3, ADR 0031): the rate limit is
// counted before the body is read, per client address (X-Forwarded-For only through
// TRUST_PROXY hops), and uploads held in memory share one budget.

const LIMIT = 60; // FORM_SUBMISSIONS_PER_MINUTE
const FORM = "application/x-www-form-urlencoded";

const formPost = (server: TestServer, forwardedFor?: string) =>
  fetch(`${server.url}/?index`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": FORM, ...(forwardedFor ? { "X-Forwarded-For": forwardedFor } : {}) },
    body: "Gr_Liv_Area=abc",
  });

/** A form post whose chunked body never ends: only an answer before the body can come back. */
async function endlessPost(server: TestServer, forwardedFor: string) {
  const req = rawRequest(server.port, {
    method: "POST",
    // A data request: the action's own answer, headers included (a page has its status).
    path: "/?index&_data=routes/_index",
    headers: {
      "Content-Type": FORM,
      "Transfer-Encoding": "chunked",
      "X-Forwarded-For": forwardedFor,
    },
  });
  req.socket.write("5\r\nGr_Li\r\n");
  const timeout = setTimeout(() => req.socket.destroy(), 10_000);
  try {
    return await req.answer;
  } finally {
    clearTimeout(timeout);
    req.socket.destroy();
  }
}

describe("form rate limit without trusted proxies (TRUST_PROXY=0)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ MODEL_URI: MODEL_DIR }, { waitPath: "/readyz" });
  });
  afterAll(async () => server?.stop());

  it("a forged X-Forwarded-For does not escape the limit, and the 429 comes before the body", async () => {
    for (let i = 0; i < LIMIT; i++) {
      const res = await formPost(server, `198.51.100.${i}`);
      await res.arrayBuffer();
      expect(res.status, `post ${i + 1}`).toBe(422);
    }
    const limited = await endlessPost(server, "203.0.113.250");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.body).toMatch(/Too many/i);
  });
});

describe("form rate limit behind one proxy (TRUST_PROXY=1)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ MODEL_URI: MODEL_DIR, TRUST_PROXY: "1" }, { waitPath: "/readyz" });
  });
  afterAll(async () => server?.stop());

  it("the proxy's entry names the client; entries left of it are the client's own text", async () => {
    for (let i = 0; i < LIMIT; i++) {
      const res = await formPost(server, `10.9.9.${i}, 203.0.113.1`);
      await res.arrayBuffer();
      expect(res.status).toBe(422);
    }
    const same = await formPost(server, "6.6.6.6, 203.0.113.1");
    await same.arrayBuffer();
    expect(same.status).toBe(429);
    const other = await formPost(server, "6.6.6.6, 203.0.113.2");
    await other.arrayBuffer();
    expect(other.status).toBe(422);
  });
});

describe("upload memory budget (UPLOAD_MEMORY_BYTES=65536)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(
      { MODEL_URI: MODEL_DIR, UPLOAD_MEMORY_BYTES: "65536", RATE_LIMIT_PER_MINUTE: "0" },
      { waitPath: "/readyz" },
    );
  });
  afterAll(async () => server?.stop());

  const upload = (bytes: number) => {
    const form = new FormData();
    const csv = `Gr_Liv_Area\n${"1500\n".repeat(Math.ceil(bytes / 5))}`;
    form.set("file", new File([csv], "a.csv", { type: "text/csv" }));
    return fetch(`${server.url}/batch?_data=routes/batch`, { method: "POST", body: form });
  };

  it("a full budget answers 503 + Retry-After; the bytes come back when the holder is done", async () => {
    // One upload holds 60 KiB of its declared 200 KB and stalls.
    const holder = rawRequest(server.port, {
      method: "POST",
      path: "/batch",
      headers: { "Content-Type": "multipart/form-data; boundary=x", "Content-Length": "200000" },
    });
    holder.socket.write(`--x\r\n${"y".repeat(60 * 1024)}`);
    await new Promise((r) => setTimeout(r, 500));

    const refused = await upload(10 * 1024);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(JSON.stringify(await refused.json())).toMatch(/as many uploads as it can/);

    holder.socket.destroy();
    await holder.closed;
    await new Promise((r) => setTimeout(r, 200));
    const accepted = await upload(10 * 1024);
    expect(accepted.status).not.toBe(503);
    await accepted.arrayBuffer();
  });
});
