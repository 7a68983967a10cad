import { json } from "~/lib/api.server";
import { lifecycle } from "~/lib/lifecycle.server";
import { getModelState } from "~/ml/inference.server";
import { scorePoolStatus } from "~/ml/score-pool.server";
import packageJson from "../../package.json";

// Detailed health (seed-compatible shape): no secrets, only what an operator needs.
export const loader = () => {
  const { status, model, lastError, lastAttemptAt, store } = getModelState();
  const storeHealth = store?.health() ?? { status: "degraded" as const, detail: "not initialised" };
  const overall =
    !model || lifecycle.draining
      ? "unhealthy"
      : storeHealth.status !== "ok" || lastError
        ? "degraded"
        : "healthy";
  return json(
    {
      status: overall,
      model: model
        ? {
            version: model.version,
            sha256: model.sha256,
            loaded_at: model.loadedAt.toISOString(),
            n_features: model.nFeatures,
          }
        : null,
      model_state: status,
      last_error: lastError ?? null,
      last_load_attempt_at: lastAttemptAt?.toISOString() ?? null,
      dependencies: {
        model_store: { status: storeHealth.status, detail: storeHealth.detail },
        scoring_workers: scorePoolStatus(),
      },
      draining: lifecycle.draining,
      uptime_s: Math.round((Date.now() - lifecycle.startedAt) / 1000),
      app_version: packageJson.version,
    },
    { status: overall === "unhealthy" ? 503 : 200 },
  );
};
