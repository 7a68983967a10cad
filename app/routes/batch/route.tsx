import {
  json,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { useEffect, useState, type FormEvent } from "react";
import { Card, Notice, PageShell } from "~/components/PageShell";
import { RouteErrorBoundary } from "~/components/RouteErrorBoundary";
import { batchSummary } from "./upload.server";
import { getConfig } from "~/lib/config.server";
import { rateLimitMessage } from "~/lib/dashboard.server";
import { HousingMLError, RateLimitError } from "~/lib/errors.server";
import { FIELD_BY_NAME, REQUIRED_FIELDS } from "~/ml/fields";
import { getModelState } from "~/inference/inference.server";
import { buildBatchView, formatBytes, type BatchView } from "./view";
import { formatPrice } from "~/components/format";
import { TableHead } from "~/components/TableHead";
import { ScrollRegion } from "~/components/ScrollRegion";
import { pageMeta } from "~/components/meta";

// Batch estimates from a CSV upload. Stateless: "Check file" (this route's action) shows a
// summary; "Download results" posts the same file to /batch/download, which answers with the
// full result CSV as an attachment. No upload is ever stored, and both work without JavaScript.

export const meta: MetaFunction = () =>
  pageMeta(
    "Batch estimates",
    "Upload a CSV file of Ames homes and get a price estimate and range for every row; nothing you upload is stored.",
  );

type ErrorNotice = { title: string; message: string };

/** Why a download failed (/batch/download redirects here with the error's code). */
function downloadError(
  code: string | null,
  maxBytes: number,
  maxRows: number,
): ErrorNotice | undefined {
  if (!code) return undefined;
  const title = "The download did not work";
  const messages: Record<string, string> = {
    payload_too_large: `The file is too large: at most ${formatBytes(maxBytes)} and ${maxRows.toLocaleString("en-US")} rows.`,
    rate_limited: "Too many uploads from your connection. Please wait a minute and try again.",
    model_unavailable: "The model is not ready yet. Please try again in a few seconds.",
  };
  const reason =
    messages[code] ??
    "The file could not be used. Press “Check file” to see what is wrong with it.";
  // Without JavaScript the failed download reloaded this page, and browsers never keep a
  // chosen file across a page load: say so rather than leave an empty field unexplained.
  return { title, message: `${reason} Choose the file again first: the page reloaded.` };
}

export function loader({ request }: LoaderFunctionArgs) {
  const config = getConfig();
  const code = new URL(request.url).searchParams.get("download_error");
  return json({
    maxBytes: config.maxBodyBytes,
    maxRows: config.maxBatchRows,
    required: REQUIRED_FIELDS.map((name) => ({ name, label: FIELD_BY_NAME.get(name)!.label })),
    modelReady: getModelState().model !== undefined,
    downloadError: downloadError(code, config.maxBodyBytes, config.maxBatchRows),
  });
}

type ActionData = { view: BatchView } | { error: ErrorNotice };

export async function action({ request, context }: ActionFunctionArgs) {
  try {
    return json<ActionData>({ view: buildBatchView(await batchSummary(request, context)) });
  } catch (error) {
    if (error instanceof HousingMLError && (error.status < 500 || error.status === 503)) {
      const message =
        error instanceof RateLimitError ? rateLimitMessage(error) : error.publicMessage;
      const title =
        error.status === 503 ? "The model is not ready yet" : "The file could not be used";
      return json<ActionData>(
        { error: { title, message } },
        { status: error.status, headers: error.headers },
      );
    }
    throw error;
  }
}

const BUTTON =
  "rounded-md px-4 py-2.5 font-semibold shadow-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2 disabled:opacity-60";

export default function BatchPage() {
  const { maxBytes, maxRows, required, modelReady, downloadError } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const data = actionData ?? (downloadError ? { error: downloadError } : undefined);
  const navigation = useNavigation();
  const submit = useSubmit();
  const [clientError, setClientError] = useState<string | undefined>();
  const busy = navigation.state === "submitting";

  // A checked file's summary renders beside the form on a desktop but below it on a phone,
  // out of sight: move focus (and so the view) to its heading, or to the error, once it arrives.
  useEffect(() => {
    if (!actionData) return;
    const target = document.getElementById("view" in actionData ? "summary-title" : "batch-error");
    target?.focus();
    target?.scrollIntoView({ block: "start" });
  }, [actionData]);

  // With JavaScript: check the size before uploading, and run "Check file" without a page
  // reload (the chosen file stays selected). "Download" stays a native POST so the browser
  // saves the attachment; without JavaScript both buttons are plain form posts.
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const file = (event.currentTarget.elements.namedItem("file") as HTMLInputElement).files?.[0];
    if (file && file.size > maxBytes) {
      event.preventDefault();
      setClientError(
        `The file is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`,
      );
      return;
    }
    setClientError(undefined);
    if (submitter?.value === "download") return;
    event.preventDefault();
    submit(submitter ?? event.currentTarget, { method: "post", encType: "multipart/form-data" });
  }

  return (
    <PageShell>
      <div className="max-w-3xl">
        <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">
          Estimate many homes at once
        </h1>
        <p className="mt-2 text-slate-700">
          Upload a CSV file with one home per row and the same column names as the Ames data set.
          Only the required columns are needed; empty cells are filled in from typical training
          homes. Up to <strong>{maxRows.toLocaleString("en-US")} rows</strong> and{" "}
          <strong>{formatBytes(maxBytes)}</strong> per file. Nothing you upload is stored.
        </p>
      </div>

      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-3">
        <Card className="lg:col-span-1 lg:self-start" title="Upload" id="upload">
          {modelReady ? null : (
            <div className="mt-3">
              <Notice tone="warning" title="The model is not ready yet">
                Uploads will work once it has loaded, usually within seconds.
              </Notice>
            </div>
          )}
          <form
            method="post"
            encType="multipart/form-data"
            onSubmit={onSubmit}
            className="mt-4 space-y-4"
            data-testid="batch-form"
          >
            <div>
              <label htmlFor="file" className="block text-sm font-medium text-slate-800">
                CSV file
              </label>
              <input
                id="file"
                name="file"
                type="file"
                accept=".csv,text/csv"
                required
                aria-describedby="file-hint"
                aria-invalid={clientError || (data && "error" in data) ? true : undefined}
                className="mt-1 block w-full text-sm text-slate-800 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-2 file:font-medium file:text-slate-800 hover:file:bg-slate-200 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600"
              />
              <p id="file-hint" className="mt-1 text-xs text-slate-600">
                UTF-8 CSV with a header row. Row numbers in results count data rows from 1.
              </p>
            </div>
            <div className="flex flex-wrap gap-3">
              <button
                type="submit"
                name="intent"
                value="check"
                // Without JavaScript the answer is a new page: the fragment makes the browser
                // show the summary, which sits below the form on a phone.
                formAction="/batch#summary-title"
                disabled={busy}
                className={`${BUTTON} bg-blue-700 text-white hover:bg-blue-800`}
              >
                {busy ? "Checking…" : "Check file"}
              </button>
              <button
                type="submit"
                name="intent"
                value="download"
                formAction="/batch/download"
                className={`${BUTTON} border border-slate-300 bg-white text-slate-900 hover:bg-slate-50`}
              >
                Download results (CSV)
              </button>
            </div>
            <p className="text-xs text-slate-600">
              The download estimates the chosen file again and returns every row with its estimate,
              90% interval and any errors. If the file field is empty after a check, choose the file
              again.
            </p>
          </form>
          <details className="mt-6 text-sm">
            <summary className="cursor-pointer font-medium text-slate-800">
              Required columns
            </summary>
            <ul className="mt-2 space-y-1 text-slate-700">
              {required.map((r) => (
                <li key={r.name}>
                  <code className="rounded bg-slate-100 px-1 text-xs">{r.name}</code> — {r.label}
                </li>
              ))}
            </ul>
          </details>
        </Card>

        <div className="space-y-6 lg:col-span-2">
          {clientError ? (
            <Notice tone="error" title="File too large">
              {clientError}
            </Notice>
          ) : null}
          {data && "error" in data ? (
            <div id="batch-error" tabIndex={-1} className="scroll-mt-4 focus:outline-none">
              <Notice tone="error" title={data.error.title}>
                {data.error.message}
              </Notice>
            </div>
          ) : null}
          {data && "view" in data ? <BatchResult view={data.view} /> : null}
          {!data && !clientError ? (
            <div className="rounded-xl border border-dashed border-slate-300 p-6 text-slate-600">
              Choose a file and press <strong>Check file</strong> to see a summary, the first rows
              and any problems — or download the results straight away.
            </div>
          ) : null}
        </div>
      </div>
    </PageShell>
  );
}

