/**
 * The import rules of src/: each folder is one layer and may import only the layers listed
 * for it, so data flows one way (data -> train -> run files -> analysis -> frames/figures ->
 * notebooks/reports; experiments is the one wing that sees both training and analysis).
 * `npm test` runs `depcruise src` first; a forbidden import or any cycle fails it.
 */
const allowed = {
  core: [],
  config: ["core"],
  data: ["core", "config"],
  models: ["core", "config"],
  runs: ["core", "config"],
  backend: ["core", "config", "runs"],
  train: ["core", "config", "data", "models", "backend", "runs"],
  analysis: ["core", "config", "runs"],
  frames: ["core", "config", "data", "runs", "analysis"],
  figures: ["core", "config", "runs", "analysis"],
  notebook: ["core", "config", "data", "runs", "analysis", "frames", "figures"],
  report: ["core", "config", "runs", "analysis", "frames", "figures", "notebook"],
  experiments: ["core", "config", "data", "models", "backend", "runs", "train", "analysis"],
  setup: ["core", "config", "data", "backend", "runs", "notebook", "report"],
  cli: ["core", "config", "data", "models", "backend", "runs", "train", "analysis", "frames", "figures", "notebook", "report", "experiments", "setup"],
};
const layers = Object.keys(allowed);

module.exports = {
  forbidden: [
    ...layers.map((layer) => ({
      name: `${layer}-imports-only-${allowed[layer].join("-") || "nothing"}`,
      comment: `src/${layer}/ may import only ${allowed[layer].map((l) => `src/${l}/`).join(", ") || "node and npm modules"}`,
      severity: "error",
      from: { path: `^src/${layer}/` },
      to: { path: `^src/(?!(${[layer, ...allowed[layer]].join("|")})/)` },
    })),
    {
      name: "no-circular",
      comment: "No module may reach itself through its imports.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-folder-outside-the-layers",
      comment: "Every folder of src/ is a layer above; a new one needs its place in the rules.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: `^src/(?!(${layers.join("|")})/|index\\.ts$|cli\\.ts$)` },
    },
    {
      name: "only-the-entry-points-import-the-index",
      comment: "src/index.ts is the public index; library code imports the module itself.",
      severity: "error",
      from: { path: "^src/(?!cli\\.ts$)" },
      to: { path: "^src/index\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(dist|node_modules)/" },
  },
};
