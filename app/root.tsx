import type { LinksFunction, MetaFunction } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useMatches } from "@remix-run/react";
import stylesheet from "~/tailwind.css";
import { useNonce } from "~/components/nonce";
import { pageMeta, SITE } from "~/components/meta";
import { RouteErrorBoundary } from "~/components/RouteErrorBoundary";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () =>
  pageMeta(SITE, "Estimate sale prices of Ames, Iowa homes (2006–2010 sales).");

/** What a route may declare in its `handle`. */
export type PageHandle = { hydrate?: boolean };

export function Layout({ children }: { children: React.ReactNode }) {
  const nonce = useNonce();
  // Pages with nothing interactive (the model card, the 404 page) declare
  // `handle = { hydrate: false }` and load no JavaScript at all: their links are plain links.
  const hydrate = !useMatches().some(
    (m) => (m.handle as PageHandle | undefined)?.hydrate === false,
  );
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body className="min-h-full bg-slate-50 text-slate-900 antialiased">
        {children}
        {hydrate ? (
          <>
            <ScrollRestoration nonce={nonce} />
            <Scripts nonce={nonce} />
          </>
        ) : null}
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

// A render error anywhere without its own boundary: the same page frame as every other error.
export const ErrorBoundary = RouteErrorBoundary;
