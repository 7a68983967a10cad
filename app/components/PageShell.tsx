import { NavLink } from "@remix-run/react";
import type { ReactNode } from "react";

const NAV = [
  { to: "/", label: "Estimate", end: true },
  { to: "/batch", label: "Batch" },
  { to: "/model", label: "Model card" },
  { to: "/monitoring", label: "Monitoring" },
  { to: "/docs", label: "API" },
] as const;

/** Header with navigation, the page, and the footer stating what the model covers. */
export function PageShell({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-10 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
      >
        Skip to content
      </a>
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-4 py-3">
          <NavLink to="/" className="text-lg font-semibold tracking-tight text-slate-900">
            Ames Housing Price Estimator
          </NavLink>
          <nav aria-label="Main">
            <ul className="flex flex-wrap gap-1 text-sm">
              {NAV.map((item) => (
                <li key={item.to}>
                  <NavLink
                    to={item.to}
                    end={"end" in item ? item.end : false}
                    className={({ isActive }) =>
                      `block rounded-md px-2 py-2 font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 sm:px-3 ${
                        isActive
                          ? "bg-blue-50 text-blue-800"
                          : "text-slate-700 hover:bg-slate-100 hover:text-slate-900"
                      }`
                    }
                  >
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-6 sm:py-8">
        {children}
      </main>
      <footer className="border-t border-slate-200 bg-white">
        <p className="mx-auto max-w-6xl px-4 py-4 text-sm text-slate-600">
          Estimates come from a statistical model of home sales in Ames, Iowa, between 2006 and
          2010. They are not appraisals and do not reflect other places or today&apos;s market.
        </p>
      </footer>
    </div>
  );
}

/** A white card section with an optional heading. */
export function Card({
  title,
  children,
  className = "",
  headingLevel = 2,
  id,
  focusableTitle = false,
}: {
  title?: ReactNode;
  children: ReactNode;
  className?: string;
  headingLevel?: 2 | 3;
  id?: string;
  /** The title can take focus from script (tabIndex -1): a result that appears moves focus there. */
  focusableTitle?: boolean;
}) {
  const Heading = headingLevel === 2 ? "h2" : "h3";
  return (
    <section
      aria-labelledby={title && id ? `${id}-title` : undefined}
      className={`rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6 ${className}`}
    >
      {title ? (
        <Heading
          id={id ? `${id}-title` : undefined}
          tabIndex={focusableTitle ? -1 : undefined}
          className="scroll-mt-4 text-lg font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600"
        >
          {title}
        </Heading>
      ) : null}
      {children}
    </section>
  );
}

/** A notice box: role=alert for errors so screen readers announce them when they appear. */
export function Notice({
  tone,
  title,
  children,
}: {
  tone: "error" | "warning" | "info";
  title: string;
  children?: ReactNode;
}) {
  const styles = {
    error: "border-red-300 bg-red-50 text-red-900",
    warning: "border-amber-300 bg-amber-50 text-amber-900",
    info: "border-blue-200 bg-blue-50 text-blue-900",
  }[tone];
  return (
    <div role={tone === "error" ? "alert" : "status"} className={`rounded-lg border p-4 ${styles}`}>
      <p className="font-semibold">{title}</p>
      {children ? <div className="mt-1 text-sm">{children}</div> : null}
    </div>
  );
}
