/**
 * BENCHMARKS.md has three parts, each with its own writer, and each writer
 * keeps the others' parts: `make bench` writes the file's head (its cases,
 * targets and footprint), the bench's gateway case its section after a
 * marker (it can run alone, CASES=gateway), and `make e2e-dev` its section
 * at the end, after a marker of its own.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const gatewayMarker = "<!-- make bench's gateway case writes the section below. -->";
export const innerLoopMarker = '<!-- make e2e-dev writes the section below. -->';

/** The marked sections, in the order they stand in the file. */
const markers = [gatewayMarker, innerLoopMarker] as const;
type Marker = (typeof markers)[number];

/** The file's head (before any marker) and each marked section present, from its marker to the next. */
function readParts(file: string): { head: string; sections: Map<Marker, string> } {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const found = markers
    .map((marker) => ({ marker, at: text.indexOf(marker) }))
    .filter(({ at }) => at >= 0)
    .sort((a, b) => a.at - b.at);
  const sections = new Map<Marker, string>();
  found.forEach(({ marker, at }, i) => sections.set(marker, text.slice(at, found[i + 1]?.at ?? text.length).trimEnd()));
  return { head: text.slice(0, found[0]?.at ?? text.length).trimEnd(), sections };
}

function writeParts(file: string, head: string, sections: Map<Marker, string>): void {
  const parts = [head, ...markers.map((marker) => sections.get(marker) ?? '')].filter((part) => part !== '');
  writeFileSync(file, `${parts.join('\n\n')}\n`);
}

/** Writes `bench` (make bench's head), keeping the marked sections already in `file`. */
export function writeBenchPart(file: string, bench: string): void {
  writeParts(file, bench.trimEnd(), readParts(file).sections);
}

/** Writes one marked section (given without its marker), keeping every other part of `file`. */
function writeSection(file: string, marker: Marker, section: string): void {
  const { head, sections } = readParts(file);
  sections.set(marker, `${marker}\n${section.trimEnd()}`);
  writeParts(file, head, sections);
}

/** Writes the gateway case's section, keeping the rest. */
export const writeGatewayPart = (file: string, section: string) => writeSection(file, gatewayMarker, section);

/** Writes the inner-loop section, keeping the rest. */
export const writeInnerLoopPart = (file: string, section: string) => writeSection(file, innerLoopMarker, section);
