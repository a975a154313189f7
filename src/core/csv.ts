/**
 * Quotes one CSV field when it needs it (RFC 4180: commas, quotes, line breaks, or
 * spaces at either end), so file names such as "ant photos.jpg" or "a,b" read back
 * unchanged in pandas and danfo.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  if (/[",\r\n]/.test(text) || text !== text.trim()) return `"${text.replace(/"/g, '""')}"`;
  return text;
}
