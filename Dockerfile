# syntax=docker/dockerfile:1
# Housing price platform: one node process serving the Remix UI, the JSON API and the ONNX
# model. Stages: deps (all deps) → build (Remix + server bundle); deps → prod-deps (runtime
# deps, pruned) → runtime. Build: `docker build -t housing-app .` (see docs/deployment.md).

FROM node:20-bookworm-slim AS base
WORKDIR /app
# onnxruntime-node's install script downloads CUDA libraries; the CPU binaries we use ship
# inside the package, so the download is skipped everywhere.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

FROM base AS deps
# patches/ is applied by the postinstall script (patch-package) during `npm ci`; the pruned
# runtime node_modules keeps the patched files.
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npm run build && test -f server-build/index.js && test -d public/build

FROM deps AS prod-deps
# Prune (rather than a second `npm ci`) reuses the packages already installed from the same
# lockfile. --omit=optional drops typescript (an optional peer of @remix-run/*, types only) and
# @zxing/text-encoding (a react-native fallback). onnxruntime-node ships ~290 MB of binaries
# for every OS/arch: keep only linux/<this arch>. TypeScript sources and declarations, source
# maps and docs are never loaded at run time.
RUN npm prune --omit=dev --omit=optional --no-audit --no-fund \
 && arch="$(node -p process.arch)" \
 && for dir in node_modules/onnxruntime-node/bin/napi-v*/*/*; do \
      case "$dir" in */linux/"$arch") ;; *) rm -rf "$dir" ;; esac; \
    done \
 && ls node_modules/onnxruntime-node/bin/napi-v*/linux/"$arch"/onnxruntime_binding.node \
 && find node_modules -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' \
      -o -name '*.map' -o -name '*.md' \) -delete \
 && npm cache clean --force \
 && rm -rf /root/.npm /tmp/*

FROM node:20-bookworm-slim AS runtime
# tini as PID 1: forwards SIGTERM to node and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    METRICS_PORT=9091 \
    MODEL_URI=/app/models \
    MODEL_CACHE_DIR=/app/model-cache \
    SHUTDOWN_GRACE_MS=10000
# App files stay root-owned (read-only for the app user); only the model cache is writable.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/build ./build
COPY --from=build /app/public ./public
COPY --from=build /app/server-build ./server-build
COPY --from=build /app/models ./models
COPY package.json ./
RUN mkdir -p /app/model-cache && chown node:node /app/model-cache
USER node
EXPOSE 3000
STOPSIGNAL SIGTERM
# Liveness only (process up); readiness (/readyz) is for load balancers.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# V8 flags: server/node-flags.ts (ADR 0018).
CMD ["node", "--initial-old-space-size=64", "server-build/index.js"]
