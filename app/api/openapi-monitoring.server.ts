import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { FeedbackRequestSchema, FeedbackResponseSchema, MonitoringSchema } from "./schemas";

// The monitoring endpoints' OpenAPI entries (docs/monitoring.md), registered by
// openapi.server.ts with its shared security schemes and problem responses.

type Responses = Record<string, unknown>;

export function registerMonitoringPaths(
  registry: OpenAPIRegistry,
  shared: {
    security: Record<string, string[]>[];
    /** Problem responses of the API key check and rate limit. */
    authErrors: Responses;
    /** Problem responses for the given [status, description] pairs. */
    errors: (specs: [number, string][]) => Responses;
  },
): void {
  registry.registerPath({
    method: "post",
    path: "/api/v1/feedback",
    operationId: "feedback",
    summary: "Report sale prices of predicted homes (live accuracy)",
    description:
      "Joins each sale price with the prediction of that `prediction_id` this server still " +
      "holds; the live RMSLE, MAPE and interval coverage in GET /api/v1/monitoring follow. " +
      "Each item is answered in order; unknown ids are reported, not dropped.",
    tags: ["Monitoring"],
    security: shared.security,
    request: {
      body: { required: true, content: { "application/json": { schema: FeedbackRequestSchema } } },
    },
    responses: {
      200: {
        description: "One result per feedback item.",
        content: { "application/json": { schema: FeedbackResponseSchema } },
      },
      ...shared.authErrors,
      ...shared.errors([
        [400, "Malformed JSON or an empty body."],
        [405, "Only POST is allowed."],
        [413, "Body over 4 MiB, more than 10,000 items, or more JSON objects than items."],
        [415, "Content-Type is not application/json."],
        [422, "An item is invalid (which field, what is wrong)."],
      ]),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/v1/monitoring",
    operationId: "getMonitoring",
    summary: "Drift against the training data and live accuracy (this task)",
    tags: ["Monitoring"],
    security: shared.security,
    responses: {
      200: {
        description: "The drift window and live accuracy.",
        content: { "application/json": { schema: MonitoringSchema } },
      },
      ...shared.authErrors,
    },
  });
}