function BatchResult({ view }: { view: BatchView }) {
  const pct = view.level ? Math.round(view.level * 100) : 90;
  return (
    <>
      <Card title={`Summary of ${view.fileName}`} id="summary" focusableTitle>
        <dl className="mt-3 grid grid-cols-3 gap-3 text-center" data-testid="batch-summary">
          <div className="rounded-lg bg-slate-50 p-3">
            <dt className="text-xs font-medium uppercase text-slate-600">Rows</dt>
            <dd className="text-2xl font-bold" data-testid="rows-total">
              {view.rows}
            </dd>
          </div>
          <div className="rounded-lg bg-green-50 p-3">
            <dt className="text-xs font-medium uppercase text-green-800">Estimated</dt>
            <dd className="text-2xl font-bold text-green-800" data-testid="rows-ok">
              {view.ok}
            </dd>
          </div>
          <div className={`rounded-lg p-3 ${view.failed > 0 ? "bg-red-50" : "bg-slate-50"}`}>
            <dt
              className={`text-xs font-medium uppercase ${view.failed > 0 ? "text-red-800" : "text-slate-600"}`}
            >
              With errors
            </dt>
            <dd
              className={`text-2xl font-bold ${view.failed > 0 ? "text-red-800" : ""}`}
              data-testid="rows-failed"
            >
              {view.failed}
            </dd>
          </div>
        </dl>
        {view.ignoredColumns.length > 0 ? (
          <p className="mt-3 text-sm text-amber-900">
            Ignored columns (not used by the model, kept in the download):{" "}
            {view.ignoredColumns.join(", ")}.
          </p>
        ) : null}
      </Card>

      <Card title={`First ${view.preview.length} rows`} id="preview">
        <ScrollRegion label="Table of the first rows" className="mt-3" hint>
          <table className="w-full min-w-[32rem] text-left text-sm" data-testid="batch-preview">
            <TableHead
              columns={[
                "Row",
                "Neighbourhood",
                { label: "Living area", numeric: true },
                { label: "Built", numeric: true },
                { label: "Estimate", numeric: true },
                { label: `${pct}% interval`, numeric: true },
              ]}
            />
            <tbody>
              {view.preview.map((r) => (
                <tr key={r.row} className="border-b border-slate-100">
                  <td className="py-2 pr-3 tabular-nums">{r.row}</td>
                  <td className="py-2 pr-3">{r.neighbourhood || "—"}</td>
                  <td className="py-2 pr-3 text-right tabular-nums">{r.livingArea || "—"}</td>
                  <td className="py-2 pr-3 text-right tabular-nums">{r.yearBuilt || "—"}</td>
                  {r.error ? (
                    <td colSpan={2} className="py-2 text-right font-medium text-red-700">
                      {r.error}
                    </td>
                  ) : (
                    <>
                      <td className="py-2 pr-3 text-right font-semibold tabular-nums">
                        {formatPrice(r.price!, 1000)}
                      </td>
                      <td className="py-2 text-right tabular-nums text-slate-700">
                        {formatPrice(r.lower!, 1000)} – {formatPrice(r.upper!, 1000)}
                      </td>
                    </>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      </Card>

      {view.issueCount > 0 ? (
        <Card title={`Problems (${view.issueCount})`} id="issues">
          <p className="mt-1 text-sm text-slate-600">
            Rows with problems get no estimate; fix the cells below and upload again.
            {view.issueCount > view.issues.length
              ? ` Showing the first ${view.issues.length}; the download lists all.`
              : ""}
          </p>
          <ScrollRegion label="Table of problems by row" className="mt-3">
            <table
              className="w-full text-left text-sm [overflow-wrap:anywhere]"
              data-testid="batch-errors"
            >
              <TableHead columns={["Row", "Field", "Problem"]} />
              <tbody>
                {view.issues.map((e, i) => (
                  <tr key={i} className="border-b border-slate-100 align-top">
                    <td className="py-2 pr-3 tabular-nums">{e.row}</td>
                    <td className="py-2 pr-3">
                      {e.field}
                      {e.column && e.column !== e.field ? (
                        <code className="ml-1 text-xs text-slate-600">{e.column}</code>
                      ) : null}
                    </td>
                    <td className="py-2 text-red-800">{e.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </Card>
      ) : null}
    </>
  );
}

export const ErrorBoundary = RouteErrorBoundary;
