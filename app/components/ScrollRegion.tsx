import type { ReactNode } from "react";

/**
 * A wide table (or block) that scrolls sideways on narrow screens: keyboard reachable
 * (tabIndex 0, so arrow keys scroll it), named for screen readers, with edge shadows showing
 * there is more to either side, and a hint under it on phones.
 */
export function ScrollRegion({
  label,
  children,
  className = "",
  hint = false,
}: {
  label: string;
  children: ReactNode;
  className?: string;
  hint?: boolean;
}) {
  return (
    <>
      <div
        role="region"
        aria-label={label}
        // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrollable region must be focusable to scroll it by keyboard (WCAG 2.1.1; axe scrollable-region-focusable)
        tabIndex={0}
        className={`scroll-shadows overflow-x-auto rounded focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 ${className}`}
        data-scroll-region
      >
        {children}
      </div>
      {hint ? (
        <p className="mt-1 text-xs text-slate-600 sm:hidden" aria-hidden="true">
          Scroll the table sideways to see every column.
        </p>
      ) : null}
    </>
  );
}
