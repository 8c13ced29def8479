import { parseAllDocuments } from "yaml";
import { cap, defineRule, listSome, NO_PARAMS, type Rule, type RuleResult } from "./types.ts";

/*
 * Rules over Kubernetes manifests: one YAML file of several documents (Deployment, Service,
 * PodDisruptionBudget, HorizontalPodAutoscaler), read as data; no cluster is asked anything.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const get = (v: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export type Manifests = { byKind: (kind: string) => Obj[] };

export function parseManifests(text: string): { ok: true; m: Manifests } | { ok: false; message: string } {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(docs)) return { ok: false, message: "The file could not be read as YAML." };
  const objects: Obj[] = [];
  for (const [i, doc] of docs.entries()) {
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      return {
        ok: false,
        message: `Document ${i + 1} is not valid YAML: ${e.message.split("\n")[0]}. YAML is indentation-sensitive: check the spaces (not tabs).`,
      };
    }
    const data: unknown = doc.toJS({ maxAliasCount: 50 });
    if (data === null || data === undefined) continue;
    if (!isObj(data) || typeof data.kind !== "string")
      return {
        ok: false,
        message: `Document ${i + 1} is not a Kubernetes object: it needs apiVersion:, kind: and metadata:.`,
      };
    objects.push(data);
  }
  return { ok: true, m: { byKind: (kind) => objects.filter((o) => o.kind === kind) } };
}

function withDeployment(text: string, check: (d: Obj, m: Manifests) => RuleResult): RuleResult {
  const parsed = parseManifests(text);
  if (!parsed.ok) return { pass: false, message: cap(parsed.message) };
  const deployments = parsed.m.byKind("Deployment");
  if (deployments.length !== 1)
    return {
      pass: false,
      message: `Expected exactly one Deployment in the file, found ${deployments.length}. Keep the Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler as documents separated by ---.`,
    };
  const r = check(deployments[0]!, parsed.m);
  return { pass: r.pass, message: cap(r.message) };
}

const nameOf = (o: unknown) => String(get(o, "metadata", "name") ?? "(unnamed)");
const containersOf = (d: Obj): Obj[] => arr(get(d, "spec", "template", "spec", "containers")).filter(isObj);
const podLabels = (d: Obj): Obj => {
  const l = get(d, "spec", "template", "metadata", "labels");
  return isObj(l) ? l : {};
};

/** Does a label selector (matchLabels, or a Service's plain map) select pods with these labels? */
function selects(selector: unknown, labels: Obj): boolean {
  if (!isObj(selector)) return false;
  const match = isObj(selector.matchLabels) ? selector.matchLabels : selector.matchExpressions ? {} : selector;
  const entries = Object.entries(match);
  if (entries.length === 0 && !selector.matchExpressions) return false;
  return entries.every(([k, v]) => labels[k] !== undefined && String(labels[k]) === String(v));
}

const HANDLERS = ["httpGet", "tcpSocket", "exec", "grpc"];

const probes = defineRule({
  id: "k8s/probes",
  title: "gives every container a readiness and a liveness probe",
  params: NO_PARAMS,
  run: (text) =>
    withDeployment(text, (d) => {
      const bad: string[] = [];
      for (const c of containersOf(d))
        for (const p of ["readinessProbe", "livenessProbe"]) {
          const probe = c[p];
          if (!isObj(probe) || !HANDLERS.some((h) => isObj(probe[h])))
            bad.push(`container ${String(c.name)} has no ${p} (httpGet, tcpSocket, exec or grpc)`);
        }
      if (bad.length)
        return {
          pass: false,
          message: `${listSome(bad)}. Without a readinessProbe a pod gets traffic before it can serve and keeps it while it cannot; without a livenessProbe a hung process is never restarted. Point readiness at /ready, liveness at a cheaper /health, and give liveness a longer failureThreshold.`,
        };
      return { pass: true, message: "Every container has a readiness and a liveness probe." };
    }),
});

const QUANTITY = /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const resources = defineRule({
  id: "k8s/resources",
  title: "requests CPU and memory and limits memory",
  params: NO_PARAMS,
  run: (text) =>
    withDeployment(text, (d) => {
      const bad: string[] = [];
      for (const c of containersOf(d)) {
        const need = [
          ["requests", "cpu"],
          ["requests", "memory"],
          ["limits", "memory"],
        ];
        const missing = need.filter(([a, b]) => !QUANTITY.test(String(get(c, "resources", a!, b!) ?? "")));
        if (missing.length) bad.push(`container ${String(c.name)}: no ${missing.map((m) => m.join(".")).join(", ")}`);
      }
      if (bad.length)
        return {
          pass: false,
          message: `${listSome(bad)}. The scheduler places pods by their requests (none means "fits anywhere", so nodes overcommit), the HPA's CPU utilisation is a percentage of requests.cpu, and without limits.memory one leaking pod takes the node's memory from its neighbours.`,
        };
      return { pass: true, message: "Every container requests CPU and memory and has a memory limit." };
    }),
});

