/**
 * Validates planned Kubernetes objects against the Kubernetes OpenAPI schema with
 * `kubernetes-models` (generated from the upstream schema, with its validators).
 */
import type { PlannedResource } from "./plan";

interface Model {
    validate(): void;
}
type ModelClass = new (data: Record<string, unknown>) => Model;

/** `kubernetes:batch/v1:CronJob` -> `kubernetes-models/batch/v1/CronJob`; the core group is plain `v1`. */
export function modelPath(type: string): string {
    const [, groupVersion, kind] = type.split(":");
    const [group, version] = groupVersion.split("/");
    return `kubernetes-models/${group === "core" ? version : `${group}/${version}`}/${kind}`;
}

/** Throws with the schema's message when the object is invalid. */
export function validateKubernetesObject(r: PlannedResource): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(modelPath(r.type)) as Record<string, ModelClass>;
    const kind = r.type.split(":")[2];
    const Klass = mod[kind];
    new Klass(r.inputs).validate();
}
