import http from "node:http";
import { getMetrics } from "~/lib/metrics.server";

// Prometheus scrape endpoint on its own port so it is never exposed through the ALB.
export function startMetricsServer(host: string, port: number): http.Server {
  const { registry } = getMetrics();
  const server = http.createServer(async (req, res) => {
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
