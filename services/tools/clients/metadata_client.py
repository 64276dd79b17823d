"""Calls with oversized metadata from Python grpcio, a client nobody on this project wrote.

    metadata_client.py TARGET METHOD PLAN_JSON

PLAN_JSON: {"request": base64 bytes, "deadline_s": 10, "calls": [{"pad_bytes": N,
"entries": M, "count": C}], "metadata": [[key, value], ...]}. Each call group of
C calls runs concurrently; a JSON line per call gives its status and time.
"""

import base64
import concurrent.futures
import json
import sys
import time

import grpc


def main():
    target, method, plan = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    identity = lambda message: message
    channel = grpc.insecure_channel(target)
    call = channel.unary_unary(method, request_serializer=identity, response_deserializer=identity)
    request = base64.b64decode(plan["request"])

    def one(group):
        metadata = [tuple(pair) for pair in plan.get("metadata", [])]
        if group.get("pad_bytes"):
            metadata.append(("x-pad", "p" * group["pad_bytes"]))
        metadata += [(f"x-entry-{i}", "v") for i in range(group.get("entries", 0))]
        started = time.monotonic()
        try:
            call(request, metadata=metadata, timeout=plan["deadline_s"])
            code, details = "OK", ""
        except grpc.RpcError as error:
            code, details = error.code().name, error.details()
        return {"group": group, "code": code, "details": details, "ms": round((time.monotonic() - started) * 1000)}

    for group in plan["calls"]:
        count = group.get("count", 1)
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(count, 300)) as pool:
            for result in pool.map(lambda _: one(group), range(count)):
                print(json.dumps(result), flush=True)
    channel.close()


if __name__ == "__main__":
    main()
