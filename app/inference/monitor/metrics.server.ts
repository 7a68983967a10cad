import client from "prom-client";
import { getMetrics } from "~/lib/metrics.server";
import { singleton } from "~/lib/singleton.server";
import { monitoringView, monitorState, type MonitoringView } from "./monitor.server";

// The monitor's Prometheus series on the metrics port. Everything is read from the monitor's
// state when scraped (collect), so scoring a row costs no metric updates. The per-bin counters
// and reference shares let Prometheus compute drift across every task (infra/monitoring/).

/**
 * One view per scrape: every gauge reads the same snapshot. A scrape runs the collect
 * functions within one turn of the event loop, so the view is dropped at the next turn.
 */
let cached: MonitoringView | undefined;
function view(): MonitoringView {
  if (!cached) {
    cached = monitoringView();
    setImmediate(() => (cached = undefined));
  }
  return cached;
}

const MISSING_BIN = "(missing)";

export function registerMonitorMetrics(): void {
  singleton("monitor-metrics", () => {
    const registers = [getMetrics().registry];
    const perFeature = (name: string, help: string, pick: (f: FeatureRow) => number | null) =>
      new client.Gauge({
        name,
        help,
        labelNames: ["feature"] as const,
        registers,
        collect() {
          this.reset();
          for (const f of view().drift?.features ?? []) {
            const value = pick(f);
            if (value !== null) this.set({ feature: f.name }, value);
          }
        },
      });
    type FeatureRow = NonNullable<MonitoringView["drift"]>["features"][number];
    perFeature(
      "model_feature_drift_psi",
      "PSI of a field over the window vs training",
      (f) => f.psi,
    );
    perFeature(
      "model_feature_missing_share",
      "Share of window rows without the field (imputed)",
      (f) => f.missing_share,
    );
    perFeature(
      "model_feature_out_of_range_share",
      "Share of window values outside the training range",
      (f) => f.out_of_range_share,
    );
    perFeature(
      "model_feature_drifted",
      "1 when the field's PSI is above MONITOR_PSI_THRESHOLD",
      (f) => (f.drifted ? 1 : 0),
    );

    const scalar = (name: string, help: string, pick: (v: MonitoringView) => number | null) =>
      new client.Gauge({
        name,
        help,
        registers,
        collect() {
          // NaN (no value yet) rather than 0, which would read as a perfect score.
          this.set(pick(view()) ?? Number.NaN);
        },
      });
    scalar(
      "model_prediction_drift_psi",
      "PSI of predicted log price over the window vs training",
      (v) => v.drift?.prediction.psi ?? null,
    );
    scalar(
      "model_monitor_window_rows",
      "Rows in this task's drift window",
      (v) => v.drift?.rows ?? 0,
    );
    scalar(
      "model_monitor_reference",
      "1 when the serving model carries reference statistics",
      (v) => (v.reference ? 1 : 0),
    );
    scalar(
      "model_live_labelled",
      "Predictions whose sale price came back (feedback)",
      (v) => v.performance.labelled,
    );
    scalar("model_live_rmsle", "RMSLE over labelled predictions", (v) => v.performance.rmsle);
    scalar(
      "model_live_mape",
      "MAPE (percent) over labelled predictions",
      (v) => v.performance.mape,
    );
    scalar(
      "model_live_coverage",
      "Share of sale prices inside the predicted interval",
      (v) => v.performance.coverage,
    );

    new client.Gauge({
      name: "model_interval_recalibration_factor",
      help: "Factor the interval half-width is served with per pool of records (1: as calibrated)",
      labelNames: ["pool"] as const,
      registers,
      collect() {
        this.reset();
        const { factors } = view().recalibration;
        this.set({ pool: "all" }, 1);
        for (const [pool, f] of Object.entries(factors)) this.set({ pool }, f.factor);
      },
    });
    new client.Counter({
      name: "model_feature_bin_total",
      help: "Scored rows per field and reference bin (upper edge or level) since the model loaded",
      labelNames: ["feature", "bin"] as const,
      registers,
      collect() {
        this.reset();
        const { binner, totals } = monitorState();
        binner?.fields.forEach((field, f) => {
          const labels = [...field.labels, MISSING_BIN];
          totals[f].forEach((count, b) => this.inc({ feature: field.name, bin: labels[b] }, count));
        });
      },
    });
    new client.Gauge({
      name: "model_feature_reference_share",
      help: "Share of training rows per field and bin (the reference PSI compares with)",
      labelNames: ["feature", "bin"] as const,
      registers,
      collect() {
        this.reset();
        for (const field of monitorState().binner?.fields ?? []) {
          field.reference.forEach((share, b) =>
            this.set({ feature: field.name, bin: field.labels[b] }, share),
          );
        }
      },
    });
    new client.Counter({
      name: "model_feedback_total",
      help: "Feedback items by outcome (recorded, updated, unknown id)",
      labelNames: ["outcome"] as const,
      registers,
      collect() {
        this.reset();
        for (const [outcome, n] of Object.entries(monitorState().feedback))
          this.inc({ outcome }, n);
      },
    });
    const capture = (
      name: string,
      help: string,
      key: "written" | "dropped" | "files" | "failedFiles",
    ) =>
      new client.Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(monitorState().capture?.counts[key] ?? 0);
        },
      });
    capture("capture_rows_written_total", "Prediction-log rows stored by the sink", "written");
    capture(
      "capture_rows_dropped_total",
      "Prediction-log rows dropped (sink slow or down)",
      "dropped",
    );
    capture("capture_files_total", "Prediction-log files stored", "files");
    capture("capture_files_failed_total", "Prediction-log files dropped or failed", "failedFiles");
    new client.Gauge({
      name: "capture_queue_rows",
      help: "Prediction-log rows waiting in memory",
      registers,
      collect() {
        this.set(monitorState().capture?.counts.queued ?? 0);
      },
    });
    return true;
  });
}
