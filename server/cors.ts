import type { IncomingMessage, ServerResponse } from "node:http";

// CORS for /api/*, off by default (ADR 0033). A browser on another origin may call the API
// only when CORS_ORIGINS lists that origin (or is `*`). The dashboard is same-origin and
// needs none of this. Preflights are answered here, before routing: no loader runs for them.

/** Request headers a browser may send to the API. */
const ALLOWED_HEADERS = ["accept", "authorization", "content-type", "x-api-key", "x-request-id"];
/** Response headers a browser script may read. */
const EXPOSED_HEADERS = "Retry-After, Server-Timing, X-Model-Version, X-Request-Id";
/** How long a browser may cache a preflight's answer. */
const MAX_AGE_SECONDS = 600;

export type Cors = {
  /** Sets the CORS headers of an actual request's answer (nothing for other origins). */
  actual(req: IncomingMessage, res: ServerResponse): void;
  /** Answers an OPTIONS request (preflight or not): 204 with Allow, CORS headers if allowed. */
  options(req: IncomingMessage, res: ServerResponse, allow: readonly string[]): void;
};

export function createCors(origins: readonly string[]): Cors {
  const any = origins.includes("*");
  const listed = new Set(origins);
  const allowedOrigin = (req: IncomingMessage): string | undefined => {
    const origin = req.headers.origin;
    if (!origin || (!any && !listed.has(origin))) return undefined;
    return origin;
  };
  const allowOrigin = (res: ServerResponse, origin: string) => {
    res.setHeader("Access-Control-Allow-Origin", origin);
    // The answer differs by Origin: caches must keep one per origin.
    res.appendHeader("Vary", "Origin");
  };
  return {
    actual(req, res) {
      const origin = allowedOrigin(req);
      if (!origin) return;
      allowOrigin(res, origin);
      res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    },
    options(req, res, allow) {
      res.statusCode = 204;
      res.setHeader("Allow", allow.join(", "));
      res.setHeader("Cache-Control", "no-store");
      const origin = allowedOrigin(req);
      const method = req.headers["access-control-request-method"];
      if (origin && method && allow.includes(method)) {
        const asked = (req.headers["access-control-request-headers"] ?? "")
          .split(",")
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean);
        allowOrigin(res, origin);
        res.setHeader("Access-Control-Allow-Methods", allow.join(", "));
        res.setHeader(
          "Access-Control-Allow-Headers",
          asked.filter((h) => ALLOWED_HEADERS.includes(h)).join(", ") || "content-type",
        );
        res.setHeader("Access-Control-Max-Age", String(MAX_AGE_SECONDS));
      }
      res.end();
    },
  };
}
