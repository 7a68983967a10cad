import type { MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Card, PageShell } from "~/components/PageShell";
import { exampleRecord, getOpenApi } from "~/api/openapi.server";
import { PROBLEM_TYPE_BASE } from "~/lib/problem.server";
import { REQUIRED_FIELDS } from "~/ml/fields";
import { pageMeta } from "~/components/meta";
import { CodeBlock } from "~/components/CodeBlock";
import { ScrollRegion } from "~/components/ScrollRegion";

// Human-readable API docs, rendered on the server from the same OpenAPI document that
// /api/v1/openapi.json serves (so the page cannot drift from the contract).

export const meta: MetaFunction = () =>
  pageMeta(
    "API documentation",
    "The Ames price estimator's HTTP API: authentication, endpoints, curl examples, errors and every record field.",
  );

type JsonSchema = {
  type?: string | string[];
  enum?: (string | number)[];
  minimum?: number;
  maximum?: number;
  title?: string;
  description?: string;
};

type Operation = {
  summary?: string;
  description?: string;
  security?: unknown[];
  responses?: Record<string, { description?: string }>;
};

// The `type` suffix of each problem's URI (app/lib/errors.server.ts codes).
const PROBLEM_CODES: Record<string, string> = {
  "400": "malformed_request",
  "401": "unauthorized",
  "405": "method_not_allowed",
  "413": "payload_too_large",
  "415": "unsupported_media_type",
  "422": "invalid_input",
  "429": "rate_limited",
  "500": "internal_error / prediction_failed",
  "503": "model_unavailable",
};

export const loader = () => {
  const { doc } = getOpenApi();
  const endpoints = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    (["get", "post"] as const).flatMap((method) => {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) return [];
      return [
        {
          method: method.toUpperCase(),
          path,
          summary: op.summary ?? "",
          description: op.description ?? "",
          auth: (op.security?.length ?? 0) > 0,
          responses: Object.entries(op.responses ?? {}).map(([status, r]) => ({
            status,
            description: r.description ?? "",
          })),
        },
      ];
    }),
  );
  const record = doc.components?.schemas?.PropertyRecord as
    { properties?: Record<string, JsonSchema> } | undefined;
  const required = new Set(REQUIRED_FIELDS);
  const fields = Object.entries(record?.properties ?? {}).map(([name, s]) => ({
    name,
    label: s.title ?? name,
    type: s.enum ? "category" : String(s.type ?? ""),
    required: required.has(name),
    range:
      s.minimum !== undefined || s.maximum !== undefined
        ? `${s.minimum ?? "…"} – ${s.maximum ?? "…"}`
        : "",
    values: s.enum?.map(String) ?? [],
    description: s.description ?? "",
  }));
  const predictErrors = endpoints
    .find((e) => e.path === "/api/v1/predict")
    ?.responses.filter((r) => Number(r.status) >= 400)
    .map((r) => ({ ...r, type: `${PROBLEM_TYPE_BASE}${PROBLEM_CODES[r.status] ?? "…"}` }));
  return {
    title: doc.info.title,
    version: doc.info.version,
    description: doc.info.description ?? "",
    endpoints,
    fields,
    errors: predictErrors ?? [],
    example: exampleRecord(),
  };
};

function curlExamples(example: Record<string, string | number>) {
  const body = JSON.stringify({ records: [example] });
  const header = Object.keys(example).join(",");
  const row = Object.values(example).join(",");
  return [
    {
      title: "One property, JSON",
      code: `curl -s http://localhost:3000/api/v1/predict \\\n  -H "X-API-Key: $API_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d '${body}'`,
    },
    {
      title: "With explanations (Bearer auth)",
      code: `curl -s "http://localhost:3000/api/v1/predict?explain=true" \\\n  -H "Authorization: Bearer $API_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d '${body}'`,
    },
    {
      title: "A CSV file in, CSV out",
      code: `printf '${header}\\n${row}\\n' > homes.csv\ncurl -s http://localhost:3000/api/v1/predict \\\n  -H "X-API-Key: $API_KEY" \\\n  -H "Content-Type: text/csv" -H "Accept: text/csv" \\\n  --data-binary @homes.csv`,
    },
    {
      title: "Which fields and values the model accepts",
      code: `curl -s http://localhost:3000/api/v1/model -H "X-API-Key: $API_KEY"`,
    },
  ];
}

/** Renders the document's `backtick` spans (CommonMark code) as <code>. */
function Prose({ text }: { text: string }) {
  return (
    <>
      {text.split("`").map((part, i) =>
        i % 2 === 1 ? (
          <code key={i} className="font-mono text-[0.95em]">
            {part}
          </code>
        ) : (
          part
        ),
      )}
    </>
  );
}

function MethodBadge({ method }: { method: string }) {
  const tone = method === "POST" ? "bg-green-100 text-green-900" : "bg-blue-100 text-blue-900";
  return (
    <span className={`rounded px-2 py-0.5 font-mono text-xs font-semibold ${tone}`}>{method}</span>
  );
}

