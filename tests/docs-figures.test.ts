/**
 * Figures the docs state in prose that the code computes: each is read back from the page and
 * compared with the code that decides it, so a change of the code that leaves the page behind fails
 * here instead of going stale unseen (docs/architecture.md's address table said 450 t3.large for the
 * default /16 after config/network.ts had moved the EKS control plane's share from 6 to 16
 * addresses, which leaves room for 448).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config";
import { privateSubnetRoom, privateSubnetTenants } from "../config/network";
import { eniLimitTable, instanceTypeCatalogue, nodeAddressCeiling, UPDATE_SURGE_NODES_PER_ZONE } from "../config/node-group";
import { alertContext, alertGroups, type AlertDefinition } from "../observability/alerts";
import { durationSeconds } from "../observability/duration";
import { REPO_ROOT } from "../plan/engine";
import { POLICIES } from "../policies/all";
import { BACKUP_TIERS, type BackupTier, RETENTION_DAYS } from "../lib/retention";
import { loadStackConfig } from "../plan/stack-config";

const read = (file: string): string => readFileSync(join(REPO_ROOT, file), "utf8");
const number = (text: string): number => Number(text.replaceAll(",", ""));

describe("docs/architecture.md's private subnet table is what config/network.ts computes", () => {
    const doc = read("docs/architecture.md");
    // The stack the table describes: Launchpad's own EKS with its database and the AMP scraper, no internal load balancer.
    const tenants = privateSubnetTenants({ database: true, ampScraper: true, internalLoadBalancers: 0 });
    const t3 = nodeAddressCeiling(eniLimitTable().get("t3.large"), instanceTypeCatalogue().get("t3.large")?.vcpu ?? 0);
    // Rows such as "| /16 (the default) | 8,187 | 8,168 | 448 (226 nodes a zone ...) |".
    const rows = [...doc.matchAll(/^\| \/(\d+)[^|]*\| ([\d,]+) \| ([\d,]+) \| (\d+) \((\d+) nodes a zone[^|]*\|$/gm)];

    it("has the /16 and /20 rows", () => {
        expect(rows.map((r) => r[1])).toEqual(["16", "20"]);
    });

    it.each(rows.map((r) => [r[1], r] as const))("/%s: usable, left after EKS, RDS and scraper, the largest t3.large maxSize and the nodes a zone", (_prefix, row) => {
        const room = privateSubnetRoom(`10.0.0.0/${row[1]}`);
        const left = (room?.usable ?? 0) - tenants.reduce((sum, t) => sum + t.addresses, 0);
        const fits = Math.floor(left / (t3?.addresses ?? 1));
        // Two zones, each keeping the update surge's nodes: what podAddressProblems allows.
        expect([number(row[2]), number(row[3]), Number(row[4]), Number(row[5])]).toEqual([room?.usable, left, (fits - UPDATE_SURGE_NODES_PER_ZONE) * 2, fits]);
    });

    it("gives each tenant the addresses privateSubnetTenants counts", () => {
        const prose = doc.replace(/\s+/g, " ");
        const said = {
            "EKS control plane": /besides the EKS control plane \((\d+) addresses/.exec(prose)?.[1],
            "RDS instance and restore drill": /the RDS instance and a restore drill's \((\d+)\)/.exec(prose)?.[1],
            "AMP scraper": /the AMP scraper's ENI \((\d+)\)/.exec(prose)?.[1],
        };
        expect(Object.fromEntries(tenants.map((t) => [t.what, String(t.addresses)]))).toEqual(said);
    });
});

describe("docs/runbooks/alerts.md states each alert's severity and `for` as observability/alerts.ts defines them", () => {
    // Production as PostgreSQL defines every alert (LaunchpadTransactionIdWraparound is PostgreSQL's alone).
    const sc = loadStackConfig({ root: REPO_ROOT, stack: "production", sets: ["launchpad:database.engine=postgres", 'launchpad:database.engineVersion="17"'] });
    const config = parseConfig({ project: sc.project, stack: sc.stack, values: sc.values, secretKeys: sc.secretKeys, offlinePlan: true });
    const alerts = new Map<string, AlertDefinition>(alertGroups(alertContext(config)).flatMap((g) => g.alerts.map((a) => [a.name, a] as const)));
    const sections = new Map(read("docs/runbooks/alerts.md").split(/\n(?=## )/).filter((s) => s.startsWith("## Launchpad")).map((s) => [s.slice(3, s.indexOf("\n")), s]));

    it("has a section for every alert", () => {
        expect([...sections.keys()].sort()).toEqual([...alerts.keys()].sort());
    });

    it.each([...alerts.keys()])("%s", (name) => {
        const section = (sections.get(name) ?? "").replace(/\s+/g, " ");
        const alert = alerts.get(name) as AlertDefinition;
        expect(/Severity: (\w+)\./.exec(section)?.[1]).toBe(alert.severity);
        // "... for 10 minutes": where the section states how long the condition must hold, it is the rule's `for`.
        const held = /\bfor (\d+) minutes\b/.exec(section)?.[1];
        expect(held === undefined ? undefined : Number(held) * 60).toBe(held === undefined ? undefined : durationSeconds(alert.for));
    });
});

describe("docs/policies.md's table is the pack's policies (policies/all.ts POLICIES)", () => {
    it("names each policy once, with its enforcement level (a policy added, removed or made advisory fails here)", () => {
        const byName = (a: readonly string[], b: readonly string[]): number => a[0].localeCompare(b[0]);
        const rows = [...read("docs/policies.md").matchAll(/^\| `([a-z0-9-]+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
        expect(rows.sort(byName)).toEqual(POLICIES.map((p) => [p.name, String(p.enforcementLevel)]).sort(byName));
    });
});

describe("the retention the docs state is lib/retention.ts's RETENTION_DAYS", () => {
    const days = (tier: BackupTier): string => String(RETENTION_DAYS[tier]);

    it("docs/data-protection.md: each prefix's lifecycle expiry and each AWS Backup rule's retention", () => {
        const doc = read("docs/data-protection.md");
        const expiry = Object.fromEntries(BACKUP_TIERS.map((t) => [t, new RegExp(`^ *\\| \`${t}/\` \\| (\\d+) days`, "m").exec(doc)?.[1]]));
        const kept = Object.fromEntries(BACKUP_TIERS.map((t) => [t, new RegExp(`^ *\\| \`${t}\` \\| [^|]+\\| (\\d+) days \\|$`, "m").exec(doc)?.[1]]));
        const all = Object.fromEntries(BACKUP_TIERS.map((t) => [t, days(t)]));
        expect({ expiry, kept }).toEqual({ expiry: all, kept: all });
    });

    it("docs/data-protection.md: the Vault Lock bounds are the shortest and longest rule", () => {
        const m = /Vault Lock on both vaults with a minimum retention of (\d+) days and a maximum of (\d+) days/.exec(read("docs/data-protection.md").replace(/\s+/g, " "));
        const all = Object.values(RETENTION_DAYS);
        expect(m?.slice(1)).toEqual([String(Math.min(...all)), String(Math.max(...all))]);
    });

    it("docs/runbooks/README.md's recovery table", () => {
        const m = /backup plan: daily (\d+) d, weekly (\d+) d, monthly (\d+) d, yearly (\d+) d/.exec(read("docs/runbooks/README.md"));
        expect(m?.slice(1)).toEqual(BACKUP_TIERS.map(days));
    });
});
