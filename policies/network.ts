/**
 * Network and cluster: nothing reachable from the whole internet but the load balancer's HTTP(S)
 * ports, and the EKS control plane encrypted, logged and reachable only from configured CIDRs.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ReportViolation } from "@pulumi/policy";
import { openToTheWorld, parseRange, rangeContains, WORLD_PREFIX, worldText, type IpRange } from "./shared/ip-range";
import { arr, flag, k8sName, listText, rec, strs, type LaunchpadResourcePolicy, type LaunchpadStackPolicy } from "./lib";

/**
 * The rule's CIDRs that make it open to the world: those of each family whose union admits more public
 * addresses than a /8 (IPv4) or a /32 (IPv6) holds (`openToTheWorld`, shared/ip-range.ts, which says why):
 * 0.0.0.0/1 alone is half the internet, as open as 0.0.0.0/0 to anyone scanning it.
 */
function worldCidrs(cidrs: readonly string[]): string[] {
    const families = openToTheWorld(cidrs);
    return cidrs.filter((c) => {
        const r = parseRange(c);
        return r !== undefined && families.includes(r.family);
    });
}

export interface NoWorldIngressConfig {
    /** Ports a load balancer may open to the world. @default [80, 443] */
    readonly publicPorts: number[];
    /** Regular expressions matched against the Pulumi names of load balancer security groups. @default ["(^|-)(lb|alb|nlb)-sg$"] */
    readonly loadBalancerSecurityGroups: string[];
}

interface IngressRule {
    readonly cidrs: string[];
    readonly protocol: string;
    readonly fromPort: number | undefined;
    readonly toPort: number | undefined;
}

/** True when the rule opens nothing but the given public ports over TCP. */
function onlyPorts(rule: IngressRule, ports: readonly number[]): boolean {
    const tcp = rule.protocol === "tcp" || rule.protocol === "6";
    return tcp && rule.fromPort !== undefined && rule.fromPort === rule.toPort && ports.includes(rule.fromPort);
}

function portText(rule: IngressRule): string {
    if (rule.protocol === "-1" || rule.protocol === "all") return "all traffic";
    return rule.fromPort === rule.toPort ? `${rule.protocol} ${String(rule.fromPort)}` : `${rule.protocol} ${String(rule.fromPort)}-${String(rule.toPort)}`;
}

/** The rule's protocol as one name: AWS takes a name or its number, any case; `-1` (or `all`) is every protocol. */
function protocolOf(rule: IngressRule): string {
    const p = rule.protocol.trim().toLowerCase();
    return ({ "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", all: "-1" } as Record<string, string>)[p] ?? p;
}

/** True when `rule` admits traffic of `protocol` to `port` (a rule without ports admits every port). */
function admits(rule: IngressRule, protocol: string, port: number | undefined): boolean {
    const own = protocolOf(rule);
    if (own === "-1") return true;
    if (own !== protocol) return false;
    return port === undefined || rule.fromPort === undefined || rule.toPort === undefined || (rule.fromPort <= port && port <= rule.toPort);
}

/**
 * Security group rules add up: two rules admitting 0.0.0.0/1 and 128.0.0.0/1 on one port admit the
 * world there as surely as one rule with 0.0.0.0/0 (Amazon VPC User Guide, security groups: "You can
 * specify allow rules, but not deny rules", and AWS evaluates all the rules before deciding whether
 * to allow traffic). The sources admitted on a port are the union over every rule admitting
 * it, and that union is largest at some rule's first port (any rule admitting a port p also admits
 * the largest first port at or below p among those rules), so those ports are the ones to check.
 */
