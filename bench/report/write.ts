/**
 * Writes a report's three files (<base>.json, .md, .svg). As a command, renders the Markdown and
 * SVG again from a JSON report (after the report's format changed):
 *   node dist/bench/report/write.js bench/results/<date>-<profile>.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { markdown } from './markdown.js';
import { chart } from './svg.js';
import type { Report } from './types.js';

export function writeReport(report: Report, base: string, json = true): void {
  if (json) writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.svg`, chart(report));
  writeFileSync(`${base}.md`, markdown(report, `${basename(base)}.svg`));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const file = process.argv[2];
  if (!file?.endsWith('.json')) throw new Error('usage: write.js <report>.json');
  writeReport(JSON.parse(readFileSync(file, 'utf8')) as Report, file.slice(0, -'.json'.length), false);
  console.error(`wrote ${file.slice(0, -'.json'.length)}.md, .svg`);
}
