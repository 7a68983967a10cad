// The ceiling reference: the cheapest possible node:http JSON endpoint (no framework,
// no middleware). Started as its own process by scripts/bench.ts; prints "listening <port>".
import http from "node:http";

const body = JSON.stringify({ status: "ok" });
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
