import { randomBytes } from "node:crypto";
import { IncomingMessage, ServerResponse, type OutgoingHttpHeaders } from "node:http";
import { Socket } from "node:net";
import helmet from "helmet";

type WithNonce = ServerResponse & { locals?: { cspNonce?: string } };

// The CSP allows only our own scripts plus, on pages, the per-request nonce that Remix puts on
// its inline hydration scripts; styles come from our own stylesheet (Tailwind), and charts are
// inline SVG. upgrade-insecure-requests is off so plain-HTTP localhost and tests work.
/** helmet's middleware with this app's options; pages read the nonce from `res.locals`. */
export function createHelmet(isProduction: boolean, { nonce }: { nonce: boolean }) {
  const scripts = ["'self'"];
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        "default-src": ["'self'"],
        "script-src": nonce
          ? [...scripts, (_req, res) => `'nonce-${(res as WithNonce).locals?.cspNonce ?? ""}'`]
          : scripts,
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

/** What a helmet middleware sets on a response, from one run on a response of node's own. */
function headersOf(middleware: ReturnType<typeof helmet>): OutgoingHttpHeaders {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  middleware(res.req, res, (error?: unknown) => {
    if (error) throw error;
  });
  return res.getHeaders();
}

export type SecurityHeaders = {
  /** A page (HTML that runs Remix's inline scripts): helmet's headers with a fresh nonce. */
  page(req: IncomingMessage, res: ServerResponse): Promise<string>;
  /** Anything else runs no inline script: the same headers every time. */
  other(res: ServerResponse): void;
};

export function createSecurityHeaders(isProduction: boolean): SecurityHeaders {
  const forPages = createHelmet(isProduction, { nonce: true });
  const fixed = Object.entries(headersOf(createHelmet(isProduction, { nonce: false })));
  return {
    page(req, res) {
      // 128 random bits, the CSP spec's recommended minimum.
      const nonce = randomBytes(16).toString("base64");
      (res as WithNonce).locals = { cspNonce: nonce };
      return new Promise((resolve, reject) =>
        forPages(req, res, (error?: unknown) => (error ? reject(error) : resolve(nonce))),
      );
    },
    other(res) {
      for (const [name, value] of fixed) if (value !== undefined) res.setHeader(name, value);
      res.removeHeader("X-Powered-By");
    },
  };
}
