import client from "prom-client";
import { singleton } from "./singleton.server";

// One Prometheus registry per process, served on the private METRICS_PORT listener.
function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const httpRequests = new client.Counter({
    name: "http_requests_total",
    help: "HTTP requests by route, method and status",
    labelNames: ["route", "method", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new client.Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration by route, method and status",
    labelNames: ["route", "method", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const rowsPredicted = new client.Counter({
    name: "prediction_rows_total",
    help: "Rows predicted successfully",
    labelNames: ["source"] as const,
    registers: [registry],
  });
  const predictionErrors = new client.Counter({
    name: "prediction_errors_total",
    help: "Prediction errors by type",
    labelNames: ["type"] as const,
    registers: [registry],
  });
  const batchSize = new client.Histogram({
    name: "prediction_batch_rows",
    help: "Rows per prediction request",
    buckets: [1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000],
    registers: [registry],
  });
  const modelLoadDuration = new client.Histogram({
    name: "model_load_duration_seconds",
    help: "Time to load, verify and warm up a model bundle",
    labelNames: ["outcome"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const modelLoads = new client.Counter({
    name: "model_loads_total",
    help: "Model bundle loads by outcome",
    labelNames: ["outcome", "trigger"] as const,
    registers: [registry],
  });
  const modelInfo = new client.Gauge({
    name: "model_info",
    help: "The model version currently serving (value 1)",
    labelNames: ["version"] as const,
    registers: [registry],
  });
  return {
    registry,
    httpRequests,
    httpDuration,
    rowsPredicted,
    predictionErrors,
    batchSize,
    modelLoadDuration,
    modelLoads,
    modelInfo,
  };
}

export function getMetrics() {
  return singleton("metrics", createMetrics);
}
