/**
 * The pinned-versions tables agree with themselves and with the vendored files: the default cluster
 * version is in standard support on the day the pins were read, every add-on row is a calendar
 * version, chart pins are exact, and each vendored IAM policy is a policy document of the pinned version.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    CHART_VALUE_KEYS,
    CLUSTER_AUTOSCALER_IMAGE_TAGS,
    DEFAULT_KUBERNETES_VERSION,
    EKS_ADDON_NAMES,
    EKS_ADDON_UNVERIFIED,
    EKS_ADDON_VERSIONS,
    EKS_VERSIONS,
    HELM_CHARTS,
    KUBE_STATE_METRICS_CLIENT_GO,
    LOAD_BALANCER_CONTROLLER_CRD_FILES,
    ENGINE_IMAGES,
    RDS_MAJOR_VERSIONS,
    eksVersion,
    eksVersionsInStandardSupport,
    inStandardSupport,
    pinnedEngineMajors,
    pinnedKubernetesVersions,
    rdsMajorOf,
    rdsMajorsInStandardSupport,
    type EksVersion,
} from "../lib/versions";

/** The day the pins were read. */
const PINNED_ON = "2026-12-02";
const VENDOR = join(__dirname, "..", "vendor");
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const SEMVER = /^\d+\.\d+\.\d+$/;

describe("EKS_VERSIONS", () => {
    it("is the calendar newest first, with valid, ordered dates per row", () => {
        expect(EKS_VERSIONS.map((v) => v.version)).toEqual(["1.36", "1.35", "1.34", "1.33", "1.32", "1.31", "1.30", "1.29"]);
        for (const v of EKS_VERSIONS) {
            for (const day of [v.released, v.endOfStandardSupport, v.endOfExtendedSupport]) {
                expect(day).toMatch(ISO_DAY);
                expect(new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10)).toBe(day);
            }
            expect(v.released < v.endOfStandardSupport && v.endOfStandardSupport < v.endOfExtendedSupport).toBe(true);
        }
    });

    it("puts 1.35 and 1.36 in standard support on 2026-12-02, and not 1.34, whose standard support ends that day", () => {
        expect(eksVersionsInStandardSupport(PINNED_ON)).toEqual(["1.36", "1.35"]);
        expect(inStandardSupport(eksVersion("1.34") as EksVersion, "2026-12-01")).toBe(true);
        expect(inStandardSupport(eksVersion("1.34") as EksVersion, PINNED_ON)).toBe(false);
    });

    it.each([
        ["before release", "2026-06-01", false],
        ["on release day", "2026-06-02", true],
        ["the day before standard support ends", "2027-08-01", true],
        ["the day standard support ends", "2027-08-02", false],
    ])("inStandardSupport(1.36) %s (%s) is %s", (_what, on, expected) => {
        expect(inStandardSupport(eksVersion("1.36") as EksVersion, on)).toBe(expected);
    });

    it("knows no version EKS does not have", () => {
        expect(eksVersion("1.99")).toBeUndefined();
    });
});

describe("DEFAULT_KUBERNETES_VERSION", () => {
    it("is 1.36: the newest version in standard support on 2026-12-02 that the add-on table covers", () => {
        expect(DEFAULT_KUBERNETES_VERSION).toBe("1.36");
        expect(inStandardSupport(eksVersion(DEFAULT_KUBERNETES_VERSION) as EksVersion, PINNED_ON)).toBe(true);
        const covered = eksVersionsInStandardSupport(PINNED_ON).filter((v) => v in EKS_ADDON_VERSIONS);
        expect(covered[0]).toBe(DEFAULT_KUBERNETES_VERSION);
        expect(DEFAULT_KUBERNETES_VERSION in CLUSTER_AUTOSCALER_IMAGE_TAGS).toBe(true);
    });
});

