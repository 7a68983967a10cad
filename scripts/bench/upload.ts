// The dashboard's CSV upload under the bench: how long one upload holds the app's event loop
// (ADR 0016). prom-client's event-loop delay histogram (monitorEventLoopDelay) is reset at
// every scrape, so a scrape before and one after an upload give the worst delay during it.
import type { AppProc } from "./processes";

export type UploadResult = {
  /** Wall time of the whole upload, as the browser sees it (median of the rounds). */
  upload_ms: number;
  /** The app's worst event-loop delay during an upload (largest over the rounds). */
  event_loop_delay_max_ms: number;
};

async function eventLoopDelayMaxMs(app: AppProc): Promise<number> {
  const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
  const value = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1];
  if (value === undefined) throw new Error("no nodejs_eventloop_lag_max_seconds in /metrics");
  return Number(value) * 1000;
}

/** `rounds` uploads of `csv` to /batch/download, one at a time. */
export async function measureUpload(
  app: AppProc,
  csv: string,
  rounds: number,
): Promise<UploadResult> {
  const times: number[] = [];
  let worst = 0;
  for (let i = 0; i < rounds; i++) {
    const form = new FormData();
    form.set("file", new Blob([csv], { type: "text/csv" }), "bench.csv");
    await eventLoopDelayMaxMs(app); // resets the histogram
    const start = performance.now();
    const res = await fetch(`${app.url}/batch/download`, { method: "POST", body: form });
    const answer = await res.text();
    times.push(performance.now() - start);
    if (res.status !== 200 || !answer.startsWith("row,")) {
      throw new Error(`upload rejected: ${res.status} ${answer.slice(0, 200)}`);
    }
    worst = Math.max(worst, await eventLoopDelayMaxMs(app));
  }
  times.sort((a, b) => a - b);
  return { upload_ms: times[Math.floor(times.length / 2)], event_loop_delay_max_ms: worst };
}