const securityContext = defineRule({
  id: "k8s/security-context",
  title: "runs as non-root with a read-only root filesystem",
  params: NO_PARAMS,
  run: (text) =>
    withDeployment(text, (d) => {
      const pod = get(d, "spec", "template", "spec", "securityContext");
      const bad: string[] = [];
      for (const c of containersOf(d)) {
        const sc = isObj(c.securityContext) ? c.securityContext : {};
        const nonRoot = sc.runAsNonRoot ?? get(pod, "runAsNonRoot");
        const uid = sc.runAsUser ?? get(pod, "runAsUser");
        const name = `container ${String(c.name)}`;
        if (nonRoot !== true) bad.push(`${name}: runAsNonRoot is not true`);
        if (uid === 0) bad.push(`${name}: runAsUser is 0`);
        if (sc.readOnlyRootFilesystem !== true) bad.push(`${name}: readOnlyRootFilesystem is not true`);
        if (sc.allowPrivilegeEscalation !== false) bad.push(`${name}: allowPrivilegeEscalation is not false`);
        if (!arr(get(sc, "capabilities", "drop")).some((x) => String(x).toUpperCase() === "ALL"))
          bad.push(`${name}: capabilities.drop lacks ALL`);
        if (sc.privileged === true) bad.push(`${name}: privileged`);
      }
      if (bad.length)
        return {
          pass: false,
          message: `${listSome(bad, 4)}. The restricted Pod Security Standard asks for all of these: a compromised process then cannot write binaries into its image, gain privileges, or be root. Mount an emptyDir at /tmp for the files the app must write.`,
        };
      return {
        pass: true,
        message: "Every container runs as non-root, read-only, without privilege escalation or capabilities.",
      };
    }),
});

/** "25%" of n, or a number; Kubernetes rounds maxUnavailable down and maxSurge up. */
function amount(v: unknown, n: number, round: (x: number) => number = Math.floor): number | null {
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(String(v ?? ""));
  return m ? round((Number(m[1]) * n) / 100) : null;
}

const rollingUpdate = defineRule({
  id: "k8s/rolling-update",
  title: "rolls out without dropping below the desired capacity",
  params: NO_PARAMS,
  run: (text) =>
    withDeployment(text, (d, m) => {
      const strategy = get(d, "spec", "strategy");
      const hpa = m
        .byKind("HorizontalPodAutoscaler")
        .find((h) => get(h, "spec", "scaleTargetRef", "name") === nameOf(d));
      const replicas = Number(get(hpa, "spec", "minReplicas") ?? get(d, "spec", "replicas") ?? 1);
      const type = get(strategy, "type") ?? "RollingUpdate";
      if (type !== "RollingUpdate")
        return {
          pass: false,
          message: `strategy.type is ${String(type)}: Recreate stops every pod before starting new ones, an outage on every deploy. Use RollingUpdate with maxUnavailable: 0 and maxSurge: 1.`,
        };
      const unavailable = amount(get(strategy, "rollingUpdate", "maxUnavailable") ?? "25%", replicas);
      const surge = amount(get(strategy, "rollingUpdate", "maxSurge") ?? "25%", replicas, Math.ceil);
      if (unavailable !== 0)
        return {
          pass: false,
          message: `maxUnavailable allows ${unavailable ?? "an unknown number of"} pod(s) of ${replicas} to be down during a rollout (the default is 25%). Set strategy.rollingUpdate.maxUnavailable: 0 and maxSurge: 1, so a new pod must be ready before an old one goes.`,
        };
      if (!surge || surge < 1)
        return {
          pass: false,
          message: "maxUnavailable is 0 but maxSurge is 0 too: the rollout can never start. Set maxSurge: 1 (or 25%).",
        };
      if (replicas < 2)
        return {
          pass: false,
          message: `The Deployment runs ${replicas} replica(s): any restart or node drain is an outage. Run at least 2 (spec.replicas, or the HPA's minReplicas).`,
        };
      return {
        pass: true,
        message: `RollingUpdate with maxUnavailable 0 and maxSurge ${surge}, from ${replicas} replicas.`,
      };
    }),
});

const service = defineRule({
  id: "k8s/service",
  title: "has a Service that selects the pods and targets a container port",
  params: NO_PARAMS,
  run: (text) =>
    withDeployment(text, (d, m) => {
      const services = m.byKind("Service");
      if (services.length === 0)
        return { pass: false, message: "No Service: add one (kind: Service) selecting the pods." };
      const labels = podLabels(d);
      const s = services.find((x) => selects(get(x, "spec", "selector"), labels));
      if (!s)
        return {
          pass: false,
          message: `No Service selects the Deployment's pods (labels ${JSON.stringify(labels)}): its spec.selector must be a subset of spec.template.metadata.labels, or it routes to nothing.`,
        };
      const ports = containersOf(d).flatMap((c) => arr(c.ports).filter(isObj));
      const bad = arr(get(s, "spec", "ports"))
        .filter(isObj)
        .filter((p) => {
          const t = p.targetPort ?? p.port;
          return !ports.some((cp) => cp.containerPort === t || (typeof t === "string" && cp.name === t));
        });
      if (bad.length || arr(get(s, "spec", "ports")).length === 0)
        return {
          pass: false,
          message: `Service ${nameOf(s)}: targetPort ${bad.map((p) => String(p.targetPort ?? p.port)).join(", ") || "(none)"} is no containerPort or port name of the pods. Name the container port (name: http) and use targetPort: http.`,
        };
      return { pass: true, message: `Service ${nameOf(s)} selects the pods and targets their port.` };
    }),
});

