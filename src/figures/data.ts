/**
 * Figures of the data exploration: class distribution, mean image per class, pixel values.
 */
import { ValueError } from "../core/errors";
import { hoverFormat } from "../core/format";
import { PALETTE, examplePick, type PlotlyFigure, axis, baseLayout, hoverLines } from "./types";

/** Counts per class of one split, [nClasses]. */
export interface SplitCounts {
  name: string;
  counts: ArrayLike<number>;
  /** [nClasses] the examples behind each bar (training split), shown on click. */
  picks?: readonly ArrayLike<number>[];
}

/**
 * Bar chart of examples per class, one bar group per split (e.g. train and test).
 * @param classNames [nClasses] names on the x axis.
 */
export function classDistributionFigure(classNames: readonly string[], splits: readonly SplitCounts[], options: { title?: string } = {}): PlotlyFigure {
  for (const split of splits) {
    if (split.counts.length !== classNames.length) {
      throw new ValueError(`classDistributionFigure: expected ${classNames.length} counts (one per class) for split "${split.name}", got ${split.counts.length}`);
    }
  }
  return {
    data: splits.map((split, i) => ({
      type: "bar",
      name: split.name,
      x: [...classNames],
      y: Array.from(split.counts),
      marker: { color: PALETTE[i % PALETTE.length] },
      ...(split.picks ? { customdata: split.picks.map((ids) => examplePick(ids)) } : {}),
      hovertemplate: hoverLines(`${split.name} split`, [["class", "%{x}"], ["examples", hoverFormat("count", "y")]]),
    })),
    layout: baseLayout(options.title ?? "Examples per class", {
      barmode: "group",
      xaxis: axis("class", { type: "category" }),
      yaxis: axis("examples", { rangemode: "tozero" }),
    }),
  };
}

/**
 * Small multiples of the mean image of each class (heatmaps, one panel per class).
 * @param meanImages [nClasses] images of [height * width] values in [0, 1], row-major.
 */
export function meanImagesFigure(meanImages: readonly ArrayLike<number>[], shape: { height: number; width: number }, classNames: readonly string[], options: { title?: string; columns?: number } = {}): PlotlyFigure {
  const { height, width } = shape;
  if (meanImages.length !== classNames.length) {
    throw new ValueError(`meanImagesFigure: expected ${classNames.length} mean images (one per class), got ${meanImages.length}`);
  }
  const columns = options.columns ?? Math.min(5, classNames.length);
  const rows = Math.ceil(classNames.length / columns);
  const layout = baseLayout(options.title ?? "Mean image per class", {
    grid: { rows, columns, pattern: "independent", xgap: 0.08, ygap: 0.18 },
    height: 140 * rows + 70,
    annotations: [] as Record<string, unknown>[],
  });
  const data = meanImages.map((image, c) => {
    if (image.length !== height * width) throw new ValueError(`meanImagesFigure: expected ${height * width} values for class ${c}, got ${image.length}`);
    const z = Array.from({ length: height }, (_, y) => Array.from({ length: width }, (_, x) => Number(image[y * width + x].toFixed(4))));
    const suffix = c === 0 ? "" : String(c + 1);
    layout[`xaxis${suffix}`] = { visible: false, constrain: "domain" };
    layout[`yaxis${suffix}`] = { visible: false, autorange: "reversed", scaleanchor: `x${suffix}` };
    (layout.annotations as Record<string, unknown>[]).push({
      text: classNames[c],
      xref: `x${suffix} domain`,
      yref: `y${suffix} domain`,
      x: 0.5,
      y: 1.02,
      xanchor: "center",
      yanchor: "bottom",
      showarrow: false,
    });
    return {
      type: "heatmap",
      z,
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      zmin: 0,
      zmax: 1,
      colorscale: "Greys",
      reversescale: true,
      showscale: c === 0,
      name: classNames[c],
      hovertemplate: hoverLines(`mean image of class ${classNames[c]}`, [["pixel", "row %{y}, column %{x}"], ["mean intensity (0-1)", hoverFormat("ratio", "z")]]),
    };
  });
  return { data, layout };
}

/**
 * Bar chart of how often each raw pixel value occurs.
 * @param counts [pixelMax + 1] counts per value.
 */
export function pixelValueFigure(counts: ArrayLike<number>, options: { title?: string; logY?: boolean } = {}): PlotlyFigure {
  return {
    data: [{ type: "bar", x: Array.from({ length: counts.length }, (_, v) => v), y: Array.from(counts), marker: { color: PALETTE[0] }, hovertemplate: hoverLines("pixels of the training split", [["raw pixel value", "%{x}"], ["pixels", hoverFormat("count", "y")]]) }],
    layout: baseLayout(options.title ?? "Pixel values", {
      xaxis: axis("raw pixel value"),
      yaxis: options.logY === false ? axis("pixels", { rangemode: "tozero" }) : axis("pixels (log scale)", { type: "log" }),
      bargap: 0.05,
    }),
  };
}
