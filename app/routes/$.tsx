import { json, type MetaFunction } from "@remix-run/node";
import { Link } from "@remix-run/react";
import { pageMeta } from "~/components/meta";
import type { PageHandle } from "~/root";
import { PageShell } from "~/components/PageShell";

export const meta: MetaFunction = () =>
  pageMeta("Page not found", "There is nothing at this address of the Ames price estimator.");

// Nothing on this page needs JavaScript: it loads none (see PageHandle in root.tsx).
export const handle: PageHandle = { hydrate: false };

// Any unknown URL: a friendly page, inside the usual header and navigation, with a real 404.
export const loader = () => json(null, { status: 404 });

export default function NotFound() {
  return (
    <PageShell>
      <div className="mx-auto max-w-2xl rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <p className="text-sm font-medium text-slate-600">Error 404</p>
        <h1 className="mt-1 text-2xl font-semibold">Page not found</h1>
        <p className="mt-3 text-slate-700">
          There is nothing at this address. The estimator, the batch upload, the model card and the
          API documentation are in the menu above.
        </p>
        <Link
          className="mt-6 inline-block rounded-md bg-blue-700 px-4 py-2 font-medium text-white hover:bg-blue-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2"
          to="/"
        >
          Back to the estimator
        </Link>
      </div>
    </PageShell>
  );
}
