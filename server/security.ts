import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";

export function createNonce(): string {
  return randomBytes(16).toString("base64");
}

type WithNonce = ServerResponse & { locals?: { cspNonce?: string } };

// The CSP allows only our own scripts plus the per-request nonce that Remix puts on its
// inline hydration scripts; styles come from our own stylesheet (Tailwind), and charts are
// inline SVG. upgrade-insecure-requests is off so plain-HTTP localhost and tests work.
export function createSecurityHeaders(isProduction: boolean) {
  const middleware = helmet({
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
  return (req: IncomingMessage, res: ServerResponse, nonce: string): Promise<void> => {
    (res as WithNonce).locals = { cspNonce: nonce };
    return new Promise((resolve, reject) =>
      middleware(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
    );
  };
}
