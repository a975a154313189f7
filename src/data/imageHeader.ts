/**
 * Image size from the first bytes of a file, for the formats that dominate image folders
 * (JPEG, PNG, GIF). Reading it here saves a separate decoder call per image (the crop
 * parameters need the size before the decode); other formats return undefined and the
 * caller asks the decoder.
 */

/** [height, width] as stored (no EXIF rotation), or undefined if not found. */
export function imageSizeFromHeader(bytes: Uint8Array): [height: number, width: number] | undefined {
  if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    // PNG: signature (8), IHDR length (4), "IHDR" (4), width, height (big-endian uint32).
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return [view.getUint32(20), view.getUint32(16)];
  }
  if (bytes.length >= 10 && bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) {
    // GIF: logical screen width and height, little-endian uint16 at 6 and 8.
    return [bytes[8] | (bytes[9] << 8), bytes[6] | (bytes[7] << 8)];
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegSize(bytes);
  return undefined;
}

/** Walks JPEG marker segments to the first start-of-frame (SOF0..SOF15 except DHT, JPG, DAC). */
function jpegSize(bytes: Uint8Array): [number, number] | undefined {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    const length = (bytes[offset + 2] << 8) | bytes[offset + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = (bytes[offset + 5] << 8) | bytes[offset + 6];
      const width = (bytes[offset + 7] << 8) | bytes[offset + 8];
      return height > 0 && width > 0 ? [height, width] : undefined;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data before any frame header
    offset += 2 + length;
  }
  return undefined;
}