function combinedWorld(rules: readonly IngressRule[], isLoadBalancer: boolean, config: NoWorldIngressConfig, includeSingle = false): { text: string; cidrs: string[]; world: string }[] {
    const points = new Map<string, { protocol: string; port: number | undefined }>();
    for (const rule of rules) {
        const protocol = protocolOf(rule);
        points.set(`${protocol}/${String(rule.fromPort)}`, { protocol, port: protocol === "-1" ? undefined : rule.fromPort });
    }
    const out: { text: string; cidrs: string[]; world: string }[] = [];
    // All traffic first: once that is open, each port it holds is not reported again.
    for (const { protocol, port } of [...points.values()].sort((a, b) => Number(b.protocol === "-1") - Number(a.protocol === "-1"))) {
        if (out.length > 0 && out[0].text === "all traffic") break;
        if (isLoadBalancer && protocol === "tcp" && port !== undefined && config.publicPorts.includes(port)) continue;
        const admitting = rules.filter((r) => (protocol === "-1" ? protocolOf(r) === "-1" : admits(r, protocol, port)));
        // One rule open on its own is reported as such; only a world made of several rules is new here.
        if (!includeSingle && (admitting.length < 2 || admitting.some((r) => worldCidrs(r.cidrs).length > 0))) continue;
        const cidrs = [...new Set(admitting.flatMap((r) => r.cidrs))];
        if (worldCidrs(cidrs).length > 0) {
            out.push({ text: protocol === "-1" ? "all traffic" : port === undefined ? protocol : `${protocol} ${String(port)}`, cidrs: worldCidrs(cidrs), world: worldText(cidrs) });
        }
    }
    return out;
}

function checkIngress(kind: string, name: string, rules: readonly IngressRule[], config: NoWorldIngressConfig, report: ReportViolation): void {
    const isLoadBalancer = config.loadBalancerSecurityGroups.some((p) => new RegExp(p).test(name));
    const allowedText = isLoadBalancer ? `only ${listText(config.publicPorts.map(String))} over tcp may be open to the world on a load balancer` : `only a load balancer's security group may be open to the world, on ${listText(config.publicPorts.map(String))}`;
    for (const open of combinedWorld(rules, isLoadBalancer, config)) {
        const shown = open.cidrs.length > 6 ? [...open.cidrs.slice(0, 6), `${String(open.cidrs.length - 6)} more`] : open.cidrs;
        report(`${kind} ${name} admits ${open.text} from ${open.world} by several rules together (${listText(shown)}): ${allowedText}; restrict the sources to known CIDRs or security groups.`);
    }
    for (const rule of rules) {
        if (isLoadBalancer && onlyPorts(rule, config.publicPorts)) continue;
        const allowed = isLoadBalancer ? `only ${listText(config.publicPorts.map(String))} over tcp may be open to the world on a load balancer` : `only a load balancer's security group may be open to the world, on ${listText(config.publicPorts.map(String))}`;
        // Judged by the addresses admitted, not the spelling: 0.0.0.0/1 with 128.0.0.0/1, or ::0/0, is the world.
        const open = worldCidrs(rule.cidrs);
        if (open.length > 0) {
            report(`${kind} ${name} admits ${portText(rule)} from ${listText(open)}: ${allowed}; restrict the source to known CIDRs or security groups.`);
        }
        // A source this policy cannot read (00.0.0.0/00, 10.1/8) might admit anything: refused, not skipped.
        const unreadable = rule.cidrs.filter((c) => parseRange(c) === undefined);
        if (unreadable.length > 0) {
            report(`${kind} ${name} admits ${portText(rule)} from ${listText(unreadable.map((c) => JSON.stringify(c)))}, which this policy cannot read as a CIDR, so it may be the world: write each source as a dotted-decimal IPv4 CIDR (a.b.c.d/n) or an IPv6 CIDR.`);
        }
    }
}

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

function inlineRules(ingress: unknown): IngressRule[] {
    return arr(ingress).map((r) => {
        const rule = rec(r);
        return { cidrs: [...strs(rule.cidrBlocks), ...strs(rule.ipv6CidrBlocks)], protocol: String(rule.protocol), fromPort: num(rule.fromPort), toPort: num(rule.toPort) };
    });
}

