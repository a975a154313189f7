/**
 * Static images of the charts in executed notebooks, and the two forms of a chart output:
 * the saved .ipynb keeps the static PNG (as image/png and inside its HTML, so untrusted
 * notebooks and viewers that run no scripts show the chart), the HTML report drops it (the
 * page draws the chart itself and must stay light).
 *
 * Images are drawn by plotly.js itself (Plotly.toImage) in a headless Chromium driven by
 * playwright-core, with every network request refused. playwright-core is loaded only here,
 * when a browser is found; without one the notebooks carry the HTML and plotly JSON only.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PlotlyFigure } from "../figures/types";
import { PLOTLY_MIME, type FigureOutputMetadata, figureHtml } from "../notebook/plotly";
import type { NotebookDocument, NotebookOutput } from "./notebookFile";

/** Chromium binaries tried in order (Debian's package first). */
const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** Flags of a headless Chromium that talks to no server (no updates, sync or metrics). */
export const HEADLESS_CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

/** Width of a chart's image when its layout sets none, pixels (the report column's width). */
const DEFAULT_IMAGE_WIDTH = 900;
/** Plotly's own default height, used when a layout sets none. */
const DEFAULT_IMAGE_HEIGHT = 450;

/** The first Chromium found, or null. */
function findChromium(candidates: readonly string[] = CHROMIUM_CANDIDATES): string | null {
  return candidates.find((file) => fs.existsSync(file)) ?? null;
}

/** Renders figures to PNG; close it when done. */
export interface ChartImageRenderer {
  /** The figure as a PNG, base64 (no data: prefix). */
  render(figure: PlotlyFigure): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a headless Chromium with plotly.js loaded into a blank page.
 * @returns null when no Chromium or no playwright-core is installed (the reason goes to `log`).
 */
export async function openChartImageRenderer(bundle: string, options: { chromium?: string; log?: (line: string) => void } = {}): Promise<ChartImageRenderer | null> {
  const log = options.log ?? (() => {});
  const executablePath = options.chromium ?? findChromium();
  if (!executablePath || !fs.existsSync(executablePath)) {
    log(`  chart images skipped: no Chromium (tried ${options.chromium ?? CHROMIUM_CANDIDATES.join(", ")})`);
    return null;
  }
  let playwright: typeof import("playwright-core");
  try {
    playwright = await import("playwright-core");
  } catch {
    log("  chart images skipped: playwright-core is not installed");
    return null;
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-chart-images-"));
  const context = await playwright.chromium.launchPersistentContext(profile, { executablePath, headless: true, args: HEADLESS_CHROMIUM_FLAGS });
  const page = await context.newPage();
  await page.route("**/*", (route) => route.abort());
  await page.setContent("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body></body></html>");
  await page.addScriptTag({ content: bundle });
  return {
    async render(figure) {
      const width = typeof figure.layout.width === "number" ? figure.layout.width : DEFAULT_IMAGE_WIDTH;
      const height = typeof figure.layout.height === "number" ? figure.layout.height : DEFAULT_IMAGE_HEIGHT;
      // Source text, not a function: tsx would wrap a function in a helper the page lacks.
      const url = await page.evaluate<string>(`window.Plotly.toImage(${JSON.stringify({ data: figure.data, layout: figure.layout })}, ${JSON.stringify({ format: "png", width, height })})`);
      return url.slice(url.indexOf(",") + 1);
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A chart output made by showFigure: its plotly JSON and chart id, or null for any other output. */
function chartOf(output: NotebookOutput): { figure: PlotlyFigure; config?: Record<string, unknown>; id: string } | null {
  const json = output.data?.[PLOTLY_MIME] as (PlotlyFigure & { config?: Record<string, unknown> }) | undefined;
  const id = (output.metadata as Partial<FigureOutputMetadata> | undefined)?.forgetting?.chartId;
  if (!json || typeof id !== "string" || !Array.isArray(json.data)) return null;
  return { figure: { data: json.data, layout: json.layout ?? {} }, config: json.config, id };
}

/** Every chart output of the notebook, in order. */
export function chartOutputs(notebook: NotebookDocument): NotebookOutput[] {
  return notebook.cells.flatMap((cell) => (cell.outputs ?? []).filter((output) => chartOf(output) !== null));
}

/**
 * Adds a rendered image to every chart output (in place): image/png, and the same image
 * inside the chart's HTML. Returns how many charts got one.
 */
export async function addChartImages(notebook: NotebookDocument, renderer: ChartImageRenderer): Promise<number> {
  let count = 0;
  for (const output of chartOutputs(notebook)) {
    const chart = chartOf(output) as NonNullable<ReturnType<typeof chartOf>>;
    const imagePng = await renderer.render(chart.figure);
    output.data = { ...output.data, "text/html": figureHtml(chart.figure, { id: chart.id, config: chart.config, imagePng }), "image/png": imagePng };
    count++;
  }
  return count;
}

/**
 * The notebook as the HTML report shows it (pure): chart outputs without their static image,
 * which the page does not need since it draws the chart.
 */
export function withoutChartImages(notebook: NotebookDocument): NotebookDocument {
  return {
    ...notebook,
    cells: notebook.cells.map((cell) =>
      !cell.outputs
        ? cell
        : {
            ...cell,
            outputs: cell.outputs.map((output) => {
              const chart = chartOf(output);
              if (!chart) return output;
              const { "image/png": _image, ...data } = output.data ?? {};
              return { ...output, data: { ...data, "text/html": figureHtml(chart.figure, { id: chart.id, config: chart.config }) } };
            }),
          },
    ),
  };
}
