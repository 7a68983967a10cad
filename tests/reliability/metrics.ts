import type { TestServer } from "../http/helpers/server";

/** The server's Prometheus text (scraping also resets the event-loop delay maximum). */
export async function scrape(server: TestServer): Promise<string> {
  return (await fetch(`${server.metricsUrl}/metrics`)).text();
}

/** The value of one series (`name` with its labels exactly as written), 0 when absent. */
export function series(text: string, name: string): number {
  const escaped = name.replace(/[{}"\\]/g, (c) => `\\${c}`);
  const match = new RegExp(`^${escaped} ([^ \\n]+)$`, "m").exec(text);
  return match ? Number(match[1]) : 0;
}
