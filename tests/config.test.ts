/**
 * Config validation, end to end: malformed stack config is refused by `npm run plan` (the real
 * `planCli`, in-process) with exit code 2, every problem on stderr in the form
 * `<key>: received <value>; expected <what is allowed>`, nothing on stdout, nothing registered,
 * and no secret value ever echoed.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ConfigError } from "../config";
import { REPO_ROOT, runPlan, type Plan } from "../plan/engine";
import { renderJson, renderTree } from "../plan/render";
import { SECRET_PLACEHOLDER } from "../plan/stack-config";
import type { CliResult } from "../scripts/plan";
import { REQUIRED_CONFIG } from "./support/project";
import { planWithSets, refused } from "./support/config";
import { accessPrincipalSets, govCloudSets } from "./support/plan";

/** `npm run plan -- --stack <stack> --set <a> --set <b> ...`, in-process. */
const plan = (stack: string, ...sets: string[]): Promise<CliResult> => planWithSets(stack, sets);

const roots: string[] = [];
afterAll(() => {
    for (const root of roots) {
        rmSync(root, { recursive: true, force: true });
    }
});

/** A project dir with the repository's Pulumi.yaml and a `Pulumi.<stack>.yaml` holding `config`. */
function project(stack: string, config: Record<string, unknown>): string {
    const root = mkdtempSync(join(tmpdir(), "launchpad-config-test-"));
    roots.push(root);
    copyFileSync(join(REPO_ROOT, "Pulumi.yaml"), join(root, "Pulumi.yaml"));
    writeFileSync(join(root, `Pulumi.${stack}.yaml`), stringify({ config }));
    return root;
}

/** The required keys of a valid staging stack; every other key takes its Pulumi.yaml default. */
const REQUIRED = REQUIRED_CONFIG;

/** The ConfigError a plan of `root`'s stack `s` is refused with. */
async function configErrorOf(root: string): Promise<ConfigError> {
    const error: unknown = await runPlan({ stack: "s", root }).catch((e: unknown) => e);
    if (!(error instanceof ConfigError)) {
        throw new Error(`expected a ConfigError, got ${String(error)}`);
    }
    return error;
}

const ALLOWED_KEYS = "launchpad:tier, launchpad:drRegion, launchpad:namePrefix, launchpad:network, launchpad:cluster, launchpad:nodeGroup, launchpad:database, launchpad:backup, launchpad:observability, launchpad:alerting, launchpad:tags, launchpad:services, launchpad:activeColor, launchpad:promotion, launchpad:releaseIdKey";

