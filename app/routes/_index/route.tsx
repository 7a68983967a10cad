import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import {
  json,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { EstimateForm } from "~/components/EstimateForm";
import { EstimateResult } from "~/components/EstimateResult";
import { Notice, PageShell } from "~/components/PageShell";
import { RouteErrorBoundary } from "~/components/RouteErrorBoundary";
import { rateLimitMessage } from "~/lib/dashboard.server";
import { ModelNotReadyError, RateLimitError } from "~/lib/errors.server";
import { limitFormSubmission } from "~/lib/form-rate-limit.server";
import { FIELDS } from "~/ml/fields";
import { isRowError } from "~/api/schemas";
import { getModelState, getReadyModel, predict } from "~/inference/inference.server";
import { PropertyRecordSchema } from "~/ml/schema";
import { buildEstimateView, type EstimateView } from "./view";
import { formatPrice } from "~/components/format";
import { pageMeta } from "~/components/meta";
import { defaultFormValues, hasFieldInputs, shareableSearch } from "~/components/form-fields";

// The estimate page. POST validates and redirects to GET /?<inputs> (post/redirect/get), so
// every result has a shareable URL and reloading never re-submits; the loader computes the
// estimate from the query string, validating it with the same schema as the form and the API.

type Notice = { tone: "error" | "warning"; title: string; body: string };
type LoaderData = {
  values: Record<string, string>;
  result?: SubmissionResult<string[]>;
  estimate?: EstimateView;
  search: string;
  notice?: Notice;
};

const MODEL_NOT_READY: Notice = {
  tone: "warning",
  title: "The model is not ready yet",
  body: "The price model is still loading. Your inputs are kept: submit again in a few seconds.",
};

const MODEL_LOADING: Notice = {
  tone: "warning",
  title: "The model is not ready yet",
  body: "The price model is still loading; estimates will work in a few seconds.",
};

export const meta: MetaFunction<typeof loader> = ({ data }) =>
  data?.estimate
    ? pageMeta(
        `${formatPrice(data.estimate.price, 1000)} estimate`,
        `Estimated sale price ${formatPrice(data.estimate.price, 1000)} (${formatPrice(data.estimate.lower, 1000)} to ${formatPrice(data.estimate.upper, 1000)}), with what drove it and comparable sales.`,
      )
    : pageMeta(
        "Estimate a sale price",
        "What would a home in Ames, Iowa have sold for? A price estimate with its range, what drove it and similar sales, from a model of 2006–2010 sales.",
      );

/** Only the known fields of a query string (tracking parameters and the like are ignored). */
function fieldParams(search: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const f of FIELDS) {
    const v = search.get(f.name);
    if (v !== null) out.set(f.name, v);
  }
  return out;
}

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  if (!hasFieldInputs(url.searchParams)) {
    const notice = getModelState().model ? undefined : MODEL_LOADING;
    return json<LoaderData>({ values: defaultFormValues(), search: "", notice });
  }
  const params = fieldParams(url.searchParams);
  const values = Object.fromEntries(params);
  const search = params.toString();
  const submission = parseWithZod(params, { schema: PropertyRecordSchema });
  if (submission.status !== "success") {
    return json<LoaderData>({ values, search, result: submission.reply() }, { status: 422 });
  }
  try {
    await limitFormSubmission(request);
    const model = getReadyModel();
    const out = await predict(
      [submission.value],
      { explain: true, comparables: true, source: "dashboard" },
      model,
    );
    const item = out.predictions[0];
    if (isRowError(item)) {
      const fieldErrors: Record<string, string[]> = {};
      for (const e of item.error.errors) (fieldErrors[e.path] ??= []).push(e.message);
      return json<LoaderData>(
        { values, search, result: submission.reply({ fieldErrors }) },
        { status: 422 },
      );
    }
    const estimate = buildEstimateView(model.manifest, submission.value, item);
    return json<LoaderData>({ values, search, estimate });
  } catch (error) {
    if (error instanceof ModelNotReadyError) {
      return json<LoaderData>(
        { values, search, notice: MODEL_NOT_READY },
        { status: 503, headers: error.headers },
      );
    }
    if (error instanceof RateLimitError) {
      const notice: Notice = {
        tone: "error",
        title: "Too many requests",
        body: rateLimitMessage(error),
      };
      return json<LoaderData>({ values, search, notice }, { status: 429, headers: error.headers });
    }
    throw error;
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const submission = parseWithZod(await request.formData(), { schema: PropertyRecordSchema });
  try {
    await limitFormSubmission(request);
  } catch (error) {
    if (!(error instanceof RateLimitError)) throw error;
    return json(
      { result: submission.reply({ formErrors: [rateLimitMessage(error)] }) },
      { status: 429, headers: error.headers },
    );
  }
  if (submission.status !== "success") {
    return json({ result: submission.reply() }, { status: 422 });
  }
  return redirect(`/?${shareableSearch(submission.value)}`);
}

