import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import { createRequestHandler } from "@remix-run/node";
import { sendResponse } from "@remix-run/node-fetch-server";
import compression from "compression";
import type { Config } from "~/lib/config.server";
import { HousingMLError, LengthRequiredError, PayloadTooLargeError } from "~/lib/errors.server";
import { lifecycle } from "~/lib/lifecycle.server";
import { getLogger } from "~/lib/logger.server";
import { getMetrics, routeLabel } from "~/lib/metrics.server";
import { toProblemResponse } from "~/lib/problem.server";
import { readSmallBody, shouldPreread, toFetchRequest } from "./fetch-request";
import { resolveRequestId } from "./request-id";
import { createNonce, createSecurityHeaders } from "./security";
import { createStaticHandler } from "./static-files";

const PROBE_PATHS = new Set(["/healthz", "/readyz", "/health"]);
const STATIC_PATH = /^\/build\/|^\/[^/]+\.(ico|png|svg|txt|webmanifest|json)$/;

/**
 * The whole HTTP pipeline for one request, in order: request id → security headers →
 * body-size limit → static files → compression → (small API bodies read) → Remix → one
 * access-log line.
 */
export function createAppListener(config: Config, getBuild: () => ServerBuild, dev: boolean) {
  const log = getLogger();
  const metrics = getMetrics();
  const securityHeaders = createSecurityHeaders(config.isProduction);
  const serveStatic = createStaticHandler("public", dev);
  const compress = compression({ threshold: 1024 });
  const mode = dev ? "development" : "production";
  // Built once per Remix build (dev rebuilds swap it), not per request.
  let handlerBuild: ServerBuild | undefined;
  let handleRequest: ReturnType<typeof createRequestHandler> | undefined;
  const remixHandler = () => {
    const build = getBuild();
    if (build !== handlerBuild || !handleRequest) {
      handlerBuild = build;
      handleRequest = createRequestHandler(build, mode);
    }
    return handleRequest;
  };

  return async (req: IncomingMessage, res: ServerResponse) => {
    const start = process.hrtime.bigint();
    const requestId = resolveRequestId(req.headers["x-request-id"]);
    const pathname = (req.url ?? "/").split("?", 1)[0];
    const logFields: Record<string, unknown> = {};
    res.setHeader("X-Request-Id", requestId);
    if (lifecycle.draining) res.setHeader("Connection", "close");

    res.once("finish", () => {
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      const labels = {
        route: routeLabel(pathname),
        method: req.method ?? "GET",
        status: res.statusCode,
      };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, durationMs / 1000);
      // winston runs the whole format chain (redaction, timestamp, JSON) before its
      // transports drop a line below their level: check first, so probe lines cost nothing
      // in production.
      const level = PROBE_PATHS.has(pathname) ? "debug" : "info";
      if (!log.isLevelEnabled(level)) return;
      log.log(level, "request", {
        method: req.method,
        path: pathname,
        status: res.statusCode,
        duration_ms: Math.round(durationMs * 100) / 100,
        request_id: requestId,
        ...logFields,
      });
    });

    try {
      const nonce = createNonce();
      securityHeaders(res, nonce);

      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > config.maxBodyBytes) {
        req.resume(); // drain so the socket can answer
        const error = new PayloadTooLargeError(
          `Request body of ${declared} bytes exceeds the limit of ${config.maxBodyBytes} bytes.`,
        );
        await sendResponse(res, toProblemResponse(error, requestId));
        return;
      }

      // Page form posts are parsed by Remix (request.formData()) without a byte cap, so a
      // streamed body without Content-Length is refused there; API routes count bytes as they
      // read and accept chunked uploads. Browsers always send a length for form posts.
      if (
        req.headers["transfer-encoding"] !== undefined &&
        req.headers["content-length"] === undefined &&
        !pathname.startsWith("/api/")
      ) {
        req.resume();
        const error = new LengthRequiredError(
          "Send a Content-Length header with the request body.",
        );
        await sendResponse(res, toProblemResponse(error, requestId));
        return;
      }

      if ((req.method === "GET" || req.method === "HEAD") && STATIC_PATH.test(pathname)) {
        if (await serveStatic(req, res)) return;
      }

      if (req.headers["accept-encoding"]) {
        await new Promise<void>((resolve) => compress(req as never, res as never, () => resolve()));
      }

      const preread = shouldPreread(req.method, pathname, declared);
      const body = preread ? await readSmallBody(req) : undefined;
      const request = toFetchRequest(req, res, body !== undefined);
      const context = { requestId, cspNonce: nonce, logFields, body };
      const response = await remixHandler()(request, context);
      await sendResponse(res, response);
    } catch (error) {
      // Our own errors here are the client's (a cut-off body, a bad Host): a 4xx, not an
      // unhandled server error.
      if (!(error instanceof HousingMLError) || error.status >= 500)
        log.error("unhandled server error", { request_id: requestId, error });
      if (!res.headersSent) await sendResponse(res, toProblemResponse(error, requestId));
      else res.destroy();
    }
  };
}