describe("npm run plan refuses malformed config with exit code 2 and one exact message", () => {
    it("prints the header naming the stack and counting the problems, then the problem", async () => {
        expect(await plan("staging", "launchpad:network.azCount=three")).toEqual({
            code: 2,
            stdout: "",
            stderr: 'Invalid configuration for stack "staging" (1 problem):\n  - launchpad:network.azCount: received "three"; expected a number\n',
        });
    });

    it("names the production stack and says why a single NAT gateway is refused there", async () => {
        expect(await plan("production", "launchpad:network.natGateways=single")).toEqual({
            code: 2,
            stdout: "",
            stderr:
                'Invalid configuration for stack "production" (1 problem):\n' +
                '  - launchpad:network.natGateways: received "single"; expected "perAz" in a production stack: one NAT gateway per AZ keeps egress up when a zone fails\n',
        });
    });

    it("tells how to store a plain-text kubeconfig as a secret, without echoing it", async () => {
        expect(await plan("staging", "launchpad:cluster.kubeconfig=plain-text-kubeconfig", "launchpad:observability.prometheusUrl=https://prometheus.example.com")).toEqual({
            code: 2,
            stdout: "",
            stderr:
                'Invalid configuration for stack "staging" (1 problem):\n' +
                "  - launchpad:cluster.kubeconfig: received a plain-text value; expected a secret: set it with `pulumi config set --secret --path launchpad:cluster.kubeconfig < kubeconfig.yaml`\n",
        });
    });

    it.each([
        {
            name: "wrong type: azCount is not a number",
            stack: "production",
            sets: ["launchpad:network.azCount=three"],
            problem: 'launchpad:network.azCount: received "three"; expected a number',
        },
        {
            name: "wrong type: azCount is not a whole number",
            stack: "staging",
            sets: ["launchpad:network.azCount=2.5"],
            problem: "launchpad:network.azCount: received 2.5; expected an integer",
        },
        {
            name: "wrong type: a whole object key set to a string",
            stack: "staging",
            sets: ["launchpad:network=single"],
            problem: 'launchpad:network: received "single"; expected an object (a YAML mapping)',
        },
        {
            name: "wrong type: an unquoted Kubernetes version is a YAML number",
            stack: "staging",
            sets: ["launchpad:cluster.version=1.30"],
            problem: 'launchpad:cluster.version: received 1.3; expected a string such as "1.36" (quote it: unquoted YAML reads 1.30 as the number 1.3)',
        },
        {
            name: "out of range: azCount above 6",
            stack: "staging",
            sets: ["launchpad:network.azCount=7"],
            problem: "launchpad:network.azCount: received 7; expected a number <= 6",
        },
        {
            name: "out of range: azCount below 2",
            stack: "staging",
            sets: ["launchpad:network.azCount=1"],
            problem: "launchpad:network.azCount: received 1; expected a number >= 2",
        },
        {
            name: "out of range: a disk below 20 GB",
            stack: "staging",
            sets: ["launchpad:nodeGroup.diskSizeGb=10"],
            problem: "launchpad:nodeGroup.diskSizeGb: received 10; expected a number >= 20",
        },
        {
            name: "out of range: no instance type at all",
            stack: "staging",
            sets: ["launchpad:nodeGroup.instanceTypes=[]"],
            problem: "launchpad:nodeGroup.instanceTypes: received []; expected a list of at least 1 item",
        },
        {
            name: "unknown enum value: tier",
            stack: "production",
            sets: ["launchpad:tier=prod"],
            problem: 'launchpad:tier: received "prod"; expected one of "staging", "production"',
        },
        {
            name: "unknown enum value: capacityType in the wrong case",
            stack: "staging",
            sets: ["launchpad:nodeGroup.capacityType=spot"],
            problem: 'launchpad:nodeGroup.capacityType: received "spot"; expected one of "ON_DEMAND", "SPOT"',
        },
        {
            name: "unknown enum value: natGateways",
            stack: "staging",
            sets: ["launchpad:network.natGateways=none"],
            problem: 'launchpad:network.natGateways: received "none"; expected one of "single", "perAz"',
        },
        {
            name: "unknown enum value: a control-plane log type, named by its index",
            stack: "staging",
            sets: ["launchpad:cluster.logTypes=[api, kubelet]"],
            problem: 'launchpad:cluster.logTypes[1]: received "kubelet"; expected one of "api", "audit", "authenticator", "controllerManager", "scheduler"',
        },
        {
            name: "bad CIDR: not a CIDR",
            stack: "staging",
            sets: ["launchpad:network.cidr=banana"],
            problem: 'launchpad:network.cidr: received "banana"; expected an IPv4 CIDR such as "10.20.0.0/16"',
        },
        {
            name: "bad CIDR: host bits set",
            stack: "staging",
            sets: ["launchpad:network.cidr=10.20.1.0/16"],
            problem: 'launchpad:network.cidr: received "10.20.1.0/16"; expected an IPv4 CIDR with its network address (host bits zero), such as "10.20.0.0/16"',
        },
        {
            name: "bad CIDR: a public range",
            stack: "staging",
            sets: ["launchpad:network.cidr=8.8.0.0/16"],
            problem: 'launchpad:network.cidr: received "8.8.0.0/16"; expected a private (RFC 1918) block of size /16 to /20',
        },
        {
            name: "bad CIDR: a /24 is too small for the subnets",
            stack: "staging",
            sets: ["launchpad:network.cidr=10.20.0.0/24"],
            problem: 'launchpad:network.cidr: received "10.20.0.0/24"; expected a private (RFC 1918) block of size /16 to /20',
        },
        {
            name: "bad CIDR: an API endpoint CIDR with host bits set, named by its index",
            stack: "production",
            sets: ["launchpad:cluster.endpointPublicAccessCidrs[0]=203.0.113.1/24"],
            problem: 'launchpad:cluster.endpointPublicAccessCidrs[0]: received "203.0.113.1/24"; expected an IPv4 CIDR with its network address (host bits zero), such as "203.0.113.0/24"',
        },
        {
            name: "bad region name",
            stack: "staging",
            sets: ["aws:region=mars"],
            problem: 'aws:region: received "mars"; expected an AWS region name such as "us-east-1" (one the AWS provider knows: the Region list of @pulumi/aws)',
        },
        {
            name: "DR region equal to aws:region",
            stack: "production",
            sets: ["launchpad:drRegion=us-east-1"],
            problem: 'launchpad:drRegion: received "us-east-1"; expected a region other than aws:region ("us-east-1"): a disaster-recovery copy in the same region is not off-site',
        },
        {
            name: "nodeGroup minSize above maxSize",
            stack: "staging",
            sets: ["launchpad:nodeGroup.minSize=6"],
            problem: "launchpad:nodeGroup.minSize: received 6; expected a number <= launchpad:nodeGroup.maxSize (4)",
        },
        {
            name: "nodeGroup desiredSize above maxSize",
            stack: "staging",
            sets: ["launchpad:nodeGroup.desiredSize=10"],
            problem: "launchpad:nodeGroup.desiredSize: received 10; expected a number from launchpad:nodeGroup.minSize (2) to launchpad:nodeGroup.maxSize (4)",
        },
        {
            name: "nodeGroup desiredSize below minSize",
            stack: "production",
            sets: ["launchpad:nodeGroup.desiredSize=0"],
            problem: "launchpad:nodeGroup.desiredSize: received 0; expected a number from launchpad:nodeGroup.minSize (3) to launchpad:nodeGroup.maxSize (12)",
        },
        {
            name: "nodeGroup total that one node group per zone cannot split evenly",
            stack: "production",
            sets: ["launchpad:nodeGroup.maxSize=10"],
            problem: "launchpad:nodeGroup.maxSize: received 10; expected a multiple of launchpad:network.azCount (3): the total is split evenly over one node group per zone",
        },
        {
            name: "production nodeGroup without a node in every zone",
            stack: "production",
            sets: ["launchpad:nodeGroup.minSize=0", "launchpad:nodeGroup.desiredSize=0"],
            problem: "launchpad:nodeGroup.minSize: received 0; expected at least 3 in this tier (1 node per zone, launchpad:network.azCount 3)",
        },
        {
            name: "Graviton and x86 instance types mixed in one node group",
            stack: "production",
            sets: ["launchpad:nodeGroup.instanceTypes=[m7g.xlarge, m6i.xlarge]"],
            problem: 'launchpad:nodeGroup.instanceTypes: received ["m7g.xlarge","m6i.xlarge"]; expected instance types of one CPU architecture (all Graviton or none): a node group has one AMI type',
        },
        {
            name: "a reserved tag key",
            stack: "staging",
            sets: ["launchpad:tags.Name=web"],
            problem: 'launchpad:tags.Name: received "web"; expected no such tag: Launchpad sets project, environment, managed-by, Name itself',
        },
        {
            name: "a tag value that is not a string",
            stack: "staging",
            sets: ["launchpad:tags.owner=5"],
            problem: "launchpad:tags.owner: received 5; expected a string",
        },
        {
            name: "an empty tag key, reported as the key, not as its value",
            stack: "staging",
            sets: ["launchpad:tags={'': platform}"],
            problem: 'launchpad:tags: received the key ""; expected a non-empty key of at most 128 characters',
        },
        {
            name: "an unknown field inside an object (a typo)",
            stack: "staging",
            sets: ["launchpad:nodeGroup.maxsize=5"],
            problem: "launchpad:nodeGroup.maxsize: received 5; expected no such field (allowed: instanceTypes, minSize, desiredSize, maxSize, diskSizeGb, capacityType)",
        },
        {
            name: "an unknown top-level launchpad key",
            stack: "staging",
            sets: ["launchpad:natGateways=perAz"],
            problem: `launchpad:natGateways: received "perAz"; expected no such key (allowed: ${ALLOWED_KEYS})`,
        },
        {
            name: "a kubeconfig that is a mapping, not a string: its value is not echoed",
            stack: "staging",
            sets: ["launchpad:cluster.kubeconfig={token: abc123}"],
            problem: "launchpad:cluster.kubeconfig: received [secret]; expected a string",
        },
        {
            name: "a Kubernetes version out of EKS standard support",
            stack: "production",
            sets: ["launchpad:cluster.version='1.29'"],
            problem: 'launchpad:cluster.version: received "1.29"; expected a version in EKS standard support on 2026-12-02: "1.36" or "1.35" (1.29 left EKS standard support on 2025-03-23: under upgradePolicy STANDARD, EKS upgrades it on its own)',
        },
        {
            name: "a Kubernetes version that is not a minor version",
            stack: "staging",
            sets: ["launchpad:cluster.version='1.33.2'"],
            problem: 'launchpad:cluster.version: received "1.33.2"; expected a Kubernetes minor version such as "1.36"',
        },
        {
            name: "a namespace that is not a DNS-1123 label",
            stack: "staging",
            sets: ["launchpad:cluster.namespace=Web_App"],
            problem: "launchpad:cluster.namespace: received \"Web_App\"; expected a DNS-1123 label (lower-case letters, digits, '-')",
        },
    ])("$name", async ({ stack, sets, problem }) => {
        expect(await plan(stack, ...sets)).toEqual(refused(stack, problem));
    });

    it("reports a missing required key as not set", async () => {
        const withoutTier = { "aws:region": REQUIRED["aws:region"], "launchpad:drRegion": REQUIRED["launchpad:drRegion"], "launchpad:cluster": REQUIRED["launchpad:cluster"], "launchpad:services": REQUIRED["launchpad:services"] };
        const error = await configErrorOf(project("s", withoutTier));
        expect(error.message).toBe(
            'Invalid configuration for stack "s" (1 problem):\n  - launchpad:tier: received nothing (the key is not set); expected one of "staging", "production"',
        );
    });
});

