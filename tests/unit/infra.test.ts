// Cross-checks the deployment files (Dockerfile, docker-compose.yml, the ECS task definition
// and the CloudFormation template) against the code: every variable they set is one the
// config schema knows and forms a valid configuration, ports match the server's default,
// health checks hit the real liveness/readiness routes, and the stop timeout leaves room
// for the graceful shutdown. And the runtime (ADR 0029): one Node major everywhere (these
// tests included), an image that ships only what runs.
import { readFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { CONFIG_ENV_VARS, loadConfig } from "~/lib/config.server";
import { loader as livenessLoader } from "~/routes/healthz";
import { loader as readinessLoader } from "~/routes/readyz";
import { RUNTIME_PACKAGES, runtimeFiles } from "../../scripts/runtime-packages.mjs";
import { MALLOC_ENV, NODE_FLAGS } from "../../server/node-flags";

const root = path.resolve(__dirname, "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function parseYaml(file: string): Json {
  const doc = parseDocument(read(file), { merge: true });
  // Short-form CloudFormation tags (!Ref) would only produce warnings: refuse them too.
  expect([...doc.errors, ...doc.warnings].map((e) => e.message)).toEqual([]);
  return doc.toJS() as Json;
}

/** Instructions of the Dockerfile's last stage (the image that ships), continuations joined. */
function runtimeStage(text: string): { keyword: string; args: string }[] {
  const joined = text
    .split("\n")
    .filter((line) => !line.trim().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ");
  const instructions = joined
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf("FROM");
  return instructions.slice(lastFrom);
}

// Node's and the OS's own settings are not app configuration (the config schema never reads them).
const RUNTIME_ENV_VARS = ["NODE_OPTIONS", "PATH", "SSL_CERT_FILE", ...Object.keys(MALLOC_ENV)];
const known = new Set([...CONFIG_ENV_VARS, ...RUNTIME_ENV_VARS]);
const defaults = loadConfig({}, root);
// Placeholders for the values injected from Secrets Manager (production needs ≥ 24 chars).
const fakeSecrets = { API_KEYS: "k".repeat(32), ADMIN_API_KEYS: "a".repeat(32) };

const taskDef = JSON.parse(read("infra/ecs-task-definition.json")) as Json;
const container = taskDef.containerDefinitions[0] as Json;
const taskEnv: Record<string, string> = Object.fromEntries(
  (container.environment as Json[]).map((e) => [e.name, e.value]),
);
const template = parseYaml("infra/cloudformation.yml");
const resources = template.Resources as Json;
const cfnContainer = resources.TaskDefinition.Properties.ContainerDefinitions[0] as Json;

describe("ECS task definition", () => {
  it("is a Fargate task with one essential container", () => {
    expect(taskDef.requiresCompatibilities).toEqual(["FARGATE"]);
    expect(taskDef.networkMode).toBe("awsvpc");
    expect(taskDef.containerDefinitions).toHaveLength(1);
    expect(container.essential).toBe(true);
  });

  it("sets only variables the config schema knows", () => {
    const names = [...Object.keys(taskEnv), ...container.secrets.map((s: Json) => s.name)];
    expect(names.filter((n) => !known.has(n))).toEqual([]);
  });

  it("takes the API keys from Secrets Manager, never from plain environment", () => {
    const secrets = Object.fromEntries(container.secrets.map((s: Json) => [s.name, s.valueFrom]));
    for (const name of ["API_KEYS", "ADMIN_API_KEYS"]) {
      expect(secrets[name]).toMatch(/^arn:aws:(secretsmanager|ssm):/);
    }
    expect(Object.keys(taskEnv).filter((n) => /KEY|SECRET|PASSWORD/.test(n))).toEqual([]);
  });

  it("forms a valid production configuration reading the model from S3", () => {
    const config = loadConfig({ ...taskEnv, ...fakeSecrets }, root);
    expect(config.appEnv).toBe("production");
    expect(config.modelSource.kind).toBe("s3");
    expect(config.metricsPort).not.toBe(config.port);
  });

  it("maps the server's port", () => {
    expect(defaults.port).toBe(3000);
    expect(container.portMappings.map((p: Json) => p.containerPort)).toEqual([defaults.port]);
    expect(Number(taskEnv.PORT ?? defaults.port)).toBe(defaults.port);
  });

  it("health-checks liveness and stops after the graceful shutdown window", () => {
    expect(container.healthCheck.command.join(" ")).toContain("/healthz");
    const graceMs = loadConfig({ ...taskEnv, ...fakeSecrets }, root).shutdownGraceMs;
    // A margin above the grace period: the process must exit on its own before SIGKILL.
    expect(container.stopTimeout * 1000).toBeGreaterThanOrEqual(graceMs + 5000);
    expect(container.stopTimeout).toBeLessThanOrEqual(120); // Fargate's maximum
  });

  it("ships logs with awslogs", () => {
    expect(container.logConfiguration.logDriver).toBe("awslogs");
    expect(container.logConfiguration.options["awslogs-group"]).toBeTruthy();
  });
});

describe("ECS heap cap", () => {
  const capMb = (options: string) => Number(/--max-old-space-size=(\d+)\b/.exec(options)?.[1]);

  it("caps V8's old space at 30–50% of the task memory (docs/reliability.md)", () => {
    const cap = capMb(taskEnv.NODE_OPTIONS ?? "");
    const memory = Number(taskDef.memory);
    expect(cap).toBeGreaterThanOrEqual(0.3 * memory);
    expect(cap).toBeLessThanOrEqual(0.5 * memory);
  });

  it("uses the same cap in the CloudFormation template, from a parameter next to TaskMemory", () => {
    const params = template.Parameters as Json;
    const env = cfnContainer.Environment.find((e: Json) => e.Name === "NODE_OPTIONS") as Json;
    expect(env.Value["Fn::Sub"]).toBe("--max-old-space-size=${NodeMaxOldSpaceMb}");
    expect(params.NodeMaxOldSpaceMb.Default).toBe(capMb(taskEnv.NODE_OPTIONS));
    expect(params.TaskMemory.Default).toBe(taskDef.memory);
  });
});

describe("CloudFormation template", () => {
  it("runs the same container as infra/ecs-task-definition.json", () => {
    const cfnEnv = Object.fromEntries(cfnContainer.Environment.map((e: Json) => [e.Name, e.Value]));
    expect(Object.keys(cfnEnv).sort()).toEqual(Object.keys(taskEnv).sort());
    for (const [name, value] of Object.entries(cfnEnv)) {
      // Values built with Ref/Fn::Sub differ by design (account, region, bucket).
      if (typeof value === "string") expect([name, value]).toEqual([name, taskEnv[name]]);
    }
    expect(cfnContainer.Secrets.map((s: Json) => s.Name).sort()).toEqual(
      container.secrets.map((s: Json) => s.name).sort(),
    );
    expect(cfnContainer.PortMappings.map((p: Json) => p.ContainerPort)).toEqual([defaults.port]);
    expect(cfnContainer.HealthCheck.Command).toEqual(container.healthCheck.command);
    expect(cfnContainer.StopTimeout).toBe(container.stopTimeout);
    expect(cfnContainer.LogConfiguration.LogDriver).toBe("awslogs");
  });

  it("routes the load balancer to the app port and checks readiness", () => {
    const tg = resources.TargetGroup.Properties;
    expect(tg.HealthCheckPath).toBe("/readyz");
    expect(tg.Port).toBe(defaults.port);
    expect(tg.TargetType).toBe("ip");
    const lb = resources.Service.Properties.LoadBalancers[0];
    expect([lb.ContainerName, lb.ContainerPort]).toEqual([cfnContainer.Name, defaults.port]);
    const ingress = resources.ServiceSecurityGroup.Properties.SecurityGroupIngress;
    expect(ingress.map((r: Json) => [r.FromPort, r.ToPort])).toEqual([
      [defaults.port, defaults.port],
    ]);
    expect(ingress[0].SourceSecurityGroupId).toEqual({ Ref: "LoadBalancerSecurityGroup" });
  });

  it("gives the task role read access to the model prefix only", () => {
    const statements = resources.TaskRole.Properties.Policies.flatMap(
      (p: Json) => p.PolicyDocument.Statement,
    );
    const actions = statements.flatMap((s: Json) => [s.Action].flat());
    expect(actions.sort()).toEqual(["s3:GetObject", "s3:ListBucket"]);
    for (const s of statements) expect(s.Effect).toBe("Allow");
    const get = statements.find((s: Json) => s.Action === "s3:GetObject");
    expect(get.Resource["Fn::Sub"]).toMatch(/:::\$\{ModelBucket\}\/\$\{ModelPrefix\}\*$/);
    const list = statements.find((s: Json) => s.Action === "s3:ListBucket");
    expect(list.Resource["Fn::Sub"]).toMatch(/:::\$\{ModelBucket\}$/);
    expect(list.Condition.StringLike["s3:prefix"]).toEqual([
      { Ref: "ModelPrefix" },
      { "Fn::Sub": "${ModelPrefix}*" },
    ]);
  });

  it("lets the execution role read exactly the two key secrets", () => {
    const statements = resources.ExecutionRole.Properties.Policies.flatMap(
      (p: Json) => p.PolicyDocument.Statement,
    );
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe("secretsmanager:GetSecretValue");
    expect(statements[0].Resource).toEqual(cfnContainer.Secrets.map((s: Json) => s.ValueFrom));
  });

  it("scales the service with target tracking", () => {
    const policies = Object.values(resources).filter(
      (r: Json) => r.Type === "AWS::ApplicationAutoScaling::ScalingPolicy",
    ) as Json[];
    expect(policies.length).toBeGreaterThanOrEqual(1);
    for (const p of policies) {
      expect(p.Properties.PolicyType).toBe("TargetTrackingScaling");
      expect(p.Properties.ScalingTargetId).toEqual({ Ref: "ScalableTarget" });
    }
    const target = resources.ScalableTarget.Properties;
    expect(target.ScalableDimension).toBe("ecs:service:DesiredCount");
  });
});

// package.json's engines: one LTS major, e.g. ">=24.11 <25".
const engines = (JSON.parse(read("package.json")) as Json).engines.node as string;
const [, nodeMajor, nodeMinor] = (/^>=(\d+)\.(\d+) <(\d+)$/.exec(engines) ?? []).map(Number);

describe("Node runtime", () => {
  it("package.json allows one LTS major from a minimum minor", () => {
    expect(engines).toMatch(/^>=(\d+)\.\d+ <(\d+)$/);
    expect(Number(/<(\d+)$/.exec(engines)?.[1])).toBe(nodeMajor + 1);
    expect(nodeMajor % 2).toBe(0); // even majors become LTS
  });

  it("runs these tests (make puts the Makefile's node first on PATH, servers use it too)", () => {
    const [major, minor] = process.versions.node.split(".").map(Number);
    expect(major).toBe(nodeMajor);
    expect(minor).toBeGreaterThanOrEqual(nodeMinor);
  });

  it("is what the Makefile fetches, esbuild targets, @types/node and the Dockerfile name", () => {
    const makefile = read("Makefile");
    expect(/^NODE_MAJOR := (\d+)$/m.exec(makefile)?.[1]).toBe(String(nodeMajor));
    const [major, minor] = (/^NODE_VERSION := (\d+)\.(\d+)\.\d+$/m.exec(makefile) ?? [])
      .slice(1)
      .map(Number);
    expect([major, minor >= nodeMinor]).toEqual([nodeMajor, true]);
    expect(read("scripts/build-server.mjs")).toMatch(new RegExp(`target: "node${nodeMajor}"`));
    const pkg = JSON.parse(read("package.json")) as Json;
    expect(pkg.devDependencies["@types/node"]).toMatch(new RegExp(`^\\^${nodeMajor}\\.`));
    expect(read("Dockerfile")).toMatch(new RegExp(`^FROM node:${nodeMajor}-bookworm-slim AS`, "m"));
    expect(read(".github/workflows/ci.yml")).toMatch(new RegExp(`container: node:${nodeMajor}-`));
  });
});

describe("Dockerfile", () => {
  const text = read("Dockerfile");
  const stage = runtimeStage(text);
  const args = (keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);

  it("builds on node:<major>-bookworm-slim and ships FROM scratch (no shell, no npm)", () => {
    // External images only (`FROM deps AS …` reuses an earlier stage).
    const images = [...text.matchAll(/^FROM\s+(\S+)/gm)]
      .map((m) => m[1])
      .filter((b) => b.includes(":"));
    expect(new Set(images)).toEqual(new Set([`node:${nodeMajor}-bookworm-slim`]));
    expect(stage[0]).toEqual({ keyword: "FROM", args: "scratch AS runtime" });
    expect(text).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
  });

  it("ships the rootfs, the bundles, public/, models/ and only the unbundlable packages", () => {
    const copies = args("COPY").map((a) => {
      const parts = a.split(/\s+/);
      return {
        from: parts.find((p) => p.startsWith("--from="))?.slice("--from=".length),
        src: parts.filter((p) => !p.startsWith("--")).slice(0, -1),
      };
    });
    expect(copies.flatMap((c) => c.src.map((src) => `${c.from ?? "context"}:${src}`))).toEqual([
      "rootfs:/rootfs/",
      "build:/runtime/node_modules",
      "build:/app/build",
      "build:/app/public",
      "build:/app/server-build",
      "build:/app/models",
      "context:package.json",
      "build:/runtime/model-cache",
    ]);
    // /runtime/node_modules is what runtime-packages.mjs copies, the bundle's externals.
    expect(text).toMatch(/node scripts\/runtime-packages\.mjs \/runtime\/node_modules/);
    expect(read("scripts/build-server.mjs")).toMatch(/external: \[\.\.\.EXTERNAL_PACKAGES/);
    // The rootfs: node and tini where PATH and ENTRYPOINT look for them.
    expect(text).toMatch(/RUN runtime-rootfs\.sh \/rootfs /);
    const rootfs = read("scripts/runtime-rootfs.sh");
    expect(rootfs).toContain("place /usr/local/bin/node");
    expect(rootfs).toContain("place /usr/bin/tini");
  });

  it("sets only known variables in the runtime image, node's folder on PATH", () => {
    const env = Object.fromEntries(
      args("ENV").flatMap((a) => a.split(/\s+/).map((kv) => kv.split("="))),
    ) as Record<string, string>;
    expect(env.MODEL_URI).toBeTruthy();
    expect(env.PATH.split(":")).toContain("/usr/local/bin");
    expect(env).toMatchObject(MALLOC_ENV); // what the bench measures (server/node-flags.ts)
    expect(Object.keys(env).filter((n) => !known.has(n))).toEqual([]);
  });

  it("exposes the server's port, runs as nonroot under tini, health-checks liveness", () => {
    expect(args("EXPOSE")).toEqual([String(defaults.port)]);
    expect(args("USER")).toEqual(["65532:65532"]);
    expect(JSON.parse(args("ENTRYPOINT")[0])).toEqual(["/usr/bin/tini", "--"]);
    expect(args("STOPSIGNAL")).toEqual(["SIGTERM"]);
    expect(args("HEALTHCHECK").join(" ")).toContain("/healthz");
    expect(args("HEALTHCHECK").join(" ")).not.toMatch(/\b(npm|curl|wget)\b/);
  });

  it("launches node with the V8 flags of server/node-flags.ts, as `npm start` does", () => {
    expect(JSON.parse(args("CMD")[0])).toEqual(["node", ...NODE_FLAGS, "server-build/index.js"]);
    const pkg = JSON.parse(read("package.json")) as Json;
    expect(pkg.scripts.start).toBe(
      `NODE_ENV=production node ${NODE_FLAGS.join(" ")} ./server-build/index.js`,
    );
  });
});

describe("the image's node_modules (scripts/runtime-packages.mjs)", () => {
  const names = Object.keys(RUNTIME_PACKAGES);
  const files = Object.fromEntries(names.map((n) => [n, runtimeFiles(n)]));

  it("holds each package's entry point and, for onnxruntime, this platform's binaries only", () => {
    for (const name of names) {
      const pkg = JSON.parse(read(`node_modules/${name}/package.json`)) as Json;
      expect(files[name]).toContain(path.join(name, pkg.main));
    }
    const binaries = files["onnxruntime-node"].filter((f) => f.includes("/bin/"));
    const here = `/bin/napi-v6/${process.platform}/${process.arch}/`;
    expect(binaries.every((f) => f.includes(here))).toBe(true);
    expect(binaries.map((f) => path.basename(f)).sort()).toContain("onnxruntime_binding.node");
  });

  it("whose JavaScript requires only node's built-ins and each other", () => {
    const outside = new Set<string>();
    for (const file of Object.values(files).flat()) {
      if (!/\.(c|m)?js$/.test(file)) continue;
      const source = read(`node_modules/${file}`);
      for (const m of source.matchAll(/(?:require\(|from |import\()\s*["'`]([^"'`]+)["'`]/g)) {
        const spec = m[1];
        if (spec.startsWith(".") || isBuiltin(spec)) continue;
        const name = spec.startsWith("@")
          ? spec.split("/").slice(0, 2).join("/")
          : spec.split("/")[0];
        if (!names.includes(name)) outside.add(`${file}: ${spec}`);
      }
    }
    expect([...outside]).toEqual([]);
  });
});

describe("docker-compose.yml", () => {
  const compose = parseYaml("docker-compose.yml");
  const app = compose.services.app as Json;
  // The AWS SDK reads its credentials from these standard variables (MinIO's dummy ones here).
  const sdkCredentials = new Set(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);

  it("configures the app with known variables to read its model from MinIO", () => {
    const env = app.environment as Record<string, string>;
    const unknown = Object.keys(env).filter((n) => !known.has(n) && !sdkCredentials.has(n));
    expect(unknown).toEqual([]);
    const config = loadConfig(env, root);
    expect(config.modelSource).toEqual({ kind: "s3", bucket: "models", prefix: "housing/" });
    expect(config.s3Endpoint).toBe("http://minio:9000");
    expect(config.s3ForcePathStyle).toBe(true);
    expect(app.ports).toEqual([`${config.port}:${config.port}`]);
  });

  it("starts the app only after the model was pushed", () => {
    expect(app.depends_on["model-push"].condition).toBe("service_completed_successfully");
    const push = compose.services["model-push"] as Json;
    expect(push.command.join(" ")).toContain("npm run model:push");
    expect(push.command.join(" ")).toContain("s3://models/housing/");
  });
});

describe("health routes used by the deployment", () => {
  it("/healthz answers 200 (liveness, no dependencies)", () => {
    expect(livenessLoader().status).toBe(200);
  });

  it("/readyz answers 503 while no model is loaded", async () => {
    const res = readinessLoader();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "not_ready" });
  });
});
