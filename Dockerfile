# syntax=docker/dockerfile:1
# Housing price platform: one node process serving the Remix UI, the JSON API and the ONNX
# model. Stages: deps (npm ci) → build (Remix + bundles + the runtime node_modules) → rootfs
# (node, tini and their libraries) → runtime: no shell, no package manager (ADR 0029).
# Build: `docker build -t housing-app .` (see docs/deployment.md).

FROM node:24-bookworm-slim AS base
WORKDIR /app
# onnxruntime-node's install script downloads CUDA libraries; the CPU binaries we use ship
# inside the package, so the download is skipped everywhere.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

FROM base AS deps
# patches/ is applied by the postinstall script (patch-package) during `npm ci`, before the
# build bundles the patched files.
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
# `npm run build` bundles every npm package into server-build/ and build/ except
# onnxruntime-node (a native addon) and its onnxruntime-common; runtime-packages.mjs copies
# those two, with the binaries of this OS/arch only, to /runtime/node_modules. Source maps
# and Remix's build metafiles stay out of the image (the bundles are not minified: stack
# traces keep names).
RUN npm run build \
 && test -f server-build/index.js && test -f server-build/worker.js && test -d public/build \
 && node scripts/runtime-packages.mjs /runtime/node_modules \
 && find build server-build \( -name '*.map' -o -name 'metafile.*.json' \) -delete \
 && mkdir /runtime/model-cache

FROM base AS rootfs
# The runtime image's root filesystem, from this image's Debian packages brought up to the
# latest bookworm updates: node (the binary that built the app), tini as PID 1 (forwards
# SIGTERM to node, reaps zombies), the libraries they and onnxruntime's addon link against,
# users (nonroot = 65532), CA bundle. No shell, no package manager (scripts/runtime-rootfs.sh).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini ca-certificates libc6 libstdc++6 libgcc-s1 \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/runtime-rootfs.sh /usr/local/bin/
COPY --from=build /runtime/node_modules/onnxruntime-node/bin /tmp/onnxruntime-bin
RUN runtime-rootfs.sh /rootfs /tmp/onnxruntime-bin/napi-v*/*/*/onnxruntime_binding.node

FROM scratch AS runtime
COPY --from=rootfs /rootfs/ /
WORKDIR /app
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    NODE_ENV=production \
    APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    METRICS_PORT=9091 \
    MODEL_URI=/app/models \
    MODEL_CACHE_DIR=/app/model-cache \
    SHUTDOWN_GRACE_MS=10000 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=1048576
# App files stay root-owned (read-only for the app user); only the model cache is writable.
COPY --from=build /runtime/node_modules ./node_modules
COPY --from=build /app/build ./build
COPY --from=build /app/public ./public
COPY --from=build /app/server-build ./server-build
COPY --from=build /app/models ./models
COPY package.json ./
COPY --from=build --chown=65532:65532 /runtime/model-cache ./model-cache
USER 65532:65532
EXPOSE 3000
STOPSIGNAL SIGTERM
# Liveness only (process up); readiness (/readyz) is for load balancers.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# V8 flags: server/node-flags.ts (ADRs 0020, 0029, 0067).
CMD ["node", "--initial-old-space-size=64", "--max-semi-space-size=8", "--no-allocation-site-pretenuring", "server-build/index.js"]