const INGRESS_CONFIG_SCHEMA = {
    properties: {
        publicPorts: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, default: [80, 443], description: "Ports a load balancer may open to the world." },
        loadBalancerSecurityGroups: {
            type: "array",
            items: { type: "string" },
            default: ["(^|-)(lb|alb|nlb)-sg$"],
            description: "Regular expressions matched against the Pulumi names of load balancer security groups.",
        },
    },
} as const;

export const noWorldIngress: LaunchpadResourcePolicy = {
    name: "no-world-ingress",
    description: "No security group (or LoadBalancer Service) is open to the world (0.0.0.0/0, ::/0, or any sources admitting more public addresses than a /8 of IPv4 or a /32 of IPv6), except a load balancer's 80/443.",
    enforcementLevel: "mandatory",
    configSchema: INGRESS_CONFIG_SCHEMA,
    validateResource: [
        validateResourceOfType(aws.ec2.SecurityGroup, (sg, args, report) => {
            checkIngress("Security group", args.name, inlineRules(sg.ingress), args.getConfig<NoWorldIngressConfig>(), report);
        }),
        validateResourceOfType(aws.ec2.DefaultSecurityGroup, (sg, args, report) => {
            checkIngress("Security group", args.name, inlineRules(sg.ingress), args.getConfig<NoWorldIngressConfig>(), report);
        }),
        validateResourceOfType(aws.ec2.SecurityGroupRule, (rule, args, report) => {
            if (rule.type !== "ingress") return;
            const r: IngressRule = { cidrs: [...strs(rule.cidrBlocks), ...strs(rule.ipv6CidrBlocks)], protocol: String(rule.protocol), fromPort: rule.fromPort, toPort: rule.toPort };
            checkIngress("Security group rule", args.name, [r], args.getConfig<NoWorldIngressConfig>(), report);
        }),
        validateResourceOfType(aws.vpc.SecurityGroupIngressRule, (rule, args, report) => {
            const cidrs = [rule.cidrIpv4, rule.cidrIpv6].filter((c): c is string => typeof c === "string");
            const r: IngressRule = { cidrs, protocol: String(rule.ipProtocol), fromPort: rule.fromPort, toPort: rule.toPort };
            checkIngress("Security group rule", args.name, [r], args.getConfig<NoWorldIngressConfig>(), report);
        }),
        // A LoadBalancer Service makes AWS open the load balancer's security group to its source
        // ranges (everyone when none are set): the same rule applies to its ports.
        validateResourceOfType(k8s.core.v1.Service, (svc, args, report) => {
            if (svc.spec?.type !== "LoadBalancer") return;
            const ranges = strs(svc.spec.loadBalancerSourceRanges);
            const cidrs = ranges.length === 0 ? ["0.0.0.0/0"] : ranges;
            const config = args.getConfig<NoWorldIngressConfig>();
            for (const p of arr(svc.spec.ports).map(rec)) {
                const port = num(p.port);
                const rule: IngressRule = { cidrs, protocol: typeof p.protocol === "string" ? p.protocol.toLowerCase() : "tcp", fromPort: port, toPort: port };
                const open = worldCidrs(cidrs);
                if (open.length > 0 && !onlyPorts(rule, config.publicPorts)) {
                    report(`${k8sName(args.type, args.props, args.name)} exposes ${portText(rule)} to ${listText(open)}: only ${listText(config.publicPorts.map(String))} may be public; set spec.loadBalancerSourceRanges or serve it on ${listText(config.publicPorts.map(String))}.`);
                }
            }
        }),
    ],
};

export const eksSecretsEncryption: LaunchpadResourcePolicy = {
    name: "eks-secrets-encryption",
    description: "EKS clusters encrypt Kubernetes Secrets with a KMS key (envelope encryption).",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(aws.eks.Cluster, (cluster, args, report) => {
        const enc = cluster.encryptionConfig;
        if (enc === undefined || !strs(enc.resources).includes("secrets") || typeof enc.provider?.keyArn !== "string" || enc.provider.keyArn === "") {
            report(`EKS cluster ${args.name} does not encrypt Secrets: set encryptionConfig { resources: ["secrets"], provider: { keyArn: <KMS key ARN> } }.`);
        }
    }),
};

