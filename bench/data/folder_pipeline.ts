/**
 * Image-folder input pipeline throughput: decode + RandomResizedCrop(224) + horizontal flip +
 * normalize into float32 batches of 64, on the hymenoptera training images, beside torchvision's
 * ImageFolder + DataLoader (2 workers) on the same files. Prints images/s (median of 5 runs) and
 * the ratio ours / torchvision.
 *
 *   node --import tsx bench/data/folder_pipeline.ts [--root <folder of class folders>] [--runs 5] [--epochs 3] [--peer false]
 *     [--jpeg-decoder native|sharp]   (sharp: as on a machine where native/jpeg_turbo is not built)
 *
 * Setup: torchvision comes from Debian's python3-torchvision (run by /usr/bin/python3), installed
 * here if missing and running as root (apt-get install -y python3-torchvision); it is never a
 * project dependency. One run = `epochs` timed passes over the folder; each side has one untimed
 * warm-up pass. Runs alternate (ours, torchvision, ours, ...) so that load from other processes on
 * a shared machine hits both sides alike.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { readImageFolder } from "../../src/data/imageFolder";
import { type JpegDecoder, folderBatchSource } from "../../src/data/folderBatches";
import { jpegDecoderDescription } from "../../src/data/jpegTurbo";
import { IMAGENET_MEAN, IMAGENET_STD } from "../../src/data/index";
import type { Transform } from "../../src/data/transforms";

const SEED = 1337;
/** Debian's interpreter, where python3-torchvision installs (not whatever python3 is first on PATH). */
const PYTHON = "/usr/bin/python3";
const BATCH_SIZE = 64;
const IMAGE_SIZE = 224;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const root = path.resolve(option("root", path.resolve(__dirname, "../../../shared/data/hymenoptera_data/train")));
const runs = Number(option("runs", "5"));
const epochs = Number(option("epochs", "3"));
const withPeer = option("peer", "true") !== "false";
const jpegDecoder = option("jpeg-decoder", "native") as JpegDecoder;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Builds our pipeline, runs the warm-up pass, and returns a function timing one run (images/s). */
async function prepareOurs(): Promise<{ run: () => Promise<{ imagesPerS: number; cpuMsPerImage: number }>; nImages: number }> {
  const { images } = await readImageFolder(root);
  const transforms: Transform[] = [
    { kind: "randomResizedCrop", size: IMAGE_SIZE },
    { kind: "horizontalFlip" },
    { kind: "normalize", mean: IMAGENET_MEAN, std: IMAGENET_STD },
  ];
  const source = folderBatchSource(images, { seed: SEED, shuffle: true, transforms, jpegDecoder });
  let epoch = 0;
  const pass = async () => {
    let n = 0;
    for await (const batch of source.batches(epoch++, BATCH_SIZE)) {
      n += batch.shape[0];
      batch.release?.(); // what a trainer does once the batch is copied into a tensor
    }
    return n;
  };
  await pass(); // warm-up: file cache, sharp/libvips initialisation
  const run = async () => {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage(); // all threads of the process, libuv's included
    let n = 0;
    for (let e = 0; e < epochs; e++) n += await pass();
    const cpu = process.cpuUsage(cpuStart);
    return { imagesPerS: n / (Number(process.hrtime.bigint() - start) / 1e9), cpuMsPerImage: (cpu.user + cpu.system) / 1000 / n };
  };
  return { run, nImages: images.files.length };
}

