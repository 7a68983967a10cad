import type { MetaFunction } from "@remix-run/node";

export const meta: MetaFunction = () => [{ title: "Ames Housing Price Estimator" }];

export default function Index() {
  return (
    <main className="mx-auto max-w-3xl p-6">
      <h1 className="text-3xl font-semibold">Ames Housing Price Estimator</h1>
      <p className="mt-2 text-slate-700">
        Estimates the sale price of a home in Ames, Iowa, from a model trained on 2006–2010
        sales.
      </p>
    </main>
  );
}
