/**
 * The checkout `make e2e-dev` edits: a copy of this one in a temporary
 * directory (the files git tracks or would track, as they are on disk now),
 * so that the check's edits never touch the working tree.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCommandSync } from '@demo/testkit/processes';

/** Copies the checkout at `from` to `to` (which must not exist); returns how many files. */
export function copyCheckout(from: string, to: string): number {
  const listed = runCommandSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: from,
    timeoutMs: 60_000,
  }).stdout;
  let count = 0;
  for (const file of new Set(listed.split('\0').filter(Boolean))) {
    // A tracked file deleted in the working tree stays deleted in the copy.
    if (!existsSync(join(from, file))) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(from, file), join(to, file), { verbatimSymlinks: true });
    count++;
  }
  return count;
}

/**
 * Replaces the one occurrence of `before` in a file with `after` and returns
 * the moment it was saved. More than one occurrence, or none, is an error:
 * the check must know exactly what it changed.
 */
export function editFile(path: string, before: string, after: string): number {
  const text = readFileSync(path, 'utf8');
  const count = text.split(before).length - 1;
  if (count !== 1) throw new Error(`${path}: expected "${before}" once, found it ${count} times`);
  writeFileSync(path, text.replace(before, after));
  return Date.now();
}
