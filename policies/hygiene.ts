/**
 * Cost and hygiene, advisory: they print in every preview and plan but never block one, because a
 * bigger instance or a missing tag is a question for the reviewer, not a hazard.
 */
import * as aws from "@pulumi/aws";
import { validateResourceOfType, type ResourceValidationArgs } from "@pulumi/policy";
import { listText, rec, strs, type LaunchpadResourcePolicy } from "./lib";

export interface InstanceTypesConfig {
    /** EC2 instance types node groups may use on this stack; empty allows any. @default [] */
    readonly nodeInstanceTypes: string[];
    /** RDS instance classes this stack may use; empty allows any. @default [] */
    readonly dbInstanceClasses: string[];
}

function outside(used: readonly string[], allowed: readonly string[]): string[] {
    return allowed.length === 0 ? [] : used.filter((u) => !allowed.includes(u));
}

export const instanceTypesAllowed: LaunchpadResourcePolicy = {
    name: "instance-types-allowed",
    description: "Node groups and databases use instance sizes from the stack's allow-list.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            nodeInstanceTypes: { type: "array", items: { type: "string" }, default: [], description: "EC2 instance types node groups may use; empty allows any." },
            dbInstanceClasses: { type: "array", items: { type: "string" }, default: [], description: "RDS instance classes this stack may use; empty allows any." },
        },
    },
    validateResource: [
        validateResourceOfType(aws.eks.NodeGroup, (ng, args, report) => {
            const allowed = args.getConfig<InstanceTypesConfig>().nodeInstanceTypes;
            const bad = outside(strs(ng.instanceTypes), allowed);
            if (bad.length > 0) {
                report(`Node group ${args.name} uses ${listText(bad)}, outside this stack's allow-list (${listText(allowed)}): choose an allowed type or extend nodeInstanceTypes in the stack's policy config.`);
            }
        }),
        validateResourceOfType(aws.rds.Instance, (db, args, report) => {
            const allowed = args.getConfig<InstanceTypesConfig>().dbInstanceClasses;
            const bad = outside(typeof db.instanceClass === "string" ? [db.instanceClass] : [], allowed);
            if (bad.length > 0) {
                report(`RDS instance ${args.name} uses ${listText(bad)}, outside this stack's allow-list (${listText(allowed)}): choose an allowed class or extend dbInstanceClasses in the stack's policy config.`);
            }
        }),
    ],
};

export interface RequiredTagsConfig {
    /** Tags every taggable AWS resource carries. @default ["project", "environment", "managed-by"] */
    readonly tags: string[];
}

/**
 * AWS resources that take tags but whose inputs may omit `tags` altogether: a resource with no tags
 * at all is the case to catch, and nothing in its props would say it could have had them.
 */
const TAGGABLE_TYPES: ReadonlySet<string> = new Set([
    "aws:ec2/vpc:Vpc",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/eip:Eip",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/instance:Instance",
    "aws:eks/cluster:Cluster",
    "aws:eks/nodeGroup:NodeGroup",
    "aws:rds/instance:Instance",
    "aws:s3/bucket:Bucket",
    "aws:kms/key:Key",
    "aws:iam/role:Role",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:backup/vault:Vault",
    "aws:backup/plan:Plan",
]);

export const requiredTags: LaunchpadResourcePolicy = {
    name: "required-tags",
    description: "Taggable AWS resources carry the project, environment and managed-by tags.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            tags: { type: "array", items: { type: "string" }, default: ["project", "environment", "managed-by"], description: "Tags every taggable AWS resource carries." },
        },
    },
    validateResource: (args: ResourceValidationArgs, report) => {
        if (!args.type.startsWith("aws:") || (!TAGGABLE_TYPES.has(args.type) && !("tags" in args.props))) {
            args.notApplicable("Policy only applies to taggable AWS resources");
        }
        const tags = rec(args.props.tags);
        const missing = args.getConfig<RequiredTagsConfig>().tags.filter((t) => typeof tags[t] !== "string" || tags[t] === "");
        if (missing.length > 0) {
            report(`${args.type} ${args.name} has no ${listText(missing)} tag${missing.length > 1 ? "s" : ""}: pass the stack's base tags (lib/tags.ts childTags).`);
        }
    },
};

export const HYGIENE_POLICIES = [instanceTypesAllowed, requiredTags] as const;
