import { getOpenApi } from "~/api/openapi.server";

// GET /api/v1/openapi.json — public: clients need the contract before they have a key.
export const loader = () =>
  new Response(getOpenApi().json, {
    headers: {
      "Content-Type": "application/json",
      "Cache-Control": "public, max-age=300",
      "Access-Control-Allow-Origin": "*",
    },
  });
