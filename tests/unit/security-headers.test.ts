// The security headers are helmet's, computed once at start-up with the nonce spliced in per
// request (server/security.ts): they must equal what helmet itself sets on a response, for
// both header sets (production adds HSTS, development allows ws: for live reload). The
// pooled CSP nonce must stay 128 random bits, base64, never repeated.
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import {
  createHelmet,
  createNonce,
  createSecurityHeaders,
  recordHelmetHeaders,
} from "../../server/security";

function response(): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  res.setHeader("X-Request-Id", "req-1");
  res.setHeader("X-Powered-By", "something"); // helmet removes it
  return res;
}

/** helmet's own per-request run, as the server did it before the headers were precomputed. */
function helmetHeaders(isProduction: boolean, nonce: string) {
  const res = response();
  (res as ServerResponse & { locals: unknown }).locals = { cspNonce: nonce };
  let called = false;
  createHelmet(isProduction)(res.req, res, (err?: unknown) => {
    if (err) throw err;
    called = true;
  });
  expect(called).toBe(true);
  return res.getHeaders();
}

describe("createSecurityHeaders", () => {
  it.each([true, false])("sets exactly helmet's headers (production: %s)", (isProduction) => {
    const set = createSecurityHeaders(isProduction);
    for (let i = 0; i < 5; i++) {
      const nonce = createNonce();
      const res = response();
      set(res, nonce);
      const headers = res.getHeaders();
      expect(headers).toEqual(helmetHeaders(isProduction, nonce));
      expect(headers["x-powered-by"]).toBeUndefined();
      expect(headers["x-request-id"]).toBe("req-1");
      expect(String(headers["content-security-policy"])).toContain(
        `script-src 'self' 'nonce-${nonce}';`,
      );
      expect(headers["strict-transport-security"] !== undefined).toBe(isProduction);
      expect(String(headers["content-security-policy"]).includes("ws:")).toBe(!isProduction);
    }
  });

  it("records every header helmet sets, with the nonce where helmet put it", () => {
    const ops = recordHelmetHeaders(createHelmet(true), "NONCE");
    const names = ops.map((op) => op.name.toLowerCase());
    expect(names).toEqual(
      expect.arrayContaining([
        "content-security-policy",
        "strict-transport-security",
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
        "x-powered-by",
      ]),
    );
    const csp = ops.find((op) => op.name.toLowerCase() === "content-security-policy");
    expect(csp?.value).toMatch(/script-src 'self' 'nonce-NONCE'/);
  });
});

describe("createNonce", () => {
  it("gives distinct 128-bit base64 nonces across pool refills", () => {
    const nonces = Array.from({ length: 1500 }, () => createNonce()); // > 5 pools of 256
    expect(new Set(nonces).size).toBe(nonces.length);
    for (const nonce of nonces) {
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(nonce, "base64")).toHaveLength(16);
    }
    // Not a counter or a repeated block: about half of all bits are set.
    const bits = nonces
      .map((n) => Buffer.from(n, "base64"))
      .reduce(
        (sum, b) => sum + [...b].reduce((s, x) => s + x.toString(2).replace(/0/g, "").length, 0),
        0,
      );
    const ratio = bits / (nonces.length * 128);
    expect(ratio).toBeGreaterThan(0.48);
    expect(ratio).toBeLessThan(0.52);
  });
});
