/**
 * Opens exported HTML reports in headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core; never a downloaded browser) and reports what rendered: charts with their
 * plotly SVG, tables, images of the grids, console errors. Shared by the report tests.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { BrowserContext } from "playwright-core";
import { HEADLESS_CHROMIUM_FLAGS } from "../../src/notebook/chartImage";

export const CHROMIUM = "/usr/bin/chromium";

/** Why the browser checks cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is absent (apt-get install chromium)`;
  try {
    require.resolve("playwright-core");
  } catch {
    return "playwright-core is not installed";
  }
  return null;
}

/** A headless Chromium with a fresh profile; close it with `close()`. */
export async function openBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const { chromium } = await import("playwright-core");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "forgetting-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: HEADLESS_CHROMIUM_FLAGS,
    viewport: { width: 1200, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface RenderedReport {
  /** Chart containers (.forgetting-plot) on the page. */
  charts: number;
  /** Of those, how many hold plotly's rendered <svg class="main-svg"> with drawn content. */
  chartsWithSvg: number;
  /** Ids of charts without an SVG. */
  chartsWithoutSvg: string[];
  /** Tables built by the project (.forgetting-table). */
  tables: number;
  /** Images in grids, and how many of them decoded (naturalWidth > 0). */
  gridImages: number;
  gridImagesDecoded: number;
  /** console.error messages and uncaught page errors. */
  consoleErrors: string[];
  /** Every URL the page requested; anything but a file of the page's folder was refused. */
  requests: string[];
  /** Of those, the ones outside the page's folder. */
  outsideRequests: string[];
  /** Text of Jupyter's stderr outputs left in the page. */
  stderrOutputs: string[];
  title: string;
}

/** Runs in the page: counts charts (drawn = plotly's main SVG plus a trace), tables, grid images, stderr outputs. */
const PAGE_PROBE = `(() => {
  const charts = Array.from(document.querySelectorAll(".forgetting-plot"));
  const drawn = (el) => !!el.querySelector("svg.main-svg") && !!el.querySelector(".trace, .hm, image, .barlayer .point, .scatterlayer path");
  const images = Array.from(document.querySelectorAll(".forgetting-grid img"));
  return {
    charts: charts.length,
    chartsWithSvg: charts.filter(drawn).length,
    chartsWithoutSvg: charts.filter((el) => !drawn(el)).map((el) => el.id),
    tables: document.querySelectorAll("table.forgetting-table").length,
    gridImages: images.length,
    gridImagesDecoded: images.filter((img) => img.complete && img.naturalWidth > 0).length,
    stderrOutputs: Array.from(document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')).map((el) => (el.textContent || "").trim()),
    title: document.title,
  };
})()`;

/**
 * Loads `htmlFile`, waits until every chart has drawn (or `timeoutMs` passes), saves a full
 * page screenshot to `screenshotFile`, and returns what rendered.
 */
export async function inspectReport(context: BrowserContext, htmlFile: string, screenshotFile: string, timeoutMs = 60_000): Promise<RenderedReport> {
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => consoleErrors.push(`uncaught: ${err.message}`));
  // Every request is logged, and any that leaves the report's own folder is refused (offline, copyable).
  const folder = `${pathToFileURL(path.dirname(htmlFile)).href}/`;
  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  await page.route("**/*", (route) => (route.request().url().startsWith(folder) || route.request().url().startsWith("data:") ? route.continue() : route.abort()));
  await page.goto(pathToFileURL(htmlFile).href, { waitUntil: "load", timeout: timeoutMs });
  await page
    .waitForFunction(
      'Array.from(document.querySelectorAll(".forgetting-plot")).every((el) => el.querySelector("svg.main-svg"))',
      undefined,
      { timeout: timeoutMs },
    )
    .catch(() => undefined); // counted below; the test names the charts that did not draw
  // Passed as source text: tsx would wrap named functions in a __name() helper the page lacks.
  const rendered = await page.evaluate<Omit<RenderedReport, "consoleErrors" | "requests" | "outsideRequests">>(PAGE_PROBE);
  fs.mkdirSync(path.dirname(screenshotFile), { recursive: true });
  await page.screenshot({ path: screenshotFile, fullPage: true });
  await page.close();
  const outsideRequests = requests.filter((url) => !url.startsWith(folder) && !url.startsWith("data:"));
  return { ...rendered, consoleErrors, requests, outsideRequests };
}
