"""A long-lived stream from Python grpcio, a client nobody on this project wrote.

Runs one stream for a given time and prints a JSON line for every message it
receives, then one line with how the stream ended. Messages are passed through
as bytes (no generated stubs): the caller decodes them with the project's own
descriptors.

    stream_client.py TARGET watch|bidi SECONDS
"""

import base64
import json
import queue
import sys
import threading
import time

import grpc

# WatchUsersRequest{include_existing: true}
WATCH_REQUEST = b"\x08\x01"
# StreamRecommendationsRequest{user_id: 1, limit: 3}
BIDI_REQUEST = b"\x08\x01\x18\x03"


def emit(**fields):
    print(json.dumps(fields), flush=True)


def main():
    target, kind, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    identity = lambda message: message
    channel = grpc.insecure_channel(target)
    until = time.monotonic() + seconds
    if kind == "watch":
        call = channel.unary_stream(
            "/demo.user.v1.UserService/WatchUsers",
            request_serializer=identity,
            response_deserializer=identity,
        )(WATCH_REQUEST)
    else:
        requests = queue.Queue()

        def request_stream():
            while True:
                item = requests.get()
                if item is None:
                    return
                yield item

        call = channel.stream_stream(
            "/demo.recommendation.v1.RecommendationService/StreamRecommendations",
            request_serializer=identity,
            response_deserializer=identity,
        )(request_stream())

        def keep_asking():
            # One request a quarter second, so messages flow both ways throughout.
            while time.monotonic() < until:
                requests.put(BIDI_REQUEST)
                time.sleep(0.25)
            requests.put(None)

        threading.Thread(target=keep_asking, daemon=True).start()

    if kind == "watch":
        # The watch runs until the client cancels: cancel it when the time is up.
        timer = threading.Timer(max(0.0, until - time.monotonic()), call.cancel)
        timer.daemon = True
        timer.start()
    try:
        for message in call:
            emit(at=time.monotonic(), message=base64.b64encode(message).decode())
        emit(end="ok", code=call.code().name)
    except grpc.RpcError as error:
        code = error.code()
        ended_on_time = code == grpc.StatusCode.CANCELLED and time.monotonic() >= until
        emit(end="cancelled" if ended_on_time else "error", code=code.name, details=error.details())
    finally:
        channel.close()


if __name__ == "__main__":
    main()
