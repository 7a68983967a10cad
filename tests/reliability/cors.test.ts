import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { predictRequest } from "../../scripts/reliability/requests";
import { startServer, TEST_API_KEY, type TestServer } from "../http/helpers/server";
import { MODEL_DIR } from "../unit/batch/run-cli";

// CORS (issue 17 item 7, ADR 0033): off by default, allowed per origin with CORS_ORIGINS;
// preflights are answered before routing, so OPTIONS never runs a loader.

const ALLOWED = "https://app.example.com";

const preflight = (server: TestServer, path: string, origin: string, method = "POST") =>
  fetch(`${server.url}${path}`, {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": method,
      "Access-Control-Request-Headers": "content-type, x-api-key, x-evil",
    },
  });

describe("CORS_ORIGINS set", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(
      { MODEL_URI: MODEL_DIR, CORS_ORIGINS: `${ALLOWED}, https://other.example.com` },
      { waitPath: "/readyz" },
    );
  });
  afterAll(async () => server?.stop());

  it("answers a listed origin's preflight with the methods and the headers it may send", async () => {
    const res = await preflight(server, "/api/v1/predict", ALLOWED);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(res.headers.get("access-control-allow-methods")).toBe("POST, OPTIONS");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type, x-api-key");
    expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(res.headers.get("vary")).toMatch(/Origin/);
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
  });

  it("gives an unlisted origin, or a method the route does not take, no CORS headers", async () => {
    const evil = await preflight(server, "/api/v1/predict", "https://evil.example.com");
    expect(evil.status).toBe(204);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const del = await preflight(server, "/api/v1/predict", ALLOWED, "DELETE");
    expect(del.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("marks a listed origin's actual answers, errors included, and exposes the useful headers", async () => {
    const req = predictRequest(TEST_API_KEY);
    const ok = await fetch(`${server.url}${req.path}`, {
      method: "POST",
      headers: { ...req.headers, Origin: ALLOWED },
      body: req.body?.toString("utf8"),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(ok.headers.get("access-control-expose-headers")).toMatch(/X-Request-Id/);
    const denied = await fetch(`${server.url}/api/v1/model`, { headers: { Origin: ALLOWED } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    // Pages are same-origin only.
    const page = await fetch(`${server.url}/healthz`, { headers: { Origin: ALLOWED } });
    expect(page.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("OPTIONS never runs a loader: no key needed, no page rendered", async () => {
    const model = await fetch(`${server.url}/api/v1/model`, { method: "OPTIONS" });
    expect(model.status).toBe(204); // its loader would have answered 401
    expect(model.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    const home = await fetch(`${server.url}/?index`, { method: "OPTIONS" });
    expect(home.status).toBe(204);
    expect(home.headers.get("allow")).toBe("GET, HEAD, POST, OPTIONS");
    expect(await home.text()).toBe("");
  });
});

describe("CORS_ORIGINS unset (the default)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ MODEL_URI: MODEL_DIR }, { waitPath: "/readyz" });
  });
  afterAll(async () => server?.stop());

  it("answers preflights with Allow only: browsers refuse cross-origin calls", async () => {
    const res = await preflight(server, "/api/v1/predict", ALLOWED);
    expect(res.status).toBe(204);
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});