function ensureTorchvision(): boolean {
  const probe = spawnSync(PYTHON, ["-c", "import torchvision"], { stdio: "ignore" });
  if (probe.status === 0) return true;
  if (process.getuid?.() !== 0) {
    console.log("torchvision missing and not root: install Debian's python3-torchvision to get the comparison");
    return false;
  }
  console.log("setup: apt-get install -y python3-torchvision (bench peer only, not a project dependency)");
  execFileSync("apt-get", ["install", "-y", "-q", "python3-torchvision"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return spawnSync(PYTHON, ["-c", "import torchvision"], { stdio: "ignore" }).status === 0;
}

/** One torchvision run in a fresh process (its warm-up pass is untimed); images/s. */
function torchvisionRun(): { imagesPerS: number; cpuMsPerImage: number; nImages: number; versions: string } {
  const result = spawnSync(PYTHON, [path.join(__dirname, "torchvision_folder.py"), root, "1", String(epochs), String(BATCH_SIZE), String(IMAGE_SIZE)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (result.status !== 0) throw new Error(`torchvision bench failed with status ${result.status}`);
  const lines = result.stdout.trim().split("\n");
  const parsed = JSON.parse(lines[lines.length - 1]) as { perRun: number[]; cpuMsPerImage: number[]; nImages: number; versions: string };
  return { imagesPerS: parsed.perRun[0], cpuMsPerImage: parsed.cpuMsPerImage[0], nImages: parsed.nImages, versions: parsed.versions };
}

async function main(): Promise<void> {
  console.log(`folder pipeline bench: ${root}`);
  console.log(`batch ${BATCH_SIZE}, RandomResizedCrop(${IMAGE_SIZE}) + flip + normalize -> float32; ${runs} runs x ${epochs} epochs after 1 warm-up epoch`);
  console.log(`JPEG decoder: ${jpegDecoder === "sharp" ? "sharp (--jpeg-decoder sharp)" : jpegDecoderDescription()}`);
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? "4 (default)"}`);
  const ours = await prepareOurs();
  const peer = withPeer && ensureTorchvision();
  const oursRuns: Array<{ imagesPerS: number; cpuMsPerImage: number }> = [];
  const theirRuns: Array<{ imagesPerS: number; cpuMsPerImage: number }> = [];
  let versions = "";
  let theirImages = 0;
  for (let r = 0; r < runs; r++) {
    oursRuns.push(await ours.run());
    let line = `run ${r + 1}/${runs}: ours ${oursRuns[r].imagesPerS.toFixed(1)} images/s (${oursRuns[r].cpuMsPerImage.toFixed(2)} CPU ms/image)`;
    if (peer) {
      const theirs = torchvisionRun();
      theirRuns.push(theirs);
      versions = theirs.versions;
      theirImages = theirs.nImages;
      line += `, torchvision ${theirs.imagesPerS.toFixed(1)} images/s (${theirs.cpuMsPerImage.toFixed(2)} CPU ms/image)`;
    }
    console.log(line);
  }
  const row = (name: string, nImages: number, results: typeof oursRuns) =>
    `| ${name} | ${nImages} | ${median(results.map((x) => x.imagesPerS)).toFixed(1)} | ${median(results.map((x) => x.cpuMsPerImage)).toFixed(2)} |`;
  console.log("");
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(", ")} (${os.cpus().length} cores)`);
  console.log("| pipeline | images in folder | images/s (median) | CPU ms per image (median, all threads/processes) |");
  console.log("|---|---|---|---|");
  console.log(row(`this project (${jpegDecoder === "sharp" ? "sharp" : "native libjpeg-turbo path"} in libuv threads, 3 batches in flight, batch buffers released)`, ours.nImages, oursRuns));
  if (theirRuns.length > 0) {
    console.log(row(`torchvision ImageFolder + DataLoader, 2 workers (${versions})`, theirImages, theirRuns));
    const ratio = median(oursRuns.map((x) => x.imagesPerS)) / median(theirRuns.map((x) => x.imagesPerS));
    const cpuRatio = median(theirRuns.map((x) => x.cpuMsPerImage)) / median(oursRuns.map((x) => x.cpuMsPerImage));
    console.log(`\nratio ours / torchvision, images/s (medians): ${ratio.toFixed(2)} (target >= 1.0)`);
    console.log(`ratio by CPU cost (torchvision CPU ms / ours): ${cpuRatio.toFixed(2)} (what an idle machine would show when both are CPU-bound)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
