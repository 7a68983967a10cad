import { lifecycle } from "~/lib/lifecycle.server";
import { getModelState } from "~/inference/inference.server";

// Readiness: 200 only when a verified, warmed model is serving and the process is not
// draining. Load balancers stop sending traffic on 503.
export const loader = () => {
  const { status } = getModelState();
  const ready = status === "ready" && !lifecycle.draining;
  const reason = lifecycle.draining
    ? "draining"
    : status === "ready"
      ? undefined
      : `model ${status}`;
  return new Response(
    JSON.stringify(ready ? { status: "ready" } : { status: "not_ready", reason }),
    {
      status: ready ? 200 : 503,
      headers: {
        "Content-Type": "application/json",
        "Cache-Control": "no-store",
        ...(ready ? {} : { "Retry-After": "5" }),
      },
    },
  );
};
