import type { Monitoring } from "~/api/schemas";
import { monitoringView, monitorState } from "./monitor.server";

/** GET /api/v1/monitoring's body and the /monitoring page's data. */
export function monitoringReport(): Monitoring {
  const view = monitoringView();
  const { capture, settings } = monitorState();
  const drift = view.drift;
  return {
    reference: {
      available: view.reference,
      model_version: view.model_version,
      detail: !view.model_version
        ? "no model loaded"
        : view.reference
          ? "training reference of the serving model"
          : "no reference: the serving bundle carries no training statistics, drift is not measured",
    },
    window: {
      rows: drift?.rows ?? 0,
      capacity: settings?.monitorWindowRows ?? 0,
      threshold: view.threshold,
    },
    features: drift?.features ?? [],
    prediction: { psi: drift?.prediction.psi ?? null },
    performance: view.performance,
    capture: {
      enabled: capture !== undefined,
      written: capture?.counts.written ?? 0,
      dropped: capture?.counts.dropped ?? 0,
      queued: capture?.counts.queued ?? 0,
    },
    recalibration: view.recalibration,
  };
}
