import { randomFillSync } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";

const NONCE_BYTES = 16; // 128 bits, the CSP spec's recommended minimum
const NONCES_PER_POOL = 256;
let noncePool = Buffer.alloc(0);
let noncePoolOffset = 0;

/**
 * A fresh 128-bit CSP nonce, base64 (24 characters). The random bytes come from a 4 KiB pool
 * refilled by one randomFillSync call every 256 nonces (node's randomUUID() keeps a pool the
 * same way): a randomBytes(16) call per request was ~3% of the server's CPU under load. Every
 * nonce uses bytes that no other nonce used.
 */
export function createNonce(): string {
  if (noncePoolOffset >= noncePool.length) {
    noncePool = randomFillSync(Buffer.allocUnsafeSlow(NONCE_BYTES * NONCES_PER_POOL));
    noncePoolOffset = 0;
  }
  const nonce = noncePool.toString("base64", noncePoolOffset, noncePoolOffset + NONCE_BYTES);
  noncePoolOffset += NONCE_BYTES;
  return nonce;
}

type WithNonce = ServerResponse & { locals?: { cspNonce?: string } };

// The CSP allows only our own scripts plus the per-request nonce that Remix puts on its
// inline hydration scripts; styles come from our own stylesheet (Tailwind), and charts are
// inline SVG. upgrade-insecure-requests is off so plain-HTTP localhost and tests work.
/** helmet's middleware with this app's options; it reads the nonce from `res.locals`. */
export function createHelmet(isProduction: boolean) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        "default-src": ["'self'"],
        "script-src": [
          "'self'",
          (_req, res) => `'nonce-${(res as WithNonce).locals?.cspNonce ?? ""}'`,
        ],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": isProduction ? ["'self'"] : ["'self'", "ws:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": null,
      },
    },
    // Not helmet's "no-referrer": with it Chromium sends `Origin: null` on plain (no-JS) form
    // POSTs, and Remix's CSRF check rejects those actions with a 500. "same-origin" still
    // sends nothing to other sites.
    referrerPolicy: { policy: "same-origin" },
    strictTransportSecurity: isProduction,
    crossOriginEmbedderPolicy: false,
  });
}

type HeaderOp = { name: string; value: string | undefined };
const NONCE_PLACEHOLDER = "__CSP_NONCE_PLACEHOLDER__";

/**
 * What helmet does to a response, recorded once: every header it sets (or removes), in order.
 * Its headers depend on nothing in the request but the nonce (helmet builds them from its
 * options alone), so a run with a placeholder nonce gives all of them. Throws if helmet
 * stops finishing synchronously or fails, instead of silently sending fewer headers.
 */
export function recordHelmetHeaders(
  middleware: ReturnType<typeof helmet>,
  nonce: string,
): HeaderOp[] {
  const ops: HeaderOp[] = [];
  const res = {
    locals: { cspNonce: nonce },
    setHeader(name: string, value: unknown) {
      if (typeof value !== "string") throw new Error(`helmet set ${name} to a non-string`);
      ops.push({ name, value });
      return res;
    },
    removeHeader(name: string) {
      ops.push({ name, value: undefined });
    },
  };
  let done = false;
  const req = { method: "GET", url: "/", headers: {} } as IncomingMessage;
  middleware(req, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error("helmet did not finish synchronously: cannot precompute headers");
  return ops;
}

/**
 * Sets the security headers on a response with the request's CSP nonce. helmet computes them
 * once here (its per-request run re-joined the whole CSP and walked 13 middlewares); per
 * request only the nonce is spliced into the CSP. tests/unit/security-headers.test.ts checks
 * the result equals helmet's own per-request output.
 */
export function createSecurityHeaders(isProduction: boolean) {
  const ops = recordHelmetHeaders(createHelmet(isProduction), NONCE_PLACEHOLDER);
  const setters = ops.map(({ name, value }): ((res: ServerResponse, nonce: string) => void) => {
    if (value === undefined) return (res) => res.removeHeader(name);
    const parts = value.split(NONCE_PLACEHOLDER);
    if (parts.length === 1) return (res) => res.setHeader(name, value);
    if (parts.length !== 2) throw new Error(`${name}: the nonce appears more than once`);
    const [before, after] = parts;
    return (res, nonce) => res.setHeader(name, before + nonce + after);
  });
  if (!ops.some((op) => op.value?.includes(NONCE_PLACEHOLDER))) {
    throw new Error("helmet's CSP does not carry the nonce");
  }
  return (res: ServerResponse, nonce: string): void => {
    for (const set of setters) set(res, nonce);
  };
}