export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

export interface EksLoggingConfig {
    /** Control-plane log types that must be on. @default all five */
    readonly requiredLogTypes: string[];
}

export const eksControlPlaneLogging: LaunchpadResourcePolicy = {
    name: "eks-control-plane-logging",
    description: "EKS clusters ship control-plane logs to CloudWatch.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requiredLogTypes: {
                type: "array",
                items: { type: "string", enum: [...EKS_LOG_TYPES] },
                default: [...EKS_LOG_TYPES],
                description: "Control-plane log types that must be enabled.",
            },
        },
    },
    validateResource: validateResourceOfType(aws.eks.Cluster, (cluster, args, report) => {
        const on = strs(cluster.enabledClusterLogTypes);
        const missing = args.getConfig<EksLoggingConfig>().requiredLogTypes.filter((t) => !on.includes(t));
        if (missing.length > 0) {
            report(`EKS cluster ${args.name} does not log ${listText(missing)}: add them to enabledClusterLogTypes.`);
        }
    }),
};

export interface EksPublicEndpointConfig {
    /** CIDRs the public API endpoint may admit; each configured CIDR must lie inside one. @default [] (no public endpoint) */
    readonly allowedCidrs: string[];
}

export const eksPublicEndpointRestricted: LaunchpadResourcePolicy = {
    name: "eks-public-endpoint-restricted",
    description: "The EKS public API endpoint is off, or open only to CIDRs on the pack's per-stack allow-list, never to the world (more public addresses than a /8 of IPv4 or a /32 of IPv6).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedCidrs: { type: "array", items: { type: "string" }, default: [], description: "CIDRs the public API endpoint may admit." },
        },
    },
    validateResource: validateResourceOfType(aws.eks.Cluster, (cluster, args, report) => {
        const vpc = cluster.vpcConfig;
        // EKS turns the public endpoint on when endpointPublicAccess is unset.
        if (flag(vpc?.endpointPublicAccess) === false) return;
        const cidrs = strs(vpc?.publicAccessCidrs);
        const allowed = args.getConfig<EksPublicEndpointConfig>().allowedCidrs;
        const fix = allowed.length === 0 ? "set vpcConfig.endpointPublicAccess: false" : `limit vpcConfig.publicAccessCidrs to ${listText(allowed)} (the pack's allowedCidrs for this stack)`;
        if (cidrs.length === 0) {
            // EKS's default for an empty list is 0.0.0.0/0.
            report(`EKS cluster ${args.name} has a public API endpoint open to the world: ${fix}.`);
            return;
        }
        // Containment of parsed ranges (IPv4 and IPv6), so no spelling of a CIDR slips past the allow-list.
        const allowedRanges = allowed.map(parseRange).filter((r): r is IpRange => r !== undefined);
        const outside = cidrs.filter((c) => {
            const inner = parseRange(c);
            return inner === undefined || !allowedRanges.some((outer) => rangeContains(outer, inner));
        });
        if (outside.length > 0) {
            report(`EKS cluster ${args.name} admits ${listText(outside)} to its public API endpoint: ${fix}.`);
            return;
        }
        // Inside the allow-list, and still the world: an allow-list of 0.0.0.0/1 is no allow-list.
        const world = worldCidrs(cidrs);
        if (world.length > 0) {
            report(`EKS cluster ${args.name} admits ${listText(world)} to its public API endpoint, ${worldText(world)}: the world, though the pack's allowedCidrs hold them; limit allowedCidrs and vpcConfig.publicAccessCidrs to the deploy runners' egress CIDRs, together at most a /${String(WORLD_PREFIX.ipv4)}'s worth of public IPv4 addresses and a /${String(WORLD_PREFIX.ipv6)}'s of IPv6.`);
        }
    }),
};

const SG_TYPE = "aws:ec2/securityGroup:SecurityGroup";

