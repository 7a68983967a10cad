// Cross-checks the deployment files (Dockerfile, docker-compose.yml, the ECS task definition
// and the CloudFormation template) against the code: every variable they set is one the
// config schema knows and forms a valid configuration, ports match the server's default,
// health checks hit the real liveness/readiness routes, and the stop timeout leaves room
// for the graceful shutdown.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { CONFIG_ENV_VARS, loadConfig } from "~/lib/config.server";
import { loader as livenessLoader } from "~/routes/healthz";
import { loader as readinessLoader } from "~/routes/readyz";
import { NODE_FLAGS } from "../../server/node-flags";

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

// Node's own runtime options are not app configuration (the config schema never reads them).
const RUNTIME_ENV_VARS = ["NODE_OPTIONS"];
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

describe("Dockerfile", () => {
  const stage = runtimeStage(read("Dockerfile"));
  const args = (keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);

  it("builds every stage on node:20-bookworm-slim and skips the onnxruntime download", () => {
    const text = read("Dockerfile");
    // External images only (`FROM deps AS …` reuses an earlier stage).
    const images = [...text.matchAll(/^FROM\s+(\S+)/gm)]
      .map((m) => m[1])
      .filter((b) => b.includes(":"));
    expect(images.length).toBeGreaterThanOrEqual(2);
    expect(new Set(images)).toEqual(new Set(["node:20-bookworm-slim"]));
    expect(text).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    expect(text).toMatch(/npm (ci|prune) --omit=dev/);
  });

  it("sets only known variables in the runtime image", () => {
    const names = args("ENV").flatMap((a) => a.split(/\s+/).map((kv) => kv.split("=")[0]));
    expect(names).toContain("MODEL_URI");
    expect(names.filter((n) => !known.has(n))).toEqual([]);
  });

  it("exposes the server's port, runs as node under tini, health-checks liveness", () => {
    expect(args("EXPOSE")).toEqual([String(defaults.port)]);
    expect(args("USER")).toEqual(["node"]);
    expect(args("ENTRYPOINT")[0]).toContain("tini");
    expect(args("STOPSIGNAL")).toEqual(["SIGTERM"]);
    expect(args("HEALTHCHECK").join(" ")).toContain("/healthz");
  });

  it("launches node with the V8 flags of server/node-flags.ts, as `npm start` does", () => {
    expect(JSON.parse(args("CMD")[0])).toEqual(["node", ...NODE_FLAGS, "server-build/index.js"]);
    const pkg = JSON.parse(read("package.json")) as Json;
    expect(pkg.scripts.start).toBe(
      `NODE_ENV=production node ${NODE_FLAGS.join(" ")} ./server-build/index.js`,
    );
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
