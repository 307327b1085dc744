// npm run eval:requests -- FILE.jsonl — each request through decide(), as `aura ask` runs it,
// against what the file expects (its format: packages/assistant/data/requests-format.md).
// One line per request, the failures with what was wrong; the last line is `requests right: N/M`.
import { readFileSync } from 'node:fs';
import { evaluate, parseRequests } from './request-eval.ts';

const file =
  process.argv.slice(2).find((a) => !a.startsWith('--')) ?? new URL('../data/requests.jsonl', import.meta.url).pathname;
let cases: ReturnType<typeof parseRequests>;
try {
  cases = parseRequests(readFileSync(file, 'utf8'));
} catch (error) {
  process.stderr.write(`eval:requests: cannot read ${file}: ${(error as Error).message}\n`);
  process.exit(1);
}
if (cases.length === 0) {
  process.stderr.write(`eval:requests: ${file} has no requests\n`);
  process.exit(1);
}
const quiet = process.argv.includes('--failures');
const results = await evaluate(cases);
for (const r of results) {
  if (quiet && r.wrong.length === 0) continue;
  const d = r.decision;
  const got = d.questions[0] ? `asks "${d.questions[0]}"` : d.plan.map((s) => s.action).join(' → ') || d.status;
  process.stdout.write(`${r.wrong.length === 0 ? 'ok  ' : 'FAIL'} ${r.c.line}: ${r.c.expect.text}\n`);
  if (r.wrong.length > 0) process.stdout.write(`       ${d.intent}: ${got}\n       ${r.wrong.join('; ')}\n`);
}
const right = results.filter((r) => r.wrong.length === 0).length;
process.stdout.write(`requests right: ${right}/${results.length}\n`);
