/**
 * A value a stack file holds encrypted: `{ secure: <ciphertext> }`, a map of that one key
 * (pulumi/pulumi sdk/go/common/resource/config/object.go: "Secure values are encoded as
 * {"secure": "ciphertext"}"). One reading of it for the offline plan (plan/stack-config.ts), the
 * per-leaf secret rules (config/stack-file.ts) and `npm run pending-switches`. No imports: that
 * script starts without zod or the Pulumi SDK (plan/root.ts).
 */
export function isSecureNode(v: unknown): v is { readonly secure: string } {
    return v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";
}
