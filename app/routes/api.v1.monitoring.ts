import { apiRoute, json } from "~/api/route.server";
import { monitoringReport } from "~/inference/monitor/view.server";

// GET /api/v1/monitoring — this task's drift window and live accuracy (docs/monitoring.md).
export const loader = apiRoute("api-key", () => json(monitoringReport()));
