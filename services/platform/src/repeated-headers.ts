// Node's HTTP/2 layer keeps only the first value of a header it knows as
// single-valued (authorization is one) and silently drops the rest, so
// grpc-js, and the auth interceptor after it, would see the first of two
// tokens and decide by it. A proxy in front may have read the other one.
// This puts every value the client sent back into the headers grpc-js reads,
// so the auth interceptor sees them all and refuses the call.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';

/** The headers whose every value must reach the interceptors. */
const repeatable = ['authorization'];

/**
 * Starts restoring repeated headers on every HTTP/2 server stream of this
 * process; returns the function that stops it. Node announces each new server
 * stream on a diagnostics channel before the session emits it, which is the
 * first moment a session is visible: from then on a listener placed ahead of
 * grpc-js's own sees each stream's raw header list.
 */
export function keepRepeatedHeaders(): () => void {
  const sessions = new WeakSet<ServerHttp2Session>();
  const onStream = (rawHeaders: string[], headers: IncomingHttpHeaders) => {
    for (const name of repeatable) {
      const values = rawHeaders.filter((_, index) => index % 2 === 1 && rawHeaders[index - 1] === name);
      if (values.length > 1) headers[name] = values;
    }
  };
  const onCreated = (message: unknown) => {
    const session = (message as { stream: ServerHttp2Stream }).stream.session as ServerHttp2Session | undefined;
    if (!session || sessions.has(session)) return;
    sessions.add(session);
    session.prependListener(
      'stream',
      (_stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
        onStream(rawHeaders, headers);
      },
    );
  };
  subscribe('http2.server.stream.created', onCreated);
  return () => unsubscribe('http2.server.stream.created', onCreated);
}
