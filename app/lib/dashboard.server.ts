import { json } from "@remix-run/node";
import { type ModelNotReadyError, type RateLimitError } from "./errors.server";

// Small helpers shared by the dashboard routes' loaders and actions.

/** Thrown from a loader: the route's ErrorBoundary shows the "model not ready" page (503). */
export function modelNotReadyResponse(error: ModelNotReadyError): Response {
  return json({ message: error.publicMessage }, { status: 503, headers: error.headers });
}

export function rateLimitMessage(error: RateLimitError): string {
  const seconds = Number(error.headers["Retry-After"] ?? 60);
  return `Too many submissions from your connection. Please wait ${seconds} second${seconds === 1 ? "" : "s"} and try again.`;
}
