// Lint: typescript-eslint's type-aware rules, Pulumi's rules against Outputs in template
// literals, and vitest's rules against tests that assert nothing.
import pulumi from "@pulumi/eslint-plugin";
import vitest from "@vitest/eslint-plugin";
import tseslint from "typescript-eslint";

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
