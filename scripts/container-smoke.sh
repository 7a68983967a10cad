#!/usr/bin/env bash
# Container smoke test without a Docker engine (podman, see ../shared/recipes/container-smoke.md):
# static checks (compose file, Dockerfile lint, CloudFormation lint), build the image on a
# local stand-in base, check size and contents (Node 24, no shell or package manager, only the
# unbundlable packages), run it, wait for /readyz, run the image's and the ECS task's health
# checks, make real predictions (one row on the event loop, 200 on a scoring thread), run the
# batch CLI, SIGTERM it and check it stops promptly and cleanly. Exits non-zero on any failure.
# Run it through make (`make container-smoke`): the stand-in base carries the node on PATH,
# which must be Node 24.
#
# Env: CONTAINER_WORK_DIR (podman state; default a temp dir removed at exit, a given dir is
#      kept so the base image is reused), MAX_IMAGE_MB (200), READY_TIMEOUT_S (90),
#      STOP_MAX_S (10).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
IMAGE="localhost/housing-app:smoke"
NAME="housing-smoke-$$"
MAX_IMAGE_MB="${MAX_IMAGE_MB:-200}"
READY_TIMEOUT_S="${READY_TIMEOUT_S:-90}"
STOP_MAX_S="${STOP_MAX_S:-10}"

log() { echo "[smoke] $*" >&2; }
fail() {
  echo "[smoke] FAIL: $*" >&2
  exit 1
}

if [ -n "${CONTAINER_WORK_DIR:-}" ]; then
  W="$CONTAINER_WORK_DIR" KEEP_W=1
else
  W="$(mktemp -d /tmp/container-smoke.XXXXXX)" KEEP_W=0
fi

