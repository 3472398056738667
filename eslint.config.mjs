// Lint: typescript-eslint's type-aware rules, Pulumi's rules against Outputs in template
// literals, and vitest's rules against tests that assert nothing.
import pulumi from "@pulumi/eslint-plugin";
import vitest from "@vitest/eslint-plugin";
import tseslint from "typescript-eslint";

/**
 * The policy pack as the CLI loads it: @pulumi/pulumi v3.248.0 cmd/run-policy-pack/run.js registers
 * ts-node with `typeCheck: true` and `target: "ES2020"` (policies/ has no tsconfig.json), so no lib past
 * ES2020, while `npm run check` types policies/ with tsconfig.json's ES2022. What ES2021+ adds and the pack
 * could reach for fails only tests/policy-pack-publish.test.ts (CI): caught here, in `npm run check`.
 * The packed files only (policies/package.json `files`: not config.ts, evaluate.ts).
 */
const ES2020_ONLY = "is past ES2020, the lib the policy pack is type-checked with when the CLI loads it (@pulumi/pulumi cmd/run-policy-pack/run.js: target ES2020)";
export const POLICY_PACK_LIB_RULES = {
    "no-restricted-properties": [
        "error",
        { object: "Object", property: "hasOwn", message: `Object.hasOwn ${ES2020_ONLY}: use Object.prototype.hasOwnProperty.call.` },
        { object: "Object", property: "groupBy", message: `Object.groupBy ${ES2020_ONLY}.` },
        ...["any", "withResolvers"].map((property) => ({ object: "Promise", property, message: `Promise.${property} ${ES2020_ONLY}.` })),
        ...["at", "replaceAll", "findLast", "findLastIndex", "toSorted", "toReversed", "toSpliced", "isWellFormed", "toWellFormed"].map((property) => ({
            property,
            message: `.${property}() of strings and arrays ${ES2020_ONLY}.`,
        })),
    ],
    "no-restricted-globals": ["error", ...["AggregateError", "WeakRef", "FinalizationRegistry"].map((name) => ({ name, message: `${name} ${ES2020_ONLY}.` }))],
};

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", "coverage/", "scratch/", "**/*.d.ts", "eslint.config.mjs"] },
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            // `??` for defaults: a replica count of 0 is a value.
            "@typescript-eslint/prefer-nullish-coalescing": "error",
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-unused-expressions": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "no-restricted-syntax": [
                "error",
                { selector: "CallExpression[callee.property.name='requireObject']", message: "Parse config through config/ (zod), never an unchecked requireObject cast." },
                {
                    // A resource created inside apply() is missing from previews and its name may derive from an Output.
                    selector: "CallExpression[callee.property.name='apply'] NewExpression[callee.type='MemberExpression']:matches([callee.object.name=/^(aws|k8s|random|grafana)$/], [callee.object.object.name=/^(aws|k8s|random|grafana)$/], [callee.object.object.object.name=/^(aws|k8s|random|grafana)$/])",
                    message: "No resource is ever created inside apply(): build it outside and pass Outputs as inputs.",
                },
            ],
        },
    },
    {
        // Plain CommonJS launchers and preloads (they run before any TypeScript can): no type
        // information, Node's globals.
        files: ["**/*.cjs"],
        ...tseslint.configs.disableTypeChecked,
        languageOptions: {
            ...tseslint.configs.disableTypeChecked.languageOptions,
            sourceType: "commonjs",
            globals: { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly" },
        },
        rules: {
            ...tseslint.configs.disableTypeChecked.rules,
            "@typescript-eslint/no-require-imports": "off",
            // Pulumi's rules need type information; no Output reaches these files.
            "@pulumi/no-output-in-template-literal": "off",
            "@pulumi/no-output-instance-in-template-literal": "off",
        },
    },
    {
        files: ["policies/**/*.ts"],
        ignores: ["policies/config.ts", "policies/evaluate.ts"],
        rules: POLICY_PACK_LIB_RULES,
    },
    {
        files: ["tests/**/*.ts"],
        plugins: { vitest },
        rules: {
            ...vitest.configs.recommended.rules,
            // A test must assert something; `expect(x).toBeDefined` without a call is caught too.
            "vitest/expect-expect": ["error", { assertFunctionNames: ["expect", "expect*", "assert*"] }],
            "vitest/valid-expect": "error",
            "vitest/no-conditional-expect": "error",
            "vitest/no-disabled-tests": "error",
            "vitest/no-focused-tests": "error",
            "vitest/no-standalone-expect": "error",
        },
    },
);
