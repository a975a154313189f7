// @ts-check
// `npm run lint` runs this over src/, test/, bench/, scripts/ and bin/: the recommended rules,
// type-aware for TypeScript (through tsconfig.test.json, which covers all three TS folders).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "outputs/", "notebooks/", "native/", "data/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ["**/*.ts"] })),
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { project: "./tsconfig.test.json", tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test() returns a promise the runner itself awaits; all other promises must be handled.
      "@typescript-eslint/no-floating-promises": ["error", { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "describe", "it", "suite"] }] }],
      // Shapes and id lists are number arrays; in messages they print as 28,28,1, which is meant.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowArray: true }],
      // `const { epochs: _epochs, ...rest } = config` is how a key is left out of a copy.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
      // Off: CliCommand.run and the batch sources are async by interface; some bodies need no await.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Synchronous, lazy loads the build (CommonJS) needs: optional backends and the native addon
    // (absent on some machines), tslab (hooked inside a kernel), wabt, esbuild and danfo (heavy).
    files: ["src/backend/index.ts", "src/backend/onednn.ts", "src/backend/system.ts", "src/backend/wasm_simd.ts", "src/data/jpegTurbo.ts", "src/frames/frames.ts", "src/notebook/display.ts", "src/notebook/plotly.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["bin/**/*.js", "scripts/**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { process: "readonly", console: "readonly", __dirname: "readonly" },
    },
  },
);
