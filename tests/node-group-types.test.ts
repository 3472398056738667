/**
 * Node group instance types against the Cluster Autoscaler's own EC2 catalogue
 * (vendor/cluster-autoscaler/ec2_instance_types.go, verbatim from kubernetes/autoscaler at the newest
 * pinned image tag). The autoscaler plans a managed node group's Auto Scaling group from its first
 * instance type (cluster-autoscaler/cloudprovider/aws/README.md at cluster-autoscaler-1.36.1, lines
 * 185-198 and 344-346), so config refuses types it does not know and types of different sizes.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { instanceTypeCatalogue, instanceTypeCatalogueUpdated, instanceTypeProblems, isArmInstanceType, nearestInstanceTypes, parseInstanceTypeCatalogue, standardAmiRefusal } from "../config/node-group";
import { CLUSTER_AUTOSCALER_IMAGE_TAGS } from "../lib/versions";
import { REPO_ROOT } from "../plan/engine";
import { planEntryPoints } from "./support/compiled";
import { skipProcesses } from "./support/timing";

const SKIP_PROCESSES = skipProcesses("tests/node-group-types.test.ts", "the run of npm run plan as a process of its own (its in-process twin runs)");

const VENDOR = join(REPO_ROOT, "vendor", "cluster-autoscaler");
const GO_SOURCE = readFileSync(join(VENDOR, "ec2_instance_types.go"), "utf8");
const show = (value: unknown): string => JSON.stringify(value);

describe("the vendored catalogue", () => {
    const source = readFileSync(join(VENDOR, "SOURCE.md"), "utf8");
    const section = source.slice(source.indexOf("# The autoscaler's EC2 instance type catalogue"));

    it("is the blob SOURCE.md names, copied at the newest pinned image's release tag", () => {
        const blob = /\| catalogue blob \| ([0-9a-f]{40}) \|/.exec(section)?.[1];
        const bytes = readFileSync(join(VENDOR, "ec2_instance_types.go"));
        expect(blob).toBe(createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex"));
        const newest = Object.values(CLUSTER_AUTOSCALER_IMAGE_TAGS).map((t) => t.replace(/^v/, "")).sort((a, b) => a.localeCompare(b, "en", { numeric: true })).at(-1);
        expect(section).toContain(`| tag | cluster-autoscaler-${newest} `);
    });

    it("reads every entry of the Go map, with the fields the file gives", () => {
        const catalogue = parseInstanceTypeCatalogue(GO_SOURCE);
        // Counted independently: each map key line of the generated file.
        expect(catalogue.size).toBe(GO_SOURCE.match(/^\t"[^"]+": \{$/gm)?.length);
        expect(catalogue.size).toBeGreaterThan(1000);
        // ec2_instance_types.go: "m6i.xlarge" VCPU 4, MemoryMb 16384, GPU 0, amd64; "m7g.large" 2, 8192, 0, arm64; "g5.xlarge" 4, 16384, 1, amd64.
        expect(catalogue.get("m6i.xlarge")).toEqual({ vcpu: 4, memoryMb: 16384, gpu: 0, architecture: "amd64" });
        expect(catalogue.get("m7g.large")).toEqual({ vcpu: 2, memoryMb: 8192, gpu: 0, architecture: "arm64" });
        expect(catalogue.get("g5.xlarge")).toEqual({ vcpu: 4, memoryMb: 16384, gpu: 1, architecture: "amd64" });
        expect(catalogue.has("m6i.xlarg")).toBe(false);
        // ec2_instance_types.go line 31: var StaticListLastUpdateTime = "2026-01-22" (also in SOURCE.md).
        expect(instanceTypeCatalogueUpdated()).toBe("2026-01-22");
    });

    it("refuses a copy whose layout it cannot read whole, rather than a shorter catalogue", () => {
        const changed = GO_SOURCE.replace('\t\tVCPU:         4,\n\t\tMemoryMb:     16384,', "\t\tVCPU: 4, MemoryMb: 16384,");
        expect(changed).not.toBe(GO_SOURCE);
        expect(() => parseInstanceTypeCatalogue(changed)).toThrow(/entries; the vendored file's layout changed/);
    });

    it("gives every type the architecture the former naming rule did (Graviton: a `g` after the generation digit, or a1), so the AMI choice is unchanged", () => {
        const byName = (t: string): boolean => /^([a-z]+\d+g[a-z]*|a1)\./.test(t);
        const disagree = [...instanceTypeCatalogue()].filter(([t, s]) => byName(t) !== (s.architecture === "arm64")).map(([t]) => t);
        expect(disagree).toEqual([]);
        expect(isArmInstanceType("m7g.large")).toBe(true);
        expect(isArmInstanceType("m6i.large")).toBe(false);
    });
});

describe("config refuses node group instance types the autoscaler would mis-plan or EKS would refuse", () => {
    it("suggests the nearest names for a misspelt type", () => {
        expect(nearestInstanceTypes("m6i.xlarg")[0]).toBe("m6i.xlarge");
        expect(instanceTypeProblems(["m6i.xlarg"], show)).toEqual([
            'launchpad:nodeGroup.instanceTypes[0]: received "m6i.xlarg"; expected an EC2 instance type in the catalogue of the Cluster Autoscaler (vendor/cluster-autoscaler/ec2_instance_types.go, updated 2026-01-22), such as "m6i.xlarge", "c6i.xlarge", "m6a.xlarge"',
        ]);
    });

    it("names both types and their sizes when vCPU or memory differ", () => {
        expect(instanceTypeProblems(["m6i.xlarge", "m6i.2xlarge"], show)).toEqual([
            'launchpad:nodeGroup.instanceTypes: received ["m6i.xlarge","m6i.2xlarge"]; expected instance types of one size, since the Cluster Autoscaler plans every node of a group as its first type (kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md): m6i.xlarge 4 vCPU, 16384 MiB but m6i.2xlarge 8 vCPU, 32768 MiB',
        ]);
        // Same vCPU, different memory (m7g.large 2 vCPU 8 GiB, c7g.large 2 vCPU 4 GiB).
        expect(instanceTypeProblems(["m7g.large", "c7g.large"], show)).toEqual([
            'launchpad:nodeGroup.instanceTypes: received ["m7g.large","c7g.large"]; expected instance types of one size, since the Cluster Autoscaler plans every node of a group as its first type (kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md): m7g.large 2 vCPU, 8192 MiB but c7g.large 2 vCPU, 4096 MiB',
        ]);
        expect(instanceTypeProblems(["m6i.xlarge", "m6a.xlarge", "m5.xlarge"], show)).toEqual([]);
    });

    // awsdocs/amazon-eks-user-guide latest/ug/nodes/choosing-instance-type.adoc lines 23-26 (mainline 4d52b4d):
    // no EKS AMI runs g5g or mac; non-accelerated ones not g3, g4, inf or p; AL2023 not A1. And no GPU type
    // (eks-optimized-ami.adoc: only accelerated AMIs have the NVIDIA driver; the autoscaler's template would
    // promise nvidia.com/gpu, aws_manager.go:285 at cluster-autoscaler-1.36.1).
    it.each([
        ["g5.xlarge", "g5.xlarge has 1 GPU and the node group's standard AMI has no NVIDIA driver"],
        ["g5g.xlarge", "EKS AMIs do not support the g5g and mac families"],
        ["mac2.metal", "EKS AMIs do not support the g5g and mac families"],
        ["a1.large", "AL2023, the node group's AMI, does not support A1 instances (Graviton2 or later only)"],
        ["inf2.xlarge", "non-accelerated EKS AMIs, the node group's, do not support the g3, g4, inf and p families"],
        ["p5.48xlarge", "non-accelerated EKS AMIs, the node group's, do not support the g3, g4, inf and p families"],
    ])("refuses %s, which the node group's standard AL2023 AMI does not run", (type, reason) => {
        expect(instanceTypeProblems([type], show)).toEqual([
            `launchpad:nodeGroup.instanceTypes[0]: received "${type}"; expected an instance type the node group's AMI (AL2023_*_STANDARD) runs: ${reason} (EKS user guide, choosing-instance-type.adoc)`,
        ]);
    });

    it("refuses no general-purpose type, nor a Graviton2-or-later one, nor trn (not in the guide's lists)", () => {
        const runnable = [...instanceTypeCatalogue()].filter(([t, s]) => standardAmiRefusal(t, s) === undefined).map(([t]) => t);
        expect(runnable).toEqual(expect.arrayContaining(["t3.large", "t4g.large", "m6i.xlarge", "m6a.2xlarge", "m7g.large", "c7gn.xlarge", "r8g.large", "trn1.2xlarge"]));
    });

    it("reports a mixed architecture once, not also as a size difference", () => {
        expect(instanceTypeProblems(["m7g.xlarge", "m6i.2xlarge"], show)).toEqual([
            'launchpad:nodeGroup.instanceTypes: received ["m7g.xlarge","m6i.2xlarge"]; expected instance types of one CPU architecture (all Graviton or none): a node group has one AMI type',
        ]);
    });

    it("passes the committed stacks' node groups and every type the policy pack allows", () => {
        const catalogue = instanceTypeCatalogue();
        for (const stack of ["staging", "production"]) {
            const file = parse(readFileSync(join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, { instanceTypes?: string[] } | undefined> };
            const types = file.config["launchpad:nodeGroup"]?.instanceTypes ?? ["t3.large"];
            expect({ stack, problems: instanceTypeProblems(types, show) }).toEqual({ stack, problems: [] });
            const policy = JSON.parse(readFileSync(join(REPO_ROOT, "policies", "config", `${stack}.json`), "utf8")) as { "instance-types-allowed": { nodeInstanceTypes: string[] } };
            const allowed = policy["instance-types-allowed"].nodeInstanceTypes;
            expect({ stack, unknown: allowed.filter((t) => !catalogue.has(t)) }).toEqual({ stack, unknown: [] });
        }
    });
});

describe("npm run plan: exit 2 with both problems on stderr and nothing on stdout", () => {
    const ARGS = ["--stack", "production", "--set", "launchpad:nodeGroup.instanceTypes=[m6i.xlarg, m6i.xlarge, m6i.2xlarge]"];
    const REFUSED = {
        status: 2,
        stdout: "",
        stderr:
            'Invalid configuration for stack "production" (2 problems):\n' +
            '  - launchpad:nodeGroup.instanceTypes[0]: received "m6i.xlarg"; expected an EC2 instance type in the catalogue of the Cluster Autoscaler (vendor/cluster-autoscaler/ec2_instance_types.go, updated 2026-01-22), such as "m6i.xlarge", "c6i.xlarge", "m6a.xlarge"\n' +
            '  - launchpad:nodeGroup.instanceTypes: received ["m6i.xlarg","m6i.xlarge","m6i.2xlarge"]; expected instance types of one size, since the Cluster Autoscaler plans every node of a group as its first type (kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md): m6i.xlarge 4 vCPU, 16384 MiB but m6i.2xlarge 8 vCPU, 32768 MiB\n',
    };

    it.for(planEntryPoints(SKIP_PROCESSES))("$entry", { timeout: 180_000 }, async ({ plan }) => {
        expect(await plan(ARGS)).toEqual(REFUSED);
    });
});
