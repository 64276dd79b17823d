/**
 * BENCHMARKS.md has two writers: `make bench` writes the file, and `make
 * e2e-dev` writes its own section at the end, after a marker. Each keeps
 * the other's part.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const innerLoopMarker = '<!-- make e2e-dev writes the section below. -->';

/** The text of `file` from the marker on, or '' when there is none. */
export function innerLoopSection(file: string): string {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = text.indexOf(innerLoopMarker);
  return at < 0 ? '' : text.slice(at);
}

/** Writes `bench` (make bench's part), keeping the inner-loop section already in `file`. */
export function writeBenchPart(file: string, bench: string): void {
  const section = innerLoopSection(file);
  writeFileSync(file, section ? `${bench.trimEnd()}\n\n${section}` : bench);
}

/** Writes the inner-loop section (it starts with the marker), keeping make bench's part. */
export function writeInnerLoopPart(file: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = text.indexOf(innerLoopMarker);
  const bench = (at < 0 ? text : text.slice(0, at)).trimEnd();
  writeFileSync(file, `${bench ? `${bench}\n\n` : ''}${innerLoopMarker}\n${section.trimEnd()}\n`);
}
