import client from "prom-client";
import { getLogger } from "~/lib/logger.server";
import { getMetrics } from "~/lib/metrics.server";
import { singleton } from "~/lib/singleton.server";
import { servingRecalibration } from "./monitor/recalibrate.server";
import { prometheusMeter } from "./process-meter.server";
import { threadsStatus, type PoolHost, type Task } from "./threads.server";

// The server's side of the scoring pool's reports: the threads' counters into the process's
// Prometheus registry and monitor, the pool's own metrics, its problems to the logger, and
// the serving recalibration for every task. Apart from threads.server.ts so that the batch
// CLI, which runs the same pool, loads none of it (ADR 0064).

// Label values of scoring_worker_tasks_total: stable names for dashboards and alerts.
const METRIC_KIND = {
  "api-body": "score",
  upload: "upload",
  "csv-chunk": "batch",
  warm: "warm",
} as const satisfies Record<Task["kind"], string>;

/** The host server/index.ts gives startThreads(): one per process, its metrics registered once. */
export const servingPoolHost = (): PoolHost =>
  singleton("score-pool-host", () => {
    const registers = [getMetrics().registry];
    new client.Gauge({
      name: "scoring_worker_queue_tasks",
      help: "Prediction requests waiting for a scoring worker thread",
      registers,
      collect() {
        this.set(threadsStatus().queued);
      },
    });
    const tasks = new client.Counter({
      name: "scoring_worker_tasks_total",
      help: "Tasks answered by the scoring worker threads, by kind (score, upload, batch, warm)",
      labelNames: ["kind"] as const,
      registers,
    });
    return {
      meter: prometheusMeter(),
      answered: (kind) => tasks.inc({ kind: METRIC_KIND[kind] }),
      log: getLogger(),
      recalibration: servingRecalibration,
    };
  });
