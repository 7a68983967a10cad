import type { MetaDescriptor } from "@remix-run/node";

// Remix replaces the parent's meta with a route's own, so every page states its title and
// description through this one helper (search engines show the description; Lighthouse SEO).

export const SITE = "Ames Housing Price Estimator";

export function pageMeta(title: string, description: string): MetaDescriptor[] {
  return [
    { title: title === SITE ? SITE : `${title} · ${SITE}` },
    { name: "description", content: description },
  ];
}
