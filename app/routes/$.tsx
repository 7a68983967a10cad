import { json, type MetaFunction } from "@remix-run/node";
import { Link } from "@remix-run/react";

export const meta: MetaFunction = () => [{ title: "Page not found · Ames Housing" }];

// Any unknown URL: a friendly page with a real 404 status.
export const loader = () => json(null, { status: 404 });

export default function NotFound() {
  return (
    <main className="mx-auto max-w-2xl p-6">
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="mt-2">There is nothing at this address.</p>
      <Link className="mt-4 inline-block text-blue-700 underline" to="/">
        Back to the estimator
      </Link>
    </main>
  );
}
