// Display width of a string the way terminal tables count it: wide East Asian characters take two cells.
export function displayWidth(s: string): number {
  let width = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0x300 && cp <= 0x36f) || cp === 0x200b) continue;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1f300 && cp <= 0x1f64f) ||
      (cp >= 0x1f900 && cp <= 0x1f9ff) ||
      (cp >= 0x20000 && cp <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

const padCell = (s: string, width: number): string => s + ' '.repeat(Math.max(0, width - displayWidth(s)));

/**
 * Arrow's pretty_format_batches layout: `+---+` rules, one header row, left-aligned cells, no rule
 * between rows and no trailing newline. Multi-line cells span several text lines, as comfy-table does.
 */
export function prettyTable(header: string[], rows: string[][]): string {
  if (header.length === 0) return '++\n++';
  const widths = header.map((h, c) => Math.max(displayWidth(h), ...rows.map((r) => Math.max(...r[c]!.split('\n').map(displayWidth)))));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: string[]): string[] => {
    const split = cells.map((c) => c.split('\n'));
    const height = Math.max(...split.map((s) => s.length));
    const out: string[] = [];
    for (let i = 0; i < height; i++) out.push(`|${split.map((s, c) => ` ${padCell(s[i] ?? '', widths[c]!)} `).join('|')}|`);
    return out;
  };
  const lines = [rule, ...line(header), rule];
  for (const row of rows) lines.push(...line(row));
  lines.push(rule);
  return lines.join('\n');
}
