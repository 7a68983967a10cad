import type http from "node:http";
import { getMetrics } from "~/lib/metrics.server";
import { createBoundedServer } from "./connections";

// Prometheus scrape endpoint on its own port so it is never exposed through the ALB. Its
// connections have the app port's bounds: it is reachable inside the VPC, not only by the
// scraper.
export function startMetricsServer(host: string, port: number): http.Server {
  const { registry } = getMetrics();
  const server = createBoundedServer(async (req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await registry.metrics();
      res.writeHead(200, { "Content-Type": registry.contentType }).end(body);
    } catch {
      res.writeHead(500).end();
    }
  });
  server.listen(port, host);
  return server;
}
