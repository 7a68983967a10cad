// Security headers (server/security.ts): pages get helmet's own per-request output with a
// fresh 128-bit nonce; every other response gets helmet's headers for a page without inline
// scripts, the same each time. Both header sets: production adds HSTS, development allows
// ws: for live reload.
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { createHelmet, createSecurityHeaders } from "../../server/security";

function response(): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  res.setHeader("X-Request-Id", "req-1");
  res.setHeader("X-Powered-By", "something"); // helmet removes it
  return res;
}

/** helmet's own run on a fresh response. */
function helmetHeaders(isProduction: boolean, nonce: string | undefined) {
  const res = response();
  (res as ServerResponse & { locals: unknown }).locals = { cspNonce: nonce };
  createHelmet(isProduction, { nonce: nonce !== undefined })(res.req, res, (err?: unknown) => {
    if (err) throw err;
  });
  return res.getHeaders();
}

describe.each([true, false])("security headers (production: %s)", (isProduction) => {
  const headers = createSecurityHeaders(isProduction);

  it("a page gets helmet's headers with a fresh base64 nonce of 128 bits", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = response();
      const nonce = await headers.page(res.req, res);
      expect(Buffer.from(nonce, "base64")).toHaveLength(16);
      expect(seen.has(nonce)).toBe(false);
      seen.add(nonce);
      expect(res.getHeaders()).toEqual(helmetHeaders(isProduction, nonce));
      expect(String(res.getHeader("content-security-policy"))).toContain(`'nonce-${nonce}'`);
    }
  });

  it("any other answer gets the same headers, without a nonce and without X-Powered-By", () => {
    const res = response();
    headers.other(res);
    expect(res.getHeaders()).toEqual(helmetHeaders(isProduction, undefined));
    expect(res.getHeader("x-powered-by")).toBeUndefined();
    expect(String(res.getHeader("content-security-policy"))).not.toContain("nonce");
    expect(Boolean(res.getHeader("strict-transport-security"))).toBe(isProduction);
  });
});
