import { parse } from 'csv-parse/sync';

export interface IntentExample {
  text: string;
  intent: string;
}

interface InfoRow {
  record: string[];
  info: { lines: number };
}

const isInfoRow = (row: unknown): row is InfoRow =>
  typeof row === 'object' &&
  row !== null &&
  'record' in row &&
  Array.isArray(row.record) &&
  row.record.every((field) => typeof field === 'string') &&
  'info' in row &&
  typeof row.info === 'object' &&
  row.info !== null &&
  'lines' in row.info &&
  typeof row.info.lines === 'number';

/**
 * Reads a `text,category` CSV (the DialoGLUE format) as RFC 4180: any field may be quoted, and a
 * quoted field may hold commas, `""` and line breaks. Python's csv module (which wrote HWU64's
 * files) quotes only where needed; other tools quote every field, the header included.
 */
export function parseIntentCsv(content: string): IntentExample[] {
  let rows: InfoRow[];
  try {
    // Column counts are checked below rather than by csv-parse, so that a wrong header gets
    // the header's error and not "record length" on line 2.
    const parsed: unknown[] = parse(content, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
      info: true,
    });
    // With `info`, each record comes as { record, info }, which csv-parse's types do not say:
    // checked here rather than assumed.
    rows = parsed.map((row) => {
      if (!isInfoRow(row)) throw new Error('csv-parse returned a record without its line number');
      return row;
    });
  } catch (error) {
    const { lines, message } = error as { lines?: number; message: string };
    throw new Error(lines ? `line ${lines}: ${message}` : message);
  }
  const header = rows[0]?.record ?? [];
  if (header.length !== 2 || header[0]?.toLowerCase() !== 'text' || header[1]?.toLowerCase() !== 'category') {
    throw new Error(`expected the header "text,category", got "${header.join(',').slice(0, 40)}"`);
  }
  return rows.slice(1).map(({ record, info }) => {
    const [text, intent] = record;
    // info.lines is the line the record ends on: its own line unless a quoted field spans lines.
    if (record.length !== 2)
      throw new Error(`line ${info.lines}: expected 2 fields (text,category), got ${record.length}`);
    if (!text || !intent) throw new Error(`line ${info.lines}: the ${text ? 'category' : 'text'} is empty`);
    return { text, intent };
  });
}
