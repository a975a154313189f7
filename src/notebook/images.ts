/**
 * Grids of training examples as HTML: each example a PNG data URI (encoded with sharp) with
 * a caption of its id, label and statistics. Plain <img> tags, so the grid survives
 * nbconvert's export and needs no script or canvas.
 */
import sharp from "sharp";
import { ValueError } from "../core/errors";
import type { ImageSplit, InMemoryImages } from "../data/types";
import { escapeHtml } from "./html";

/** One picture of a grid. */
export interface ImageTile {
  /** A data: URI (or any URL) of the picture. */
  src: string;
  /** Caption lines under the picture (id, label, statistics). */
  caption: string[];
  /** Tooltip text; default the caption joined. */
  title?: string;
}

export interface ImageGridOptions {
  /** Heading above the grid. */
  title?: string;
  /** Displayed picture width and height, CSS pixels (default 64). */
  size?: number;
  /** Text shown when there are no tiles (default "(none)"). */
  emptyText?: string;
}

/** The HTML of a grid of tiles (pure). */
export function imageGridHtml(tiles: readonly ImageTile[], options: ImageGridOptions = {}): string {
  const size = options.size ?? 64;
  const title = options.title ? `<div class="forgetting-grid-title">${escapeHtml(options.title)}</div>` : "";
  if (tiles.length === 0) return `${title}<div class="forgetting-grid empty">${escapeHtml(options.emptyText ?? "(none)")}</div>`;
  const figures = tiles.map((tile) => {
    const tooltip = escapeHtml(tile.title ?? tile.caption.join(", "));
    const caption = tile.caption.map((line) => escapeHtml(line)).join("<br>");
    return `<figure><img src="${escapeHtml(tile.src)}" width="${size}" height="${size}" alt="${tooltip}" title="${tooltip}"><figcaption>${caption}</figcaption></figure>`;
  });
  return `${title}<div class="forgetting-grid" style="--cell-width:${Math.max(size, 64) + 8}px">${figures.join("")}</div>`;
}

/**
 * Encodes one in-memory image as a PNG data URI, scaled to `size` x `size` pixels with
 * nearest-neighbour sampling (small images such as 8x8 digits stay crisp).
 * @param split the split holding the image; pixels are [nExamples, height, width, channels].
 * @param exampleId index of the image in the split.
 */
export async function inMemoryImagePng(split: InMemoryImages, exampleId: number, size: number): Promise<string> {
  const [height, width, channels] = split.shape;
  const nExamples = split.labels.length;
  if (!Number.isInteger(exampleId) || exampleId < 0 || exampleId >= nExamples) {
    throw new ValueError(`inMemoryImagePng: expected an exampleId in [0, ${nExamples}), got ${exampleId}`);
  }
  const perImage = height * width * channels;
  const raw = Buffer.alloc(perImage);
  const scale = 255 / split.pixelMax;
  for (let k = 0; k < perImage; k++) raw[k] = Math.round(split.pixels[exampleId * perImage + k] * scale);
  const png = await sharp(raw, { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } })
    .resize(size, size, { kernel: "nearest", fit: "fill" })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString("base64")}`;
}

/** Encodes example `exampleId` of any split (in memory or image folder) as a PNG data URI of `size` px. */
async function exampleImagePng(split: ImageSplit, exampleId: number, size: number): Promise<string> {
  if (split.kind === "in-memory") return inMemoryImagePng(split, exampleId, size);
  const file = split.files[exampleId];
  if (file === undefined) throw new ValueError(`exampleImagePng: expected an exampleId in [0, ${split.files.length}), got ${exampleId}`);
  const png = await sharp(`${split.root}/${file}`).resize(size, size, { fit: "cover" }).png().toBuffer();
  return `data:image/png;base64,${png.toString("base64")}`;
}

export interface ExampleGridOptions extends ImageGridOptions {
  /** Caption lines of each example after its id and class, e.g. statistics. */
  details?: (exampleId: number) => string[];
  /** Label to show per example (default the split's label), e.g. a noisy label. */
  labelOf?: (exampleId: number) => number;
  /** Pixels of the encoded image (default 2 x size, sharp on high-DPI screens). */
  encodeSize?: number;
}

/** The grid of the given training examples: picture, "#id", class name, then `details`. */
export async function exampleGridHtml(split: ImageSplit, exampleIds: readonly number[], options: ExampleGridOptions = {}): Promise<string> {
  const size = options.size ?? 64;
  const tiles: ImageTile[] = [];
  for (const id of exampleIds) {
    const label = options.labelOf ? options.labelOf(id) : split.labels[id];
    const className = split.classNames[label] ?? String(label);
    tiles.push({ src: await exampleImagePng(split, id, options.encodeSize ?? size * 2), caption: [`#${id}`, className, ...(options.details?.(id) ?? [])] });
  }
  return imageGridHtml(tiles, options);
}
