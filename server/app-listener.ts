import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import { createRequestHandler } from "@remix-run/node";
import { createHeaders, sendResponse } from "@remix-run/node-fetch-server";
import compression from "compression";
import type { Config } from "~/lib/config.server";
import { readBody } from "~/lib/body.server";
import { HousingMLError } from "~/lib/errors.server";
import { lifecycle } from "~/lib/lifecycle.server";
import { getLogger } from "~/lib/logger.server";
import { getMetrics } from "~/lib/metrics.server";
import { toProblemResponse } from "~/lib/problem.server";
import { admit, type Admission } from "./admission";
import { closeIfBodyLeft } from "./linger-close";
import { resolveRequestId } from "./request-id";
import { createSecurityHeaders } from "./security";
import { createStaticHandler } from "./static-files";

const PROBE_ROUTES = new Set(["/healthz", "/readyz", "/health"]);
const STATIC_ROUTES = new Set(["/build/*", "static"]);
const STATIC_PATH = /^\/build\/|^\/[^/]+\.(ico|png|svg|txt|webmanifest|json)$/;

/**
 * The whole HTTP pipeline for one request, in order: request id → security headers →
 * admission (URL, route, body limit) → static files → a page's CSP nonce → compression →
 * (form body read) → Remix → one access-log line.
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
  const remixHandler = (build: ServerBuild) => {
    if (build !== handlerBuild || !handleRequest) {
      handlerBuild = build;
      handleRequest = createRequestHandler(build, mode);
    }
    return handleRequest;
  };

  return async (req: IncomingMessage, res: ServerResponse) => {
    const start = process.hrtime.bigint();
    const requestId = resolveRequestId(req.headers["x-request-id"]);
    const logFields: Record<string, unknown> = {};
    let admission: Admission | undefined;
    let route = "invalid";
    res.setHeader("X-Request-Id", requestId);
    if (lifecycle.draining) res.setHeader("Connection", "close");

    res.once("finish", () => {
      const durationMs = Number(process.hrtime.bigint() - start) / 1e6;
      const labels = { route, method: req.method ?? "GET", status: res.statusCode };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, durationMs / 1000);
      // winston runs the whole format chain (redaction, timestamp, JSON) before its
      // transports drop a line below their level: check first, so probe lines cost nothing
      // in production.
      // Static files (a page's assets) too: they outnumbered the page lines and scrolled the
      // one-time start-up lines away.
      const level = PROBE_ROUTES.has(route) || STATIC_ROUTES.has(route) ? "debug" : "info";
      if (!log.isLevelEnabled(level)) return;
      log.log(level, "request", {
        method: req.method,
        path: admission?.url.pathname ?? (req.url ?? "/").split("?", 1)[0],
        route,
        status: res.statusCode,
        duration_ms: Math.round(durationMs * 100) / 100,
        request_id: requestId,
        ...logFields,
      });
    });

    try {
      // Every answer carries the security headers; pages get theirs with a nonce below.
      securityHeaders.other(res);
      const build = getBuild();
      admission = admit(req, build, config);
      route = admission.route;
      const { url } = admission;
      const method = req.method ?? "GET";
      const bodyless = method === "GET" || method === "HEAD";
      if (bodyless || admission.bodyUse === "none") closeIfBodyLeft(req, res); // never read

      if (bodyless && STATIC_PATH.test(url.pathname)) {
        const raw = req.url;
        req.url = url.pathname + url.search; // sirv resolves files from the admitted URL too
        // Named before serving: the access-log line is written on 'finish', which can come
        // before serveStatic's promise settles.
        const admitted = route;
        route = url.pathname.startsWith("/build/") ? "/build/*" : "static";
        if (await serveStatic(req, res)) return;
        route = admitted;
        req.url = raw;
      }
      const nonce = admission.page ? await securityHeaders.page(req, res) : "";

      if (req.headers["accept-encoding"]) {
        await new Promise<void>((resolve) => compress(req as never, res as never, () => resolve()));
      }

      const { maxBodyBytes } = admission;
      const body =
        !bodyless && admission.bodyUse === "form" ? await readBody(req, maxBodyBytes) : undefined;
      const request = new Request(url.href, {
        method,
        headers: createHeaders(req),
        body: body as Uint8Array<ArrayBuffer> | undefined,
      });
      const context = {
        requestId,
        cspNonce: nonce,
        logFields,
        body: { stream: req, maxBytes: maxBodyBytes },
      };
      const response = await remixHandler(build)(request, context);
      closeIfBodyLeft(req, res);
      await sendResponse(res, response);
    } catch (error) {
      // Our own errors here are the client's (a cut-off body, a bad Host): a 4xx, not an
      // unhandled server error.
      if (!(error instanceof HousingMLError) || error.status >= 500)
        log.error("unhandled server error", { request_id: requestId, error });
      if (!res.headersSent) {
        closeIfBodyLeft(req, res);
        await sendResponse(res, toProblemResponse(error, requestId));
      } else res.destroy();
    }
  };
}
