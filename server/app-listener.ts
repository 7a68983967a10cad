import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import { createRequestHandler } from "@remix-run/node";
import { createHeaders, sendResponse } from "@remix-run/node-fetch-server";
import compression from "compression";
import type { Config } from "~/lib/config.server";
import { readBody } from "~/lib/body.server";
import { freeWhenSent } from "~/lib/bytes-response.server";
import { MethodNotAllowedError, NotFoundError, type RateLimitError } from "~/lib/errors.server";
import { clientAddress, countFormSubmission, withClient } from "~/lib/form-rate-limit.server";
import { lifecycle } from "~/lib/lifecycle.server";
import { getLogger } from "~/lib/logger.server";
import { getMetrics } from "~/lib/metrics.server";
import { toProblemResponse } from "~/lib/problem.server";
import { admit, type Admission } from "./admission";
import { createCors } from "./cors";
import {
  checkFormBody,
  checkFormType,
  checkUploadType,
  createMemoryBudget,
} from "./dashboard-posts";
import { asProblem } from "./framework-errors";
import { closeIfBodyLeft } from "./linger-close";
import { logUnhandled } from "./log-errors";
import { trackBody } from "./receiving";
import { resolveRequestId } from "./request-id";
import { createSecurityHeaders } from "./security";
import { createStaticHandler } from "./static-files";

const PROBE_ROUTES = new Set(["/healthz", "/readyz", "/health"]);
const STATIC_ROUTES = new Set(["/build/*", "static"]);
const STATIC_PATH = /^\/build\/|^\/[^/]+\.(ico|png|svg|txt|webmanifest|json)$/;

/** One request as the pipeline knows it. */
type Exchange = {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  /** The access log's and the metrics' route label. */
  route: string;
  admission?: Admission;
  logFields: Record<string, unknown>;
};

/**
 * The whole HTTP pipeline for one request, in order: request id → security headers →
 * admission (URL, route, body limit, methods) → OPTIONS and CORS → static files → a dashboard
 * post's rate limit and media type → a page's CSP nonce → compression → (form body read) →
 * Remix → framework errors as problems → one access-log line.
 */
export function createAppListener(config: Config, getBuild: () => ServerBuild, dev: boolean) {
  const log = getLogger();
  const metrics = getMetrics();
  const securityHeaders = createSecurityHeaders(config.isProduction);
  const serveStatic = createStaticHandler("public", dev);
  const compress = compression({ threshold: 1024 });
  const cors = createCors(config.corsOrigins);
  const uploadBudget = createMemoryBudget(config.uploadMemoryBytes);
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

  const accessLog = (x: Exchange, start: bigint) => {
    const { req, res, route } = x;
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
      path: x.admission?.url.pathname ?? (req.url ?? "/").split("?", 1)[0],
      route,
      status: res.statusCode,
      duration_ms: Math.round(durationMs * 100) / 100,
      request_id: x.requestId,
      ...x.logFields,
    });
  };

  /** One admitted request, inside its client's scope (the form rate limit reads it). */
  async function handle(x: Exchange, admission: Admission, build: ServerBuild): Promise<void> {
    const { req, res } = x;
    const { url } = admission;
    const method = req.method ?? "GET";
    const bodyless = method === "GET" || method === "HEAD";
    if (bodyless || admission.bodyUse === "none") closeIfBodyLeft(req, res); // never read
    if (admission.api && method !== "OPTIONS") cors.actual(req, res);

    // Methods, before any route code: OPTIONS is answered here (no loader runs); an unknown
    // API path, or any method but GET/HEAD on an unknown page, is a 404 problem; a method the
    // route does not answer is a 405 problem with Allow.
    if (admission.notFound && (admission.api || !bodyless) && method !== "OPTIONS") {
      const what = admission.api ? "API endpoint" : "page";
      throw new NotFoundError(`There is no ${what} at ${url.pathname}.`);
    }
    if (method === "OPTIONS") return cors.options(req, res, admission.allow);
    if (!admission.allow.includes(method)) throw new MethodNotAllowedError([...admission.allow]);

    if (bodyless && STATIC_PATH.test(url.pathname)) {
      const raw = req.url;
      req.url = url.pathname + url.search; // sirv resolves files from the admitted URL too
      // Named before serving: the access-log line is written on 'finish', which can come
      // before serveStatic's promise settles.
      const admitted = x.route;
      x.route = url.pathname.startsWith("/build/") ? "/build/*" : "static";
      if (await serveStatic(req, res)) return;
      x.route = admitted;
      req.url = raw;
    }

    // A dashboard post is counted against its client's rate limit before its body is read,
    // then its media type is checked; an upload's bytes count against the memory budget.
    const dashboardPost = !bodyless && !admission.api && admission.bodyUse !== "none";
    let limited: RateLimitError | undefined;
    if (dashboardPost) {
      limited = await countFormSubmission();
      if (!limited) (admission.bodyUse === "form" ? checkFormType : checkUploadType)(req);
    }

    const nonce = admission.page ? await securityHeaders.page(req, res) : "";
    if (req.headers["accept-encoding"]) {
      await new Promise<void>((resolve) => compress(req as never, res as never, () => resolve()));
    }

    const { maxBodyBytes } = admission;
    const headers = createHeaders(req);
    let body: Buffer | undefined;
    if (!bodyless && admission.bodyUse === "form") {
      if (limited) {
        // The page's action still runs, to show the 429 on the page; it gets an empty form.
        closeIfBodyLeft(req, res);
        headers.set("Content-Type", "application/x-www-form-urlencoded");
        body = Buffer.alloc(0);
      } else {
        body = await readBody(req, maxBodyBytes, { timeoutMs: config.bodyTimeoutMs });
        await checkFormBody(url, req, body);
      }
    }
    const request = new Request(url.href, {
      method,
      headers,
      body: body as Uint8Array<ArrayBuffer> | undefined,
    });
    const context = {
      requestId: x.requestId,
      cspNonce: nonce,
      logFields: x.logFields,
      body: {
        stream: req,
        maxBytes: maxBodyBytes,
        account: dashboardPost ? uploadBudget.account(res) : undefined,
        timeoutMs: config.bodyTimeoutMs,
      },
    };
    const answer = await remixHandler(build)(request, context);
    const response = await asProblem(answer, admission, x.requestId);
    closeIfBodyLeft(req, res);
    freeWhenSent(response, res);
    await sendResponse(res, response);
  }

  return async (req: IncomingMessage, res: ServerResponse) => {
    const start = process.hrtime.bigint();
    const requestId = resolveRequestId(req.headers["x-request-id"]);
    const x: Exchange = { req, res, requestId, route: "invalid", logFields: {} };
    res.setHeader("X-Request-Id", requestId);
    if (lifecycle.draining) res.setHeader("Connection", "close");
    res.once("finish", () => accessLog(x, start));

    try {
      // Every answer carries the security headers; pages get theirs with a nonce below.
      securityHeaders.other(res);
      trackBody(req);
      const build = getBuild();
      const admission = admit(req, build, config);
      x.admission = admission;
      x.route = admission.route;
      const client = clientAddress(
        req.socket.remoteAddress,
        req.headers["x-forwarded-for"],
        config.trustProxy,
      );
      await withClient(client, () => handle(x, admission, build));
    } catch (error) {
      logUnhandled(log, error, requestId, req.socket.destroyed);
      if (!res.headersSent && !req.socket.destroyed) {
        closeIfBodyLeft(req, res);
        await sendResponse(res, toProblemResponse(error, requestId));
      } else res.destroy();
    }
  };
}
