/**
 * Pixel statistics of an in-memory image split for the data exploration: per class the
 * mean and standard deviation of pixel intensity and the share of "ink" pixels, the mean
 * image of each class, and how often each raw pixel value occurs.
 */
import { ValueError } from "../core/errors";
import type { InMemoryImages } from "../data/types";

export interface PixelStatistics {
  /** [nClasses] examples per class. */
  count: number[];
  /** [nClasses] mean intensity in [0, 1] (raw value / pixelMax) over all pixels of the class. */
  meanIntensity: number[];
  /** [nClasses] population standard deviation of the intensity over those pixels. */
  stdIntensity: number[];
  /** [nClasses] share of pixels above half of pixelMax. */
  inkFraction: number[];
  /** [nClasses] mean image of the class, [height * width] intensities in [0, 1], channels averaged. */
  meanImages: Float32Array[];
  /** [pixelMax + 1] pixels with each raw value, over the whole split. */
  valueCounts: number[];
}

/** Computes PixelStatistics in one pass over the pixels (float64 sums). */
export function pixelStatistics(split: InMemoryImages): PixelStatistics {
  const [height, width, channels] = split.shape;
  const nClasses = split.classNames.length;
  const perImage = height * width * channels;
  const nExamples = split.labels.length;
  if (split.pixels.length !== nExamples * perImage) {
    throw new ValueError(`pixelStatistics: expected ${nExamples} x ${perImage} pixels for split ${split.name}/${split.split}, got ${split.pixels.length}`);
  }
  const count = new Array<number>(nClasses).fill(0);
  const sum = new Float64Array(nClasses);
  const sumSq = new Float64Array(nClasses);
  const ink = new Float64Array(nClasses);
  const imageSums = Array.from({ length: nClasses }, () => new Float64Array(height * width));
  const valueCounts = new Array<number>(split.pixelMax + 1).fill(0);
  const half = split.pixelMax / 2;
  for (let i = 0; i < nExamples; i++) {
    const c = split.labels[i];
    if (c < 0 || c >= nClasses) throw new ValueError(`pixelStatistics: expected labels in [0, ${nClasses}), got ${c} for example ${i}`);
    count[c]++;
    const base = i * perImage;
    const image = imageSums[c];
    for (let p = 0; p < height * width; p++) {
      for (let ch = 0; ch < channels; ch++) {
        const raw = split.pixels[base + p * channels + ch];
        const v = raw / split.pixelMax;
        sum[c] += v;
        sumSq[c] += v * v;
        if (raw > half) ink[c]++;
        image[p] += v / channels;
        valueCounts[raw]++;
      }
    }
  }
  const pixelsOf = (c: number) => count[c] * perImage;
  const meanIntensity = count.map((_, c) => (count[c] ? sum[c] / pixelsOf(c) : NaN));
  return {
    count,
    meanIntensity,
    stdIntensity: count.map((_, c) => (count[c] ? Math.sqrt(Math.max(0, sumSq[c] / pixelsOf(c) - meanIntensity[c] ** 2)) : NaN)),
    inkFraction: count.map((_, c) => (count[c] ? ink[c] / pixelsOf(c) : NaN)),
    meanImages: imageSums.map((image, c) => Float32Array.from(image, (v) => (count[c] ? v / count[c] : NaN))),
    valueCounts,
  };
}