export default function EstimatePage() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle" && navigation.location?.pathname === "/";
  const lastResult = (actionData?.result ?? data.result) as SubmissionResult<string[]> | undefined;
  const estimate = data.estimate as EstimateView | undefined;
  const announcement = useResultFocus(navigation.state, data.search, estimate);

  return (
    <PageShell>
      <p aria-live="polite" aria-atomic="true" className="sr-only" data-testid="announcement">
        {announcement}
      </p>
      <div className="max-w-3xl">
        <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">
          Ames Housing Price Estimator
        </h1>
        <p className="mt-2 text-slate-700">
          What would this home have sold for? An estimate from a model trained on real home sales in{" "}
          <strong>Ames, Iowa, 2006–2010</strong>. It knows that market only: not other cities, and
          not today&apos;s prices.
        </p>
      </div>
      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-12">
        <div className="space-y-4 lg:order-last lg:col-span-5 lg:self-start">
          {data.notice ? (
            <Notice tone={data.notice.tone} title={data.notice.title}>
              {data.notice.body}
            </Notice>
          ) : null}
          {estimate ? (
            <EstimateResult view={estimate} shareHref={`/?${data.search}`} />
          ) : !data.notice ? (
            <div className="rounded-xl border border-dashed border-slate-300 p-6 text-slate-600">
              Fill in the form and press <strong>Estimate price</strong>: the estimate, its range
              and what drove it appear here.
            </div>
          ) : null}
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6 lg:col-span-7">
          <EstimateForm
            // A new URL (another estimate, back/forward) resets the form to that URL's values.
            key={data.search}
            defaultValue={data.values}
            lastResult={lastResult}
            busy={busy}
          />
        </div>
      </div>
    </PageShell>
  );
}

/**
 * After a JavaScript submit (no page load, so nothing announces itself): moves focus to the
 * result's heading, scrolling it into view (on a phone it sits above the form), and returns a
 * sentence for the page's live region. Without JavaScript the new page is the announcement.
 */
function useResultFocus(
  state: "idle" | "loading" | "submitting",
  search: string,
  estimate: EstimateView | undefined,
): string {
  const submitted = useRef(false);
  const [text, setText] = useState("");
  if (state === "submitting") submitted.current = true;
  useEffect(() => {
    if (state !== "idle" || !submitted.current) return;
    submitted.current = false;
    if (!estimate) return;
    const heading = document.getElementById("result-title");
    heading?.focus();
    heading?.scrollIntoView({ block: "start" });
    const pct = Math.round(estimate.level * 100);
    setText(
      `Estimated sale price ${formatPrice(estimate.price, 1000)}; ${pct}% interval ${formatPrice(estimate.lower, 1000)} to ${formatPrice(estimate.upper, 1000)}.`,
    );
  }, [state, search, estimate]);
  return text;
}

export const ErrorBoundary = RouteErrorBoundary;
