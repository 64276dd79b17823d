/**
 * What `make port-forward` forwards: each gRPC service, the control room and
 * the REST gateway on the local port of `make run` (DESIGN.md), and the UIs
 * on their own ports.
 */
export interface ClusterForward {
  service: string;
  port: number;
  localPort: number;
  what: string;
}

export const clusterForwards: readonly ClusterForward[] = [
  { service: 'aggregator-headless', port: 50051, localPort: 50051, what: 'aggregator' },
  { service: 'user-headless', port: 50051, localPort: 50052, what: 'user' },
  // One recommendation pod, which forwards fault changes to every other.
  { service: 'recommendation-headless', port: 50051, localPort: 50053, what: 'recommendation (FaultService)' },
  { service: 'console', port: 8080, localPort: 8080, what: 'the control room, http://127.0.0.1:8080' },
  // A plain ClusterIP Service: kubectl forwards to one gateway pod, and Envoy spreads the calls over every aggregator.
  { service: 'gateway', port: 8080, localPort: 8081, what: 'the REST gateway, http://127.0.0.1:8081' },
  { service: 'jaeger', port: 16686, localPort: 16686, what: 'Jaeger UI, http://127.0.0.1:16686' },
  { service: 'prometheus', port: 9090, localPort: 9090, what: 'Prometheus, http://127.0.0.1:9090' },
  { service: 'grafana', port: 3000, localPort: 3000, what: 'Grafana, http://127.0.0.1:3000' },
];
