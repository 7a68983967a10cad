import type http from "node:http";
import { sendResponse } from "@remix-run/node-fetch-server";
import { MethodNotAllowedError, NotFoundError } from "~/lib/errors.server";
import { getMetrics } from "~/lib/metrics.server";
import { toProblemResponse } from "~/lib/problem.server";
import { createBoundedServer } from "./connections";

// Prometheus scrape endpoint on its own port so it is never exposed through the ALB. Its
// connections have the app port's bounds: it is reachable inside the VPC, not only by the
// scraper. Errors are problems, as on the app port.
const METHODS = ["GET", "HEAD"];

export function startMetricsServer(host: string, port: number): http.Server {
  const { registry } = getMetrics();
  const server = createBoundedServer(
    async (req, res) => {
      const refusal =
        req.url !== "/metrics"
          ? new NotFoundError("The metrics port serves GET /metrics only.")
          : req.method !== "GET" && req.method !== "HEAD"
            ? new MethodNotAllowedError(METHODS)
            : undefined;
      if (refusal) return sendResponse(res, toProblemResponse(refusal));
      try {
        const body = await registry.metrics();
        res.writeHead(200, { "Content-Type": registry.contentType });
        res.end(req.method === "HEAD" ? undefined : body);
      } catch (error) {
        await sendResponse(res, toProblemResponse(error));
      }
    },
    { methods: METHODS },
  );
  server.listen(port, host);
  return server;
}