describe("EKS_ADDON_VERSIONS", () => {
    it("has a row for every version in standard support on 2026-12-02, and every row is a calendar version", () => {
        expect(Object.keys(EKS_ADDON_VERSIONS).sort()).toEqual(eksVersionsInStandardSupport(PINNED_ON).sort());
        for (const version of Object.keys(EKS_ADDON_VERSIONS)) {
            expect(eksVersion(version)).toBeDefined();
        }
    });

    it("names all four add-ons per row; every value not listed as unverified is an exact EKS add-on version", () => {
        for (const [version, row] of Object.entries(EKS_ADDON_VERSIONS)) {
            expect(Object.keys(row).sort()).toEqual([...EKS_ADDON_NAMES].sort());
            for (const addon of EKS_ADDON_NAMES) {
                const unverified = EKS_ADDON_UNVERIFIED.some((u) => u.version === version && u.addon === addon);
                expect(row[addon]).toMatch(unverified ? /^v\d+\.\d+\.\d+(-eksbuild\.\d+)?$/ : /^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
            }
        }
    });

    it("pins kube-proxy to the cluster's own minor", () => {
        for (const [version, row] of Object.entries(EKS_ADDON_VERSIONS)) {
            expect(row["kube-proxy"].startsWith(`v${version}.`)).toBe(true);
        }
    });

    it("lists unverified entries only for rows and add-ons the table has", () => {
        for (const u of EKS_ADDON_UNVERIFIED) {
            expect(EKS_ADDON_VERSIONS[u.version]?.[u.addon]).toBeDefined();
            expect(u.reason.length).toBeGreaterThan(0);
        }
    });
});

describe("CLUSTER_AUTOSCALER_IMAGE_TAGS", () => {
    it("has a tag of the cluster's own minor for every add-on table row", () => {
        expect(Object.keys(CLUSTER_AUTOSCALER_IMAGE_TAGS).sort()).toEqual(Object.keys(EKS_ADDON_VERSIONS).sort());
        for (const [minor, tag] of Object.entries(CLUSTER_AUTOSCALER_IMAGE_TAGS)) {
            expect(tag).toMatch(new RegExp(`^v${minor.replace(".", "\\.")}\\.\\d+$`));
        }
    });
});

describe("HELM_CHARTS", () => {
    it.each(Object.entries(HELM_CHARTS))("%s is pinned to an exact version of an https repository, with its source", (_name, pin) => {
        expect(pin.version).toMatch(SEMVER);
        expect(pin.appVersion).toMatch(/^v?\d+\.\d+\.\d+$/);
        expect(pin.repo).toMatch(/^https:\/\//);
        expect(pin.source.length).toBeGreaterThan(0);
    });

    it("pins the exact charts asked for", () => {
        expect(Object.fromEntries(Object.entries(HELM_CHARTS).map(([k, p]) => [k, [p.repo, p.chart, p.version, p.appVersion]]))).toEqual({
            awsLoadBalancerController: ["https://aws.github.io/eks-charts", "aws-load-balancer-controller", "3.5.0", "v3.5.0"],
            metricsServer: ["https://kubernetes-sigs.github.io/metrics-server/", "metrics-server", "3.13.1", "0.8.1"],
            clusterAutoscaler: ["https://kubernetes.github.io/autoscaler", "cluster-autoscaler", "9.59.0", "1.35.0"],
            fluentBit: ["https://aws.github.io/eks-charts", "aws-for-fluent-bit", "0.2.0", "3.2.1"],
            kubeStateMetrics: ["https://prometheus-community.github.io/helm-charts", "kube-state-metrics", "8.4.0", "2.20.0"],
            pushgateway: ["https://prometheus-community.github.io/helm-charts", "prometheus-pushgateway", "2.15.0", "v1.10.0"],
        });
    });

    it("documents the values keys of every pinned chart", () => {
        expect(Object.keys(CHART_VALUE_KEYS).sort()).toEqual(Object.keys(HELM_CHARTS).sort());
        expect(CHART_VALUE_KEYS.clusterAutoscaler.serviceAccountAnnotations).toBe("rbac.serviceAccount.annotations");
    });
});

describe("kube-state-metrics and the clusters Launchpad builds", () => {
    const minor = (v: string): number => Number(v.split(".")[1]);
    const clientGo = KUBE_STATE_METRICS_CLIENT_GO[HELM_CHARTS.kubeStateMetrics.appVersion];

    // kube-state-metrics README "Compatibility matrix" (v2.20.0): the supported cluster is client-go's.
    it("the pinned release is built with the client-go of the default minor", () => {
        expect(clientGo).toBe(DEFAULT_KUBERNETES_VERSION);
    });

    // client-go README "Compatibility matrix": a client newer than the cluster is the "+" case (common
    // APIs work); an older client cannot see the cluster's newer APIs. One minor ahead at most.
    it.each(pinnedKubernetesVersions())("a %s cluster: client-go is the same minor or one newer", (version) => {
        expect(minor(clientGo) - minor(version)).toBeGreaterThanOrEqual(0);
        expect(minor(clientGo) - minor(version)).toBeLessThanOrEqual(1);
    });
});

/** Git's blob id of a file, as SOURCE.md records it for a verbatim copy. */
function gitBlobId(bytes: Buffer): string {
    return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

describe("vendored chart files", () => {
    // Every pinned chart is vendored: the directory is the chart's name.
    it.each(Object.entries(HELM_CHARTS))("%s: Chart.yaml is the pinned version, and both copies are the blobs SOURCE.md names, at the commit the pin names", (_key, pin) => {
        const dir = pin.chart;
        const chart = parse(readFileSync(join(VENDOR, dir, "Chart.yaml"), "utf8")) as { name: string; version: string; appVersion: string };
        expect([chart.name, chart.version, String(chart.appVersion)]).toEqual([pin.chart, pin.version, pin.appVersion]);
        const source = readFileSync(join(VENDOR, dir, "SOURCE.md"), "utf8");
        const commit = /\b([0-9a-f]{40})\b/.exec(pin.source)?.[1];
        expect(commit).toBeDefined();
        expect(source).toContain(`| commit | ${commit} |`);
        const blobs = /\| blob \| Chart\.yaml ([0-9a-f]{40}), values\.yaml ([0-9a-f]{40}) \|/.exec(source);
        expect(blobs?.slice(1)).toEqual(["Chart.yaml", "values.yaml"].map((f) => gitBlobId(readFileSync(join(VENDOR, dir, f)))));
    });

    it.each([
        ["kube-state-metrics", HELM_CHARTS.kubeStateMetrics],
        ["prometheus-pushgateway", HELM_CHARTS.pushgateway],
        ["metrics-server", HELM_CHARTS.metricsServer],
    ] as const)("%s: SOURCE.md names the tag the pin names", (dir, pin) => {
        const tag = /@ (\S+) \(/.exec(pin.source)?.[1];
        expect(readFileSync(join(VENDOR, dir, "SOURCE.md"), "utf8")).toContain(`| tag | ${tag} |`);
    });

    it("aws-load-balancer-controller: templates/webhook.yaml is the blob SOURCE.md names, at the pinned chart's commit", () => {
        const source = readFileSync(join(VENDOR, "aws-load-balancer-controller", "SOURCE.md"), "utf8");
        const section = source.slice(source.indexOf("# The chart's webhook template"));
        expect(section).toContain(`| commit | ${/\b([0-9a-f]{40})\b/.exec(HELM_CHARTS.awsLoadBalancerController.source)?.[1] ?? "?"} |`);
        expect(/\| template blob \| ([0-9a-f]{40}) \|/.exec(section)?.[1]).toBe(gitBlobId(readFileSync(join(VENDOR, "aws-load-balancer-controller", "templates", "webhook.yaml"))));
    });

    // The CRDs Launchpad applies (components/platform.ts) are the chart's own at the pinned version:
    // a pin that moves without them fails here, since the table names the pin's commit and version.
    it("aws-load-balancer-controller: crds/*.yaml are the blobs SOURCE.md names, at the pinned chart's commit and version, and every file there is applied", () => {
        const pin = HELM_CHARTS.awsLoadBalancerController;
        const source = readFileSync(join(VENDOR, "aws-load-balancer-controller", "SOURCE.md"), "utf8");
        const section = source.slice(source.indexOf("# The chart's CRDs"));
        expect(section).toContain(`| commit | ${/\b([0-9a-f]{40})\b/.exec(pin.source)?.[1] ?? "?"} |`);
        expect(section).toContain(`| chart version | ${pin.version} |`);
        const blobs = Object.fromEntries([...(/\| crd blobs \| (.+) \|/.exec(section)?.[1] ?? "").matchAll(/([\w.-]+\.yaml) ([0-9a-f]{40})/g)].map((m) => [m[1], m[2]]));
        const files = readdirSync(join(VENDOR, "aws-load-balancer-controller", "crds")).sort();
        expect(Object.keys(blobs).sort()).toEqual(files);
        expect([...LOAD_BALANCER_CONTROLLER_CRD_FILES].sort()).toEqual(files);
        for (const file of files) {
            expect(gitBlobId(readFileSync(join(VENDOR, "aws-load-balancer-controller", "crds", file)))).toBe(blobs[file]);
        }
    });

    // kubernetes/autoscaler cluster-autoscaler/config/flags/flags.go at each image's release tag.
    it.each(Object.values(CLUSTER_AUTOSCALER_IMAGE_TAGS))("cluster-autoscaler %s: flags.go is the blob SOURCE.md names for that release", (tag) => {
        const release = tag.replace(/^v/, "");
        const source = readFileSync(join(VENDOR, "cluster-autoscaler", "SOURCE.md"), "utf8");
        const row = new RegExp(`^\\| ${release.replace(/\./g, "\\.")} \\| [0-9a-f]{40} \\| ([0-9a-f]{40}) \\|`, "m").exec(source);
        expect(row?.[1]).toBe(gitBlobId(readFileSync(join(VENDOR, "cluster-autoscaler", `flags-${release}.go`))));
    });
});

describe("RDS_MAJOR_VERSIONS", () => {
    it("has MySQL 8.4 and PostgreSQL 17 in standard support on 2026-12-02, and not MySQL 8.0", () => {
        expect(rdsMajorsInStandardSupport("mysql", PINNED_ON)).toEqual(["8.4"]);
        expect(rdsMajorsInStandardSupport("postgres", PINNED_ON)).toEqual(["18", "17", "16", "15", "14"]);
        for (const m of RDS_MAJOR_VERSIONS) {
            expect(m.endOfStandardSupport).toMatch(ISO_DAY);
        }
    });

    it.each([
        ["mysql", "8.4", "8.4"],
        ["mysql", "8.4.7", "8.4"],
        ["postgres", "17", "17"],
        ["postgres", "17.6", "17"],
    ] as const)("rdsMajorOf(%s, %s) is %s", (engine, version, major) => {
        expect(rdsMajorOf(engine, version)).toBe(major);
    });
});

describe("ENGINE_IMAGES (the logical backups' dump and verify images)", () => {
    it.each(["mysql", "postgres"] as const)("has an image for every %s major in RDS standard support on 2026-12-02", (engine) => {
        expect(rdsMajorsInStandardSupport(engine, PINNED_ON).filter((m) => !pinnedEngineMajors(engine).includes(m))).toEqual([]);
    });

    // The official image's manifest at the pinned commit (vendor/docker-official-images/SOURCE.md):
    // each major's default entry is "Tags: <newest release>, <major>, ...". The newest release is the
    // one without the dump and restore CVEs lib/versions.ts names (CVE-2026-18408: before 18.6, 17.11,
    // 16.15, 15.19 and 14.24).
    it("pins each PostgreSQL major to the newest release the vendored library/postgres manifest tags", () => {
        const manifest = readFileSync(join(VENDOR, "docker-official-images", "library-postgres"), "utf8");
        expect(createHash("sha1").update(`blob ${Buffer.byteLength(manifest)}\0${manifest}`).digest("hex")).toBe("a0ea15898a5613224d0409c62f017aec00c5c2f3");
        const newest = Object.fromEntries([...manifest.matchAll(/^Tags: (\d+)\.(\d+), \1,/gm)].map((m) => [m[1], `${m[1]}.${m[2]}`]));
        expect(newest).toEqual({ "18": "18.6", "17": "17.11", "16": "16.15", "15": "15.19", "14": "14.24" });
        expect(ENGINE_IMAGES.postgres).toEqual(Object.fromEntries(Object.keys(ENGINE_IMAGES.postgres).map((major) => [major, `public.ecr.aws/docker/library/postgres:${newest[major]}`])));
    });
});

/** A JSON IAM policy document: version 2012-10-17, every statement with Effect, Action and Resource. */
function expectPolicyDocument(doc: unknown): void {
    const policy = doc as { Version?: unknown; Statement?: unknown };
    expect(policy.Version).toBe("2012-10-17");
    expect(Array.isArray(policy.Statement)).toBe(true);
    const statements = policy.Statement as Record<string, unknown>[];
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
        expect(["Allow", "Deny"]).toContain(s.Effect);
        const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
        expect(actions.length).toBeGreaterThan(0);
        for (const a of actions) {
            expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z0-9*]+$/);
        }
        const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
        expect(resources.length).toBeGreaterThan(0);
        for (const r of resources) {
            expect(typeof r).toBe("string");
        }
    }
}

describe("vendored IAM policies", () => {
    it.each([
        ["aws-load-balancer-controller", `Version: ${HELM_CHARTS.awsLoadBalancerController.appVersion}`, `| tag | ${HELM_CHARTS.awsLoadBalancerController.appVersion} |`],
        ["cluster-autoscaler", `Version: ${HELM_CHARTS.clusterAutoscaler.version}`, `| tag | cluster-autoscaler-chart-${HELM_CHARTS.clusterAutoscaler.version} |`],
    ])("%s: a valid policy document whose SOURCE.md names the pinned version", (dir, versionLine, tagRow) => {
        expectPolicyDocument(JSON.parse(readFileSync(join(VENDOR, dir, "iam-policy.json"), "utf8")));
        const source = readFileSync(join(VENDOR, dir, "SOURCE.md"), "utf8");
        expect(source).toContain(versionLine);
        expect(source).toContain(tagRow);
        expect(source).toMatch(/\| commit \| [0-9a-f]{40} \|/);
    });

    it("the load balancer controller policy is the published one: 16 statements, starting with the ELB service-linked role", () => {
        const policy = JSON.parse(readFileSync(join(VENDOR, "aws-load-balancer-controller", "iam-policy.json"), "utf8")) as { Statement: { Action: string[] }[] };
        expect(policy.Statement).toHaveLength(16);
        expect(policy.Statement[0].Action).toEqual(["iam:CreateServiceLinkedRole"]);
    });

    it("the autoscaler policy is the auto-discovery one: describe actions, then the two scaling actions", () => {
        const policy = JSON.parse(readFileSync(join(VENDOR, "cluster-autoscaler", "iam-policy.json"), "utf8")) as { Statement: { Action: string[] }[] };
        expect(policy.Statement.map((s) => s.Action.length)).toEqual([9, 2]);
        expect(policy.Statement[1].Action).toEqual(["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"]);
    });
});

describe("vendored GitHub action metadata (the workflows' `with:` keys are checked against it in tests/workflows-actions.test.ts)", () => {
    it.each(["actions-checkout", "actions-setup-node", "aws-actions-configure-aws-credentials", "pulumi-actions"])("%s: action.yml is the blob SOURCE.md names, at the tag and commit it names", (dir) => {
        const source = readFileSync(join(VENDOR, dir, "SOURCE.md"), "utf8");
        expect(source).toMatch(/\| tag \| v\d+\.\d+\.\d+ \|/);
        expect(source).toMatch(/\| commit \| [0-9a-f]{40} \|/);
        expect(/\| blob \| ([0-9a-f]{40}) \|/.exec(source)?.[1]).toBe(gitBlobId(readFileSync(join(VENDOR, dir, "action.yml"))));
    });
});

describe("vendored dependabot.yml schema (tests/dependabot.test.ts validates .github/dependabot.yml with it)", () => {
    it("dependabot-2.0.json is the blob SOURCE.md names, at the SchemaStore commit it names", () => {
        const source = readFileSync(join(VENDOR, "dependabot-schema", "SOURCE.md"), "utf8");
        expect(source).toMatch(/\| commit \| [0-9a-f]{40} \|/);
        expect(source).toContain("| path | src/schemas/json/dependabot-2.0.json |");
        expect(/\| blob \| ([0-9a-f]{40}) \|/.exec(source)?.[1]).toBe(gitBlobId(readFileSync(join(VENDOR, "dependabot-schema", "dependabot-2.0.json"))));
    });
});
