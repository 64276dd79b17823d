/**
 * The response header (or trailer, for answers that carry no headers) that
 * names the replica that answered, so a caller can see which pod
 * round_robin chose. The server's call pipeline sets it.
 */
export const servedByHeader = 'served-by';