cleanup() {
  local rc=$?
  if [ -f "$W/podman.env" ]; then
    # shellcheck source=/dev/null
    . "$W/podman.env"
    podman rm -af -t 0 >/dev/null 2>&1 || true
    if [ "$KEEP_W" = 1 ]; then
      # Keep the base images and the build cache (untagged stage images) for the next run.
      podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
    else
      podman rmi -af >/dev/null 2>&1 || true
    fi
  fi
  [ "$KEEP_W" = 1 ] || rm -rf "$W"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- static checks ---------------------------------------------------------------------------
if ! command -v docker-compose >/dev/null 2>&1; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 docker-compose
fi
docker-compose -f docker-compose.yml config -q || fail "docker-compose.yml is invalid"
log "compose file valid"
npx --no-install dockerfile-utils lint Dockerfile || fail "Dockerfile lint"
log "Dockerfile lint clean"
# cfn-lint checks the template against AWS's CloudFormation resource specifications. It comes
# from PyPI (unreachable here; not in Debian 12) and is preinstalled on these machines: without
# it, say plainly that the template went unchecked.
if command -v cfn-lint >/dev/null 2>&1; then
  cfn-lint infra/cloudformation.yml || fail "infra/cloudformation.yml: cfn-lint"
  log "CloudFormation template lint clean ($(cfn-lint --version))"
else
  log "WARNING: cfn-lint is not installed: infra/cloudformation.yml was NOT linted"
fi

# --- build -----------------------------------------------------------------------------------
"$ROOT/scripts/container-base-image.sh" "$W"
# shellcheck source=/dev/null
. "$W/podman.env"
start=$(date +%s)
# --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
podman build --isolation chroot --pull=never --format docker -t "$IMAGE" . ||
  fail "image build"
log "image built in $(($(date +%s) - start)) s"

size_mb=$(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%d", $1 / 1000000 }')
log "image size: ${size_mb} MB (limit ${MAX_IMAGE_MB} MB)"
[ "$size_mb" -le "$MAX_IMAGE_MB" ] || fail "image is ${size_mb} MB > ${MAX_IMAGE_MB} MB"

[ "$(podman image inspect --format '{{.Config.User}}' "$IMAGE")" = 65532:65532 ] ||
  fail "image must run as 65532:65532 (nonroot)"
podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q /healthz ||
  fail "image has no HEALTHCHECK on /healthz"
# What ships: Node 24; no shell, no package manager, no source maps; node_modules holds only
# the packages the server bundle leaves external, with this platform's onnxruntime binaries.
runtime_packages="$(node --input-type=module -e \
  'console.log(Object.keys((await import("./scripts/runtime-packages.mjs")).RUNTIME_PACKAGES).sort().join(","))')"
image_node="$(podman run --rm --network none --entrypoint node "$IMAGE" -e '
  const fs = require("node:fs");
  const path = require("node:path");
  const problems = [];
  if (process.versions.node.split(".")[0] !== "24") problems.push(`node ${process.version}`);
  if (process.getuid() !== 65532) problems.push(`uid ${process.getuid()}`);
  for (const dir of ["/bin", "/usr/bin", "/usr/local/bin", "/sbin", "/usr/sbin"]) {
    for (const name of ["sh", "bash", "dash", "busybox", "npm", "npx", "corepack", "yarn", "apt", "apt-get", "dpkg"]) {
      if (fs.existsSync(path.join(dir, name))) problems.push(`${dir}/${name} present`);
    }
  }
  if (fs.existsSync("/usr/local/lib/node_modules")) problems.push("global node_modules present");
  const modules = fs.readdirSync("node_modules").sort().join(",");
  if (modules !== process.argv[1]) problems.push(`node_modules: ${modules} (expected ${process.argv[1]})`);
  const ort = "node_modules/onnxruntime-node/bin";
  for (const version of fs.readdirSync(ort)) {
    for (const platform of fs.readdirSync(path.join(ort, version))) {
      for (const arch of fs.readdirSync(path.join(ort, version, platform))) {
        if (platform !== process.platform || arch !== process.arch) problems.push(`onnxruntime ${platform}/${arch}`);
      }
    }
  }
  const maps = fs.readdirSync(".", { recursive: true }).filter((f) => String(f).endsWith(".map"));
  if (maps.length) problems.push(`source maps: ${maps.slice(0, 3).join(", ")}`);
  if (!fs.existsSync("models/LATEST")) problems.push("no bundled model (models/LATEST)");
  if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
  console.log(process.version);
' "$runtime_packages")" || fail "image contents"
log "image contents ok: node $image_node as 65532, no shell or package manager, node_modules = $runtime_packages (linux/$(uname -m) only), bundled model"

# --- run -------------------------------------------------------------------------------------
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
PORT="$(free_port)"
METRICS_PORT="$(free_port)"
[ "$PORT" != "$METRICS_PORT" ] || METRICS_PORT=0
API_KEY="smoke_$(node -p 'require("crypto").randomBytes(24).toString("hex")')"
ADMIN_KEY="smoke_admin_$(node -p 'require("crypto").randomBytes(24).toString("hex")')"
BASE="http://127.0.0.1:$PORT"

# Host networking: bridge networking would rewrite the host's iptables.
# No automatic health timer (podman would need systemd); the check is run explicitly below.
podman run -d --name "$NAME" --network host --health-interval=disable \
  -e PORT="$PORT" -e METRICS_PORT="$METRICS_PORT" -e HOST=127.0.0.1 \
  -e API_KEYS="$API_KEY" -e ADMIN_API_KEYS="$ADMIN_KEY" \
  "$IMAGE" >/dev/null || fail "podman run"

# Prints the HTTP status of a request (000 when the connection fails).
http_status() {
  node -e 'fetch(process.argv[1]).then((r)=>console.log(r.status),()=>console.log("000"))' "$1"
}
dump_logs() { podman logs --tail 80 "$NAME" >&2 || true; }

deadline=$(($(date +%s) + READY_TIMEOUT_S))
until [ "$(http_status "$BASE/readyz")" = 200 ]; do
  if [ "$(podman inspect --format '{{.State.Running}}' "$NAME")" != true ]; then
    dump_logs
    fail "container exited before becoming ready"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    dump_logs
    fail "/readyz not 200 within ${READY_TIMEOUT_S} s"
  fi
  sleep 1
done
log "ready after $((READY_TIMEOUT_S - deadline + $(date +%s))) s"
[ "$(http_status "$BASE/healthz")" = 200 ] || fail "/healthz not 200"
podman healthcheck run "$NAME" >/dev/null || fail "image HEALTHCHECK failed"
# The ECS task's own health check command, run in the container as ECS would.
mapfile -t ecs_check < <(node -e '
  const c = require("./infra/ecs-task-definition.json").containerDefinitions[0].healthCheck.command;
  if (c[0] !== "CMD") process.exit(1);
  for (const arg of c.slice(1)) console.log(arg);')
podman exec "$NAME" "${ecs_check[@]}" || fail "the ECS task definition's healthCheck command failed in the image"
log "health checks ok (image HEALTHCHECK, ECS healthCheck: ${ecs_check[0]})"

# Real records: rows of the vendored Ames data (numbers as numbers, no target). One row is
# scored on the event loop; a 200-row batch (~300 KB) on a scoring worker thread (ADR 0014).
node --input-type=module - "$BASE/api/v1/predict" "$API_KEY" <<'EOF' || { dump_logs; fail "prediction"; }
import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
const [url, key] = process.argv.slice(2);
const rows = parse(readFileSync("data/ames.csv"), { columns: true, to: 200 });
const records = rows.map((row) => {
  const record = {};
  for (const [name, raw] of Object.entries(row)) {
    const v = raw.trim();
    if (name === "Sale_Price" || v === "") continue;
    record[name] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  return record;
});
const post = (batch) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: JSON.stringify({ records: batch }),
  });
const res = await post(records.slice(0, 1));
const text = await res.text();
const price = res.ok ? JSON.parse(text)?.predictions?.[0]?.price : undefined;
if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
  console.error(`[smoke] predict returned ${res.status}: ${text.slice(0, 500)}`);
  process.exit(1);
}
console.error(`[smoke] prediction ok: price ${price.toFixed(0)} (actual ${rows[0].Sale_Price})`);

const batch = await post(records);
const timing = batch.headers.get("server-timing") ?? "";
const out = batch.ok ? JSON.parse(await batch.text()) : undefined;
const prices = out?.predictions?.map((p) => p.price) ?? [];
if (!/\bworker;dur=/.test(timing) || prices.length !== 200 || prices[0] !== price) {
  console.error(`[smoke] batch: ${batch.status}, ${prices.length} prices, Server-Timing "${timing}"`);
  process.exit(1);
}
console.error(`[smoke] 200-row batch ok on a scoring thread (${timing})`);
EOF

# The batch CLI from the same image, as the AWS Batch job runs it (docs/batch-scoring.md):
# the whole vendored data set in, one price per row out.
batch_dir="$W/batch"
rm -rf "$batch_dir" && mkdir -p "$batch_dir" && chmod 777 "$batch_dir"
podman run --rm --network none -e LOG_LEVEL=warn -v "$ROOT/data:/data:ro" -v "$batch_dir:/out" \
  "$IMAGE" node server-build/predict-batch.js --input /data/ames.csv --output /out/prices.csv \
  --progress never >"$batch_dir/summary.json" || fail "batch CLI in the image"
node -e '
  const fs = require("node:fs");
  const [summaryFile, outFile, inFile] = process.argv.slice(1);
  const s = JSON.parse(fs.readFileSync(summaryFile, "utf8").trim().split("\n").pop());
  const lines = (f) => fs.readFileSync(f, "utf8").trimEnd().split("\n").length;
  const rows = lines(inFile) - 1;
  if (s.rows !== rows || s.predicted !== rows || lines(outFile) !== rows + 1) {
    console.error(`[smoke] batch: ${JSON.stringify(s)}; ${lines(outFile)} output lines for ${rows} rows`);
    process.exit(1);
  }
  console.error(`[smoke] batch CLI ok: ${s.predicted} rows priced in ${s.seconds} s (model ${s.model_version})`);
' "$batch_dir/summary.json" "$batch_dir/prices.csv" data/ames.csv || fail "batch CLI output"

# --- graceful stop ---------------------------------------------------------------------------
start=$(date +%s%N)
podman stop -t 15 "$NAME" >/dev/null || fail "podman stop"
stop_ms=$((($(date +%s%N) - start) / 1000000))
code="$(podman inspect --format '{{.State.ExitCode}}' "$NAME")"
log "stopped in ${stop_ms} ms, exit code ${code}"
case "$code" in
  0 | 143) ;; # clean exit, or terminated by SIGTERM (128+15) as reported through tini
  *) dump_logs; fail "exit code ${code} after SIGTERM (137 = killed after the stop timeout)" ;;
esac
[ "$stop_ms" -le $((STOP_MAX_S * 1000)) ] || fail "stop took ${stop_ms} ms > ${STOP_MAX_S} s"
podman logs "$NAME" 2>&1 | tail -n 5 >&2 || true

log "PASS (image ${size_mb} MB)"
