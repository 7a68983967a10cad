import { Link, isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { PageShell } from "./PageShell";

/** What a loader/action throws for a page that cannot be shown. */
export type ErrorData = { message?: string };

/**
 * The error view of every dashboard route: "model not ready" (503) gets its own friendly
 * page; other errors show a short message inside the normal page frame, never a stack trace.
 */
export function RouteErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const data = isRouteErrorResponse(error) ? (error.data as ErrorData | string | null) : null;
  const detail = typeof data === "string" ? data : data?.message;

  let title = "Something went wrong";
  let body = "The page could not be shown. Please try again in a moment.";
  if (status === 503) {
    title = "The model is not ready yet";
    body =
      "The price model is still loading (or could not be loaded). Estimates will work again " +
      "shortly — reload this page in a few seconds.";
  } else if (status === 404) {
    title = "Page not found";
    body = "There is nothing at this address.";
  } else if (status === 429) {
    title = "Too many requests";
    body = detail ?? "Please wait a minute and try again.";
  } else if (status === 413) {
    title = "File too large";
    body = detail ?? "The upload is larger than the server accepts.";
  } else if (status >= 400 && status < 500 && detail) {
    body = detail;
  }

  return (
    <PageShell>
      <div className="mx-auto max-w-2xl rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <p className="text-sm font-medium text-slate-600">Error {status}</p>
        <h1 className="mt-1 text-2xl font-semibold">{title}</h1>
        <p className="mt-3 text-slate-700">{body}</p>
        <div className="mt-6 flex flex-wrap gap-3">
          <Link
            to="/"
            className="rounded-md bg-blue-700 px-4 py-2 font-medium text-white hover:bg-blue-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2"
          >
            Back to the estimator
          </Link>
        </div>
      </div>
    </PageShell>
  );
}
