import { ReplicatedState } from '../replication/replicated-state.js';
import { describeFault, noFault, type Fault } from './fault.js';

/** The fault this replica applies, the same on every replica (see Replicator). */
export class FaultState extends ReplicatedState<Fault> {
  constructor(initial: Fault = noFault) {
    super(initial);
  }

  override toString(): string {
    return describeFault(this.current);
  }
}
