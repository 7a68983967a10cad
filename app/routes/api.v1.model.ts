import { apiRoute, json } from "~/lib/api.server";
import { modelDescription } from "~/ml/model-description.server";
import { getReadyModel } from "~/ml/inference.server";

// GET /api/v1/model — what a client needs to build a request, plus the model's metrics.
export const loader = apiRoute("api-key", () => {
  const model = getReadyModel();
  return json(modelDescription(model), { headers: { "X-Model-Version": model.version } });
});
