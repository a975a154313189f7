/**
 * Static images of the charts in executed notebooks, and the two forms of a chart output:
 * the saved .ipynb keeps the static PNG (as image/png and inside its HTML, so untrusted
 * notebooks and viewers that run no scripts show the chart), the HTML report drops it (the
 * page draws the chart itself and must stay light).
 * The images come from src/notebook/chartImage.ts (plotly.js in headless Chromium).
 */
import type { PlotlyFigure } from "../figures/types";
import type { ChartImageRenderer } from "../notebook/chartImage";
import { PLOTLY_MIME, type FigureOutputMetadata, figureHtml } from "../notebook/plotly";
import type { NotebookDocument, NotebookOutput } from "./notebookFile";

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