describe("one run reports every problem at once", () => {
    it("lists unknown keys, then each key's problems in schema order, then the cross-field rules", async () => {
        const result = await plan(
            "production",
            "launchpad:tier=prod",
            "launchpad:network.azCount=three",
            "launchpad:network.cidr=10.10.0.0/24",
            "launchpad:drRegion=us-east-1",
            "launchpad:cluster.version='1.28'",
            "launchpad:cluster.endpointPublicAcessCidrs=[]",
            "launchpad:nodeGroup.minSize=20",
            "launchpad:nodeGroup.instanceTypes=[m7g.xlarge, m6i.xlarge]",
            "launchpad:tags.Name=web",
            "launchpad:dbSize=large",
        );
        expect(result).toEqual({
            code: 2,
            stdout: "",
            stderr: [
                'Invalid configuration for stack "production" (10 problems):',
                `  - launchpad:dbSize: received "large"; expected no such key (allowed: ${ALLOWED_KEYS})`,
                '  - launchpad:tier: received "prod"; expected one of "staging", "production"',
                '  - launchpad:network.cidr: received "10.10.0.0/24"; expected a private (RFC 1918) block of size /16 to /20',
                '  - launchpad:network.azCount: received "three"; expected a number',
                "  - launchpad:cluster.endpointPublicAcessCidrs: received []; expected no such field (allowed: version, endpointAccess, endpointPublicAccessCidrs, access, logTypes, namespace, kubeconfig, provides)",
                '  - launchpad:cluster.version: received "1.28"; expected a version in EKS standard support on 2026-12-02: "1.36" or "1.35" (EKS offers no Kubernetes 1.28: its calendar lists 1.36, 1.35, 1.34, 1.33, 1.32, 1.31, 1.30, 1.29)',
                '  - launchpad:drRegion: received "us-east-1"; expected a region other than aws:region ("us-east-1"): a disaster-recovery copy in the same region is not off-site',
                "  - launchpad:nodeGroup.minSize: received 20; expected a number <= launchpad:nodeGroup.maxSize (12)",
                '  - launchpad:nodeGroup.instanceTypes: received ["m7g.xlarge","m6i.xlarge"]; expected instance types of one CPU architecture (all Graviton or none): a node group has one AMI type',
                '  - launchpad:tags.Name: received "web"; expected no such tag: Launchpad sets project, environment, managed-by, Name itself',
                "",
            ].join("\n"),
        });
    });

    it("runs each cross-field rule whose key parsed, and skips the one whose key did not", async () => {
        const error = await configErrorOf(
            project("s", {
                ...REQUIRED,
                "launchpad:tier": "production",
                "launchpad:network": { natGateways: "single", azCount: 9 },
                "launchpad:nodeGroup": { minSize: 5, maxSize: 3 },
            }),
        );
        expect(error.problems).toEqual([
            "launchpad:network.azCount: received 9; expected a number <= 6",
            "launchpad:nodeGroup.minSize: received 5; expected a number <= launchpad:nodeGroup.maxSize (3)",
            // The tier's paging rule parsed too: production evaluates its alerts in Grafana.
            "grafana:url: received nothing (the key is not set); expected the Grafana server's URL in a production stack, which must page: its alert rules are evaluated by Grafana only, so without it no alert fires: set it with `pulumi config set grafana:url <https URL> --stack s`",
        ]);
    });
});

