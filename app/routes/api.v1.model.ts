import { apiRoute, json } from "~/api/route.server";
import { modelDescription } from "~/inference/describe.server";
import { getReadyModel } from "~/inference/inference.server";

// GET /api/v1/model — what a client needs to build a request, plus the model's metrics.
export const loader = apiRoute("api-key", () => {
  const model = getReadyModel();
  return json(modelDescription(model), { headers: { "X-Model-Version": model.version } });
});
