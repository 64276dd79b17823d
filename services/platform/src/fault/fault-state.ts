import { EventEmitter } from 'node:events';
import { describeFault, noFault, type Fault } from './fault.js';

export interface FaultChange {
  fault: Fault;
  /** When the change was made at the replica that took it first, ms since the epoch; 0 for the start-up fault. */
  version: number;
}

/**
 * The fault this replica applies. Changes carry the time they were made at
 * their origin, so replicas that hear about changes in different orders
 * still settle on the newest one. Each change is announced as a 'change' event.
 */
export class FaultState {
  #fault: Fault;
  #version: number;
  readonly #events = new EventEmitter<{ change: [FaultChange] }>();

  constructor(initial: Fault = noFault) {
    this.#fault = initial;
    this.#version = 0;
  }

  get current(): Fault {
    return this.#fault;
  }

  get version(): number {
    return this.#version;
  }

  /** Applies `change` unless this replica already has a newer one; says whether it applied. */
  apply(change: FaultChange): boolean {
    if (change.version < this.#version) return false;
    this.#fault = change.fault;
    this.#version = change.version;
    this.#events.emit('change', change);
    return true;
  }

  /** A version for a change made here now: the clock, but never behind the current version. */
  nextVersion(now = Date.now()): number {
    return Math.max(now, this.#version + 1);
  }

  onChange(listener: (change: FaultChange) => void): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }

  toString(): string {
    return describeFault(this.#fault);
  }
}