describe("an invalid config registers nothing", () => {
    it("validates before the program runs: the program is never called", async () => {
        let calls = 0;
        const program = (): Record<string, unknown> => {
            calls += 1;
            return {};
        };
        await expect(runPlan({ stack: "staging", sets: ["launchpad:network.azCount=7"], program })).rejects.toThrow(ConfigError);
        expect(calls).toBe(0);
    });

    it("calls the same program once when the config is valid (the check above can fail)", async () => {
        let calls = 0;
        const program = (): Record<string, unknown> => {
            calls += 1;
            return {};
        };
        const result = await runPlan({ stack: "staging", program });
        expect(calls).toBe(1);
        expect(result.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
    });

    it("prints no plan on stdout: the same override one zone's share inside the bounds prints the whole plan", async () => {
        const valid = await plan("production", "launchpad:nodeGroup.desiredSize=12");
        expect(valid.code).toBe(0);
        expect(valid.stdout.split("\n")[0]).toMatch(/^Offline plan for launchpad\/production: \d+ resources /);
        expect(await plan("production", "launchpad:nodeGroup.desiredSize=15")).toEqual(
            refused("production", "launchpad:nodeGroup.desiredSize: received 15; expected a number from launchpad:nodeGroup.minSize (3) to launchpad:nodeGroup.maxSize (12)"),
        );
    });
});

describe("secrets", () => {
    const SECURE = { secure: "v1:abc" };

    /** Every rendering of the plan: the engine's record, the tree and the --json document. */
    function renderings(p: Plan): string[] {
        return [JSON.stringify(p), renderTree(p), renderJson(p)];
    }

    it("accepts a kubeconfig held as a secure value and never shows it in the plan", async () => {
        const result = await runPlan({ stack: "s", root: project("s", { ...REQUIRED, "launchpad:cluster": { kubeconfig: SECURE } }) });
        const provider = result.resources.filter((r) => r.type === "pulumi:providers:kubernetes");
        expect(provider.map((r) => r.inputs.kubeconfig)).toEqual(["[secret]"]);
        for (const text of renderings(result)) {
            expect(text).not.toContain("v1:abc");
            expect(text).not.toContain(SECRET_PLACEHOLDER);
        }
    });

    it.each([
        {
            name: "a secret where an object is expected",
            config: { "launchpad:nodeGroup": SECURE },
            problem: `launchpad:nodeGroup: ${IN_CLEAR}`,
        },
        {
            name: "a secret under a misspelt field",
            config: { "launchpad:cluster": { kubeconfg: SECURE } },
            problem: "launchpad:cluster.kubeconfg: received [secret]; expected no such field (allowed: version, endpointAccess, endpointPublicAccessCidrs, access, logTypes, namespace, kubeconfig, provides)",
        },
        {
            name: "a secret where a number is expected",
            config: { "launchpad:network": { azCount: SECURE } },
            problem: `launchpad:network.azCount: ${IN_CLEAR}`,
        },
        {
            name: "a secret under a reserved tag key",
            config: { "launchpad:tags": { Name: SECURE } },
            problem: "launchpad:tags.Name: received [secret]; expected no such tag: Launchpad sets project, environment, managed-by, Name itself",
        },
        {
            name: "a secret under an unknown top-level key",
            config: { "launchpad:kubeconfig": SECURE },
            problem: `launchpad:kubeconfig: received [secret]; expected no such key (allowed: ${ALLOWED_KEYS})`,
        },
        {
            name: "any invalid value in a key that holds a secret (the runtime only knows the whole key is secret)",
            config: { "launchpad:cluster": { kubeconfig: SECURE, version: "1.28" } },
            problem: "launchpad:cluster.version: received [secret]; expected a version in EKS standard support on 2026-12-02: \"1.36\" or \"1.35\"",
        },
    ])("never echoes $name", async ({ config, problem }) => {
        const error = await configErrorOf(project("s", { ...REQUIRED, ...config }));
        expect(error.message).toBe(`Invalid configuration for stack "s" (1 problem):\n  - ${problem}`);
    });
});

/** A secure leaf where Launchpad writes it in clear: refused for that, not for what its offline stand-in is. */
const IN_CLEAR = "received [secret]; expected plain text: Launchpad writes this value where it is kept in clear (a pod spec, an AWS setting, a ConfigMap), so a secret goes only in a service's env values, a smoke check's headers or body, or one of cluster.kubeconfig, alerting.slackWebhookUrl, alerting.pagerDutyIntegrationKey, releaseIdKey, grafana:auth";

describe("grafana:url carries the Grafana token: https, no credentials in it, never echoed", () => {
    it.each([
        { key: "grafana:url=http://grafana.acme.io", problem: 'grafana:url: received "http://grafana.acme.io"; expected an https URL (the Grafana token travels with every request; http only to localhost)' },
        { key: "grafana:url=https://admin:hunter2@grafana.acme.io", problem: 'grafana:url: received "https://***@grafana.acme.io"; expected a URL without user:password@ (put the token in grafana:auth, as a secret)' },
    ])("refuses $key", async ({ key, problem }) => {
        expect(await plan("staging", key)).toEqual(refused("staging", problem));
    });

    it("takes http to this machine (a local Grafana)", async () => {
        expect((await plan("staging", "grafana:url=http://localhost:3000")).code).toBe(0);
    });
});

describe("launchpad:drRegion stays in aws:region's partition (the AWS SDK's partitions table)", () => {
    it.each([
        ["cn-north-1", "aws-cn"],
        ["us-gov-west-1", "aws-us-gov"],
        ["eusc-de-east-1", "aws-eusc"],
    ])("refuses %s (%s) beside us-east-1", async (dr, partition) => {
        expect(await plan("staging", `launchpad:drRegion=${dr}`)).toEqual(refused("staging", `launchpad:drRegion: received "${dr}" (partition ${partition}); expected a region of aws:region's partition, aws: copies and replication do not cross AWS partitions`));
    });

    it("takes another region of the same partition", async () => {
        expect((await plan("staging", "launchpad:drRegion=eu-west-1")).code).toBe(0);
    });
});

describe("every ARN the config names is of aws:region's partition (each partition has its own accounts and IAM)", () => {
    it("refuses the committed stack's commercial access roles in GovCloud, each by its path, all at once", async () => {
        const message = (i: number, role: string) => `launchpad:cluster.access[${i}].principalArn: received "arn:aws:iam::111122223333:role/launchpad-staging-${role}" (partition aws); expected an ARN of aws:region's partition, aws-us-gov (aws:region "us-gov-west-1"): AWS refuses an ARN of another partition`;
        expect(await plan("staging", "aws:region=us-gov-west-1", "launchpad:drRegion=us-gov-east-1")).toEqual({ code: 2, stdout: "", stderr: `Invalid configuration for stack "staging" (2 problems):\n  - ${message(0, "deploy")}\n  - ${message(1, "preview")}\n` });
    });

    it("takes them in their partition, and a commercial ARN in a service's env (the application's own text)", async () => {
        expect((await plan("staging", ...govCloudSets("staging"), "launchpad:services.api.env.UPSTREAM=arn:aws:sqs:us-east-1:111122223333:q")).code).toBe(0);
    });
});

describe("launchpad:database.caBundleUrl: where the services and the dumps download the RDS CA bundle", () => {
    it("refuses an address that is not https (the bundle is the root of the database's TLS trust)", async () => {
        expect(await plan("staging", "launchpad:database.caBundleUrl=http://ca.shop.internal/rds.pem")).toEqual(
            refused("staging", 'launchpad:database.caBundleUrl: received "http://ca.shop.internal/rds.pem"; expected an https:// address such as "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"'),
        );
    });

    it("in the European Sovereign Cloud and China, which Launchpad knows no bundle for, a stack with a database must name one", async () => {
        // One EUSC region in the AWS provider's list: its stack has no DR region of its partition either.
        expect((await plan("staging", "aws:region=eusc-de-east-1")).stderr).toContain("launchpad:database.caBundleUrl: received nothing; expected the https:// address of the RDS CA bundle for partition aws-eusc (aws:region \"eusc-de-east-1\")");
        const china = ["aws:region=cn-north-1", "launchpad:drRegion=cn-northwest-1", ...accessPrincipalSets("staging", "aws-cn")];
        expect((await plan("staging", ...china)).code).toBe(2);
        expect((await plan("staging", ...china, "launchpad:database.caBundleUrl=https://ca.shop.internal/rds.pem")).code).toBe(0);
    });
});

describe("keys in other namespaces (issue 13)", () => {
    it.each([
        { key: "aws:regoin=us-east-2", problem: 'aws:regoin: received "us-east-2"; expected no such key (allowed: aws:region): Launchpad\'s aws provider is explicit and reads no other aws:* key' },
        { key: "aws:profile=prod", problem: 'aws:profile: received "prod"; expected no such key (allowed: aws:region): Launchpad\'s aws provider is explicit and reads no other aws:* key' },
        { key: "grafana:urll=https://g.shop.internal", problem: 'grafana:urll: received "https://g.shop.internal"; expected no such key (allowed: grafana:url, grafana:auth): Launchpad\'s grafana provider is explicit and reads no other grafana:* key' },
    ])("refuses $key: the explicit provider would silently ignore it", async ({ key, problem }) => {
        expect(await plan("staging", key)).toEqual(refused("staging", problem));
    });

    it("warns about a key in a namespace nothing reads (a misspelt launchpad:), and plans", async () => {
        const r = await plan("staging", "launchpd:activeColor=blue");
        expect(r.code).toBe(0);
        expect(r.stderr).toBe('warning: launchpd:activeColor is ignored: nothing in this program reads the "launchpd" namespace (Launchpad\'s own keys are launchpad:*)\n');
    });
});