/**
 * The same sum across resources: standalone rules (aws.ec2.SecurityGroupRule, aws.vpc.SecurityGroupIngressRule)
 * of one security group add up with each other and with the group's inline rules, so halves split
 * over two rule resources are the world too. The group is the one each rule's `securityGroupId` is
 * wired to in the graph (its property dependency), or failing that the same literal id. A world made
 * by a single resource is no-world-ingress's to report; this reports only one that needs several.
 */
export const noWorldIngressCombined: LaunchpadStackPolicy = {
    name: "no-world-ingress-combined",
    description: "No security group is open to the whole internet through several rule resources together (standalone rules add up with each other and with the group's inline rules), except a load balancer's 80/443.",
    enforcementLevel: "mandatory",
    configSchema: INGRESS_CONFIG_SCHEMA,
    validateStack: (args, report) => {
        const config = args.getConfig<NoWorldIngressConfig>();
        const groups = new Map<string, { name: string; urn?: string; inline: IngressRule[]; standalone: { name: string; urn: string; rule: IngressRule }[] }>();
        const groupOf = (key: string, name: string, urn?: string) => {
            let g = groups.get(key);
            if (g === undefined) groups.set(key, (g = { name, urn, inline: [], standalone: [] }));
            return g;
        };
        for (const r of args.resources) {
            if (r.type === SG_TYPE) {
                Object.assign(groupOf(r.urn, r.name, r.urn), { name: r.name, urn: r.urn }).inline.push(...inlineRules(r.props.ingress));
                continue;
            }
            let rule: IngressRule | undefined;
            if (r.type === "aws:ec2/securityGroupRule:SecurityGroupRule" && r.props.type === "ingress") {
                rule = { cidrs: [...strs(r.props.cidrBlocks), ...strs(r.props.ipv6CidrBlocks)], protocol: String(r.props.protocol), fromPort: num(r.props.fromPort), toPort: num(r.props.toPort) };
            } else if (r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
                rule = { cidrs: [r.props.cidrIpv4, r.props.cidrIpv6].filter((c): c is string => typeof c === "string"), protocol: String(r.props.ipProtocol), fromPort: num(r.props.fromPort), toPort: num(r.props.toPort) };
            }
            if (rule === undefined) continue;
            const sg = (r.propertyDependencies.securityGroupId ?? []).find((d) => d.type === SG_TYPE);
            const key = sg?.urn ?? `id:${String(r.props.securityGroupId)}`;
            groupOf(key, sg?.name ?? String(r.props.securityGroupId), sg?.urn).standalone.push({ name: r.name, urn: r.urn, rule });
        }
        for (const g of groups.values()) {
            if (g.standalone.length === 0 || g.standalone.length + g.inline.length < 2) continue;
            const isLoadBalancer = config.loadBalancerSecurityGroups.some((p) => new RegExp(p).test(g.name));
            // Worlds one resource makes alone are that resource's own violation (no-world-ingress).
            const alone = new Set([...combinedWorld(g.inline, isLoadBalancer, config, true), ...g.standalone.flatMap((s) => combinedWorld([s.rule], isLoadBalancer, config, true))].map((o) => o.text));
            for (const open of combinedWorld([...g.inline, ...g.standalone.map((s) => s.rule)], isLoadBalancer, config, true)) {
                if (alone.has(open.text)) continue;
                report(`Security group ${g.name} admits ${open.text} from ${open.world} through its rule resources together (${g.standalone.map((s) => s.name).join(", ")}: ${listText(open.cidrs.length > 6 ? [...open.cidrs.slice(0, 6), `${String(open.cidrs.length - 6)} more`] : open.cidrs)}): ${isLoadBalancer ? `only ${listText(config.publicPorts.map(String))} over tcp may be open to the world on a load balancer` : `only a load balancer's security group may be open to the world, on ${listText(config.publicPorts.map(String))}`}; restrict the sources to known CIDRs or security groups.`, g.urn ?? g.standalone[0].urn);
            }
        }
    },
};

export const NETWORK_POLICIES = [noWorldIngress, noWorldIngressCombined, eksSecretsEncryption, eksControlPlaneLogging, eksPublicEndpointRestricted] as const;
