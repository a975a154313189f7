/** Content checksums that identify a dataset split (recorded in run manifests). */
import { createHash } from "node:crypto";

/** sha256 (hex) over the shape ([height, width, channels]), the raw pixels and the labels of an in-memory split. */
export function splitChecksum(shape: readonly number[], pixels: Uint8Array, labels: Int32Array): string {
  const hash = createHash("sha256");
  hash.update(`shape=${shape.join("x")};n=${labels.length}\n`);
  hash.update(pixels);
  hash.update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
  return hash.digest("hex");
}

/** sha256 (hex) of a text or bytes (variant descriptions, file lists, checkpoint files). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
