import { EventEmitter } from 'node:events';

/**
 * When a change was made and where: the time at the replica that took it
 * first (ms since the epoch), then that replica's name. Versions compare by
 * time, then by name, so two changes made in the same millisecond on two
 * replicas still have a winner every replica agrees on.
 */
export interface Version {
  atMs: number;
  origin: string;
}

/** The version of the start-up value (from the environment): older than any change. */
export const startupVersion: Version = { atMs: 0, origin: '' };

export function compareVersions(a: Version, b: Version): number {
  if (a.atMs !== b.atMs) return a.atMs < b.atMs ? -1 : 1;
  if (a.origin === b.origin) return 0;
  return a.origin < b.origin ? -1 : 1;
}

export interface Change<Value> {
  value: Value;
  version: Version;
}

/**
 * A value every replica of a service holds the same copy of (the fault in
 * force, the aggregator's defense switches). A change is taken only when its
 * version is newer than the one held, so replicas that hear of changes in
 * different orders settle on the same value. Each change taken is announced
 * as a 'change' event.
 */
export class ReplicatedState<Value> {
  #value: Value;
  #version: Version = startupVersion;
  readonly #events = new EventEmitter<{ change: [Change<Value>] }>();

  constructor(initial: Value) {
    this.#value = initial;
  }

  get current(): Value {
    return this.#value;
  }

  get version(): Version {
    return this.#version;
  }

  /** Takes `change` if it is newer than what this replica holds; says whether it did. */
  apply(change: Change<Value>): boolean {
    if (compareVersions(change.version, this.#version) <= 0) return false;
    this.#value = change.value;
    this.#version = change.version;
    this.#events.emit('change', change);
    return true;
  }

  /** The version for a change made here now: the clock, but always after the version held. */
  nextVersion(origin: string, now = Date.now()): Version {
    const candidate = { atMs: now, origin };
    return compareVersions(candidate, this.#version) > 0 ? candidate : { atMs: this.#version.atMs + 1, origin };
  }

  onChange(listener: (change: Change<Value>) => void): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }
}
