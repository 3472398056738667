/**
 * The two network services the backup scripts talk to, run in this test process on 127.0.0.1:
 * an S3-compatible server (s3rver, driven through the real AWS CLI with --endpoint-url) and a
 * stand-in Pushgateway that records every push.
 */
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import S3rver from "s3rver";
import { runOk } from "./db-tools";

/** s3rver accepts exactly this key pair; nothing else reaches it. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" } as const;

export interface LocalS3 {
    readonly endpoint: string;
    readonly bucket: string;
    close(): Promise<void>;
}

/** s3rver on a free port, storing under `dir`, with `bucket` created. */
export async function startLocalS3(dir: string, bucket: string): Promise<LocalS3> {
    const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
    const { port } = await server.run();
    return { endpoint: `http://127.0.0.1:${port}`, bucket, close: () => server.close() };
}

/**
 * The environment every AWS CLI call of the tests and scripts gets: s3rver's keys, no config or
 * credential files of the developer's, no instance-metadata lookups, no pager.
 */
export function awsEnv(home: string): Record<string, string> {
    return {
        ...S3RVER_CREDENTIALS,
        AWS_CONFIG_FILE: join(home, "aws-config-absent"),
        AWS_SHARED_CREDENTIALS_FILE: join(home, "aws-credentials-absent"),
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_PAGER: "",
    };
}

export interface ObjectInfo {
    readonly key: string;
    readonly size: number;
    /** The MD5 of the content for a single-part upload or copy, quoted as S3 returns it. */
    readonly etag: string;
}

/** The test's own view of the bucket, through the same AWS CLI the scripts use. */
export class S3Client {
    constructor(
        private readonly aws: string,
        private readonly s3: LocalS3,
        private readonly env: NodeJS.ProcessEnv,
    ) {}

    private cli(args: readonly string[]): Promise<{ stdout: string }> {
        return runOk(this.aws, ["--endpoint-url", this.s3.endpoint, "--region", "us-east-1", ...args], { env: this.env });
    }

    /** Every object under `prefix`, sorted by key. */
    async list(prefix = ""): Promise<ObjectInfo[]> {
        const r = await this.cli(["s3api", "list-objects-v2", "--bucket", this.s3.bucket, "--prefix", prefix, "--output", "json"]);
        const parsed = (r.stdout.trim() === "" ? {} : JSON.parse(r.stdout)) as { Contents?: { Key: string; Size: number; ETag: string }[] };
        return (parsed.Contents ?? []).map((o) => ({ key: o.Key, size: o.Size, etag: o.ETag })).sort((a, b) => (a.key < b.key ? -1 : 1));
    }

    /** Uploads a local directory tree under `prefix`, in one CLI call. */
    async putTree(localDir: string, prefix: string): Promise<void> {
        await this.cli(["s3", "cp", "--only-show-errors", "--recursive", localDir, `s3://${this.s3.bucket}/${prefix}`]);
    }
}

export interface Push {
    readonly method: string;
    readonly path: string;
    readonly body: string;
}

export interface FakePushgateway {
    readonly url: string;
    readonly pushes: Push[];
    close(): Promise<void>;
}

/** Answers every request 200 and records it, as the Pushgateway answers a valid push. */
export async function startFakePushgateway(): Promise<FakePushgateway> {
    const pushes: Push[] = [];
    const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            pushes.push({ method: req.method ?? "", path: req.url ?? "", body: Buffer.concat(chunks).toString("utf8") });
            res.writeHead(200).end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const addr = server.address();
    const port = typeof addr === "object" && addr !== null ? addr.port : 0;
    return {
        url: `http://127.0.0.1:${port}`,
        pushes,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

/** The samples of a Prometheus text exposition, name to value; fails on a line it cannot read. */
export function parseExposition(body: string): Record<string, number> {
    const samples: Record<string, number> = {};
    for (const line of body.split("\n")) {
        if (line === "" || line.startsWith("#")) {
            continue;
        }
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (-?[0-9.eE+]+)$/.exec(line);
        if (m === null) {
            throw new Error(`not a plain sample line: ${JSON.stringify(line)}`);
        }
        samples[m[1]] = Number(m[2]);
    }
    return samples;
}