const pdb = defineRule({
  id: "k8s/disruption-budget",
  title: "has a PodDisruptionBudget that keeps capacity and still allows drains",
  params: NO_PARAMS,
  run: (text) =>
    withDeployment(text, (d, m) => {
      const labels = podLabels(d);
      const budget = m.byKind("PodDisruptionBudget").find((p) => selects(get(p, "spec", "selector"), labels));
      if (!budget)
        return {
          pass: false,
          message:
            "No PodDisruptionBudget selects the pods: a node drain (an upgrade) may evict every replica at once. Add one (policy/v1) with maxUnavailable: 1 and the pods' labels in selector.matchLabels.",
        };
      const hpa = m
        .byKind("HorizontalPodAutoscaler")
        .find((h) => get(h, "spec", "scaleTargetRef", "name") === nameOf(d));
      const replicas = Number(get(hpa, "spec", "minReplicas") ?? get(d, "spec", "replicas") ?? 1);
      const spec = get(budget, "spec");
      const minAvailable = amount(get(spec, "minAvailable"), replicas, Math.ceil); // a PDB rounds up
      const maxUnavailable = amount(get(spec, "maxUnavailable"), replicas, Math.ceil);
      const canEvict =
        maxUnavailable !== null ? maxUnavailable >= 1 : minAvailable !== null ? minAvailable < replicas : false;
      if (!canEvict)
        return {
          pass: false,
          message: `PodDisruptionBudget ${nameOf(budget)} allows no eviction with ${replicas} replica(s) (${minAvailable !== null ? `minAvailable ${minAvailable}` : `maxUnavailable ${String(maxUnavailable)}`}): drains hang and cluster upgrades stall. Use maxUnavailable: 1, or a minAvailable below the replica count.`,
        };
      if ((minAvailable ?? replicas - (maxUnavailable ?? 0)) < 1)
        return {
          pass: false,
          message: `PodDisruptionBudget ${nameOf(budget)} lets every pod be evicted at once: keep at least one.`,
        };
      return {
        pass: true,
        message: `PodDisruptionBudget ${nameOf(budget)} keeps capacity during drains and still lets them proceed.`,
      };
    }),
});

const autoscaler = defineRule({
  id: "k8s/autoscaler",
  title: "scales the Deployment with an autoscaling/v2 HorizontalPodAutoscaler",
  params: NO_PARAMS,
  run: (text) =>
    withDeployment(text, (d, m) => {
      const hpa = m.byKind("HorizontalPodAutoscaler")[0];
      if (!hpa)
        return {
          pass: false,
          message: "No HorizontalPodAutoscaler: add one (autoscaling/v2) targeting the Deployment.",
        };
      const ref = get(hpa, "spec", "scaleTargetRef");
      const bad: string[] = [];
      if (hpa.apiVersion !== "autoscaling/v2") bad.push(`apiVersion is ${String(hpa.apiVersion)}, not autoscaling/v2`);
      if (get(ref, "kind") !== "Deployment" || get(ref, "name") !== nameOf(d))
        bad.push(
          `scaleTargetRef is ${String(get(ref, "kind"))}/${String(get(ref, "name"))}, not Deployment/${nameOf(d)}`,
        );
      const min = Number(get(hpa, "spec", "minReplicas") ?? 1);
      const max = Number(get(hpa, "spec", "maxReplicas") ?? 0);
      if (!(min >= 2)) bad.push(`minReplicas is ${min}: keep at least 2`);
      if (!(max > min)) bad.push(`maxReplicas ${max} leaves no room above minReplicas ${min}`);
      const metrics = arr(get(hpa, "spec", "metrics")).filter(isObj);
      const cpu = metrics.find((x) => get(x, "resource", "name") === "cpu");
      if (!cpu) bad.push("no cpu Resource metric");
      else if (
        get(cpu, "resource", "target", "type") === "Utilization" &&
        containersOf(d).some((c) => get(c, "resources", "requests", "cpu") === undefined)
      )
        bad.push("CPU utilisation is measured against requests.cpu, which a container lacks");
      if (bad.length)
        return {
          pass: false,
          message: `HorizontalPodAutoscaler ${nameOf(hpa)}: ${listSome(bad, 4)}. It should target the Deployment, keep 2 or more replicas, scale on CPU utilisation (target averageUtilization around 70), and have headroom above the minimum.`,
        };
      return {
        pass: true,
        message: `HorizontalPodAutoscaler ${nameOf(hpa)} scales ${nameOf(d)} between ${min} and ${max} replicas on CPU.`,
      };
    }),
});

export const k8sRules: Rule[] = [probes, resources, securityContext, rollingUpdate, service, pdb, autoscaler];