export default function Docs() {
  const data = useLoaderData<typeof loader>();
  return (
    <PageShell>
      <div className="space-y-6">
        <header>
          <h1 className="text-2xl font-semibold sm:text-3xl">{data.title}</h1>
          <p className="mt-1 text-sm text-slate-600">
            Version {data.version} ·{" "}
            <a className="text-blue-700 underline" href="/api/v1/openapi.json">
              OpenAPI 3.1 document
            </a>
          </p>
          <p className="mt-3 max-w-3xl text-slate-700">
            <Prose text={data.description} />
          </p>
        </header>

        <Card title="Authentication" id="auth">
          <p className="mt-2 text-slate-700">
            Every <code className="font-mono">/api/v1/*</code> endpoint except the OpenAPI document
            needs a key, sent as <code className="font-mono">X-API-Key: &lt;key&gt;</code> or{" "}
            <code className="font-mono">Authorization: Bearer &lt;key&gt;</code>. A missing or wrong
            key gets 401 with a <code className="font-mono">WWW-Authenticate</code> header. Each key
            has its own per-minute rate limit (429 with{" "}
            <code className="font-mono">Retry-After</code>).
          </p>
        </Card>

        <Card title="Endpoints" id="endpoints">
          <ul className="mt-3 divide-y divide-slate-200">
            {data.endpoints.map((e) => (
              <li key={`${e.method} ${e.path}`} className="py-4">
                <div className="flex flex-wrap items-center gap-2">
                  <MethodBadge method={e.method} />
                  <code className="font-mono text-sm font-semibold">{e.path}</code>
                  <span className="text-xs text-slate-600">{e.auth ? "API key" : "public"}</span>
                </div>
                <p className="mt-1 font-medium">{e.summary}</p>
                {e.description ? (
                  <p className="mt-1 text-sm text-slate-700">
                    <Prose text={e.description} />
                  </p>
                ) : null}
                <dl className="mt-2 grid grid-cols-[4rem_1fr] gap-x-2 gap-y-1 text-sm">
                  {e.responses.map((r) => (
                    <div key={r.status} className="contents">
                      <dt className="font-mono text-slate-600">{r.status}</dt>
                      <dd className="text-slate-700">{r.description}</dd>
                    </div>
                  ))}
                </dl>
              </li>
            ))}
          </ul>
        </Card>

        <Card title="Examples" id="examples">
          {curlExamples(data.example).map((ex) => (
            <div key={ex.title} className="mt-4">
              <h3 className="text-sm font-semibold">{ex.title}</h3>
              <CodeBlock code={ex.code} label={ex.title} />
            </div>
          ))}
          <p className="mt-4 text-sm text-slate-700">
            A JSON answer holds one entry per record, in order: a prediction{" "}
            <code className="font-mono">
              {'{status: "ok", price, interval: {lower, upper, level}, imputed}'}
            </code>{" "}
            or, for an invalid record,{" "}
            <code className="font-mono">{'{status: "error", error: {row, errors}}'}</code>. With
            explanations, <code className="font-mono">base_value</code> and the{" "}
            <code className="font-mono">contributions</code> are in log-price units and add up to
            ln(price).
          </p>
        </Card>

        <Card title="Errors" id="errors">
          <p className="mt-2 text-sm text-slate-700">
            Every error is <code className="font-mono">application/problem+json</code> (RFC 9457)
            with <code className="font-mono">type</code>, <code className="font-mono">title</code>,{" "}
            <code className="font-mono">status</code>, <code className="font-mono">detail</code>,{" "}
            <code className="font-mono">request_id</code> and, for 422, every field issue in{" "}
            <code className="font-mono">errors</code> (paths like{" "}
            <code className="font-mono">records[3].Gr_Liv_Area</code>).
          </p>
          <table className="mt-3 w-full text-left text-sm [overflow-wrap:anywhere]">
            <thead className="border-b border-slate-200 text-slate-600">
              <tr>
                <th className="py-2 pr-4 font-medium">Status</th>
                <th className="py-2 pr-4 font-medium">Type</th>
                <th className="py-2 font-medium">When</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {data.errors.map((r) => (
                <tr key={r.status}>
                  <td className="py-2 pr-4 font-mono">{r.status}</td>
                  <td className="py-2 pr-4 font-mono text-xs">{r.type}</td>
                  <td className="py-2">{r.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>

        <Card title="Record fields" id="fields">
          <p className="mt-2 text-sm text-slate-700">
            {data.fields.filter((f) => f.required).length} fields are required; the others are
            optional and imputed from the training data when missing (listed in{" "}
            <code className="font-mono">imputed</code>). Unknown fields are errors.
          </p>
          <ScrollRegion label="Table of record fields" className="mt-3" hint>
            <table className="w-full min-w-[36rem] text-left text-sm">
              <thead className="border-b border-slate-200 text-slate-600">
                <tr>
                  <th className="py-2 pr-4 font-medium">Field</th>
                  <th className="py-2 pr-4 font-medium">Type</th>
                  <th className="py-2 pr-4 font-medium">Range or values</th>
                  <th className="py-2 font-medium">Meaning</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 align-top">
                {data.fields.map((f) => (
                  <tr key={f.name}>
                    <td className="py-2 pr-4">
                      <code className="font-mono">{f.name}</code>
                      {f.required ? (
                        <span className="ml-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs text-amber-900">
                          required
                        </span>
                      ) : null}
                    </td>
                    <td className="py-2 pr-4">{f.type}</td>
                    <td className="max-w-md py-2 pr-4 font-mono text-xs">
                      {f.values.length > 0 ? f.values.join(", ") : f.range}
                    </td>
                    <td className="py-2">
                      {f.label}
                      {f.description ? (
                        <span className="block text-xs text-slate-600">{f.description}</span>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </Card>
      </div>
    </PageShell>
  );
}
