/** Reads a `text,category` CSV (the DialoGLUE format); quoted fields may hold commas. */
export function parseIntentCsv(content: string): { text: string; intent: string }[] {
  const lines = content
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const header = lines.shift() ?? '';
  if (!/^text,category$/i.test(header.trim())) {
    throw new Error(`expected the header "text,category", got "${header.slice(0, 40)}"`);
  }
  return lines.map((line, n) => {
    const cut = line.lastIndexOf(',');
    if (cut <= 0) throw new Error(`line ${n + 2}: expected "text,category"`);
    let text = line.slice(0, cut).trim();
    if (text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).replace(/""/g, '"');
    return { text, intent: line.slice(cut + 1).trim() };
  });
}
