/**
 * Static images of plotly figures, drawn by plotly.js itself (Plotly.toImage) in a headless
 * Chromium driven by playwright-core, with every network request refused. Used by the
 * headless runner for the saved .ipynb copies and by a live kernel for its charts.
 * playwright-core is loaded only here, when a browser is found; without one there are no
 * images and the charts carry their HTML and plotly JSON only.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PlotlyFigure } from "../figures/types";

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
  // A kernel keeps its renderer until it exits; playwright then ends the browser, this the profile.
  const removeProfile = () => fs.rmSync(profile, { recursive: true, force: true });
  process.once("exit", removeProfile);
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
      process.removeListener("exit", removeProfile);
      removeProfile();
    },
  };
}
