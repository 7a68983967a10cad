import type { LoaderFunctionArgs } from "@remix-run/node";
import type { Health } from "~/api/schemas";
import { isAdmin, json } from "~/api/route.server";
import { getModelState } from "~/inference/inference.server";
import { threadsStatus } from "~/inference/threads.server";
import { lifecycle } from "~/lib/lifecycle.server";
import packageJson from "../../package.json";

// Health. Public: the overall status only. With an admin key (ADMIN_API_KEYS): the details an
// operator needs (model, store, last error, workers): they name folders, buckets and
// endpoints, which are nobody else's business (ADR 0032).
export const loader = ({ request }: LoaderFunctionArgs) => {
  const { status, model, lastError, lastAttemptAt, store } = getModelState();
  const storeHealth = store?.health() ?? { status: "degraded" as const, detail: "not initialised" };
  const overall =
    !model || lifecycle.draining
      ? "unhealthy"
      : storeHealth.status !== "ok" || lastError
        ? "degraded"
        : "healthy";
  const health: Health = {
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
      scoring_workers: threadsStatus(),
    },
    draining: lifecycle.draining,
    uptime_s: Math.round((Date.now() - lifecycle.startedAt) / 1000),
    app_version: packageJson.version,
  };
  return json(isAdmin(request) ? health : { status: overall }, {
    status: overall === "unhealthy" ? 503 : 200,
    headers: { Vary: "Authorization, X-API-Key" },
  });
};
