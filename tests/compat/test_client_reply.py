"""CLIENT REPLY ON|OFF|SKIP, compared byte for byte with redis-server: a pipeline of commands
and what each server sends back for it."""
import socket

import pytest

from test_differential import encode

PIPELINES = [
    [["CLIENT", "REPLY", "OFF"], ["SET", "a", "1"], ["GET", "a"], ["INCR", "nosuch-type", "x"],
     ["CLIENT", "REPLY", "ON"], ["GET", "a"]],
    [["CLIENT", "REPLY", "SKIP"], ["GET", "a"], ["GET", "a"], ["CLIENT", "REPLY", "SKIP"],
     ["CLIENT", "REPLY", "SKIP"], ["ECHO", "x"], ["ECHO", "y"]],
    [["CLIENT", "REPLY", "OFF"], ["CLIENT", "REPLY", "SKIP"], ["ECHO", "x"],
     ["CLIENT", "REPLY", "ON"], ["ECHO", "y"]],
    [["CLIENT", "REPLY", "MAYBE"], ["CLIENT", "REPLY"], ["CLIENT", "REPLY", "ON", "x"]],
    # subscribing confirms whatever the reply mode
    [["CLIENT", "REPLY", "OFF"], ["SUBSCRIBE", "c1", "c2"], ["PSUBSCRIBE", "p*"], ["PING"],
     ["UNSUBSCRIBE", "c2", "c1"], ["PUNSUBSCRIBE"], ["CLIENT", "REPLY", "ON"]],
    [["CLIENT", "REPLY", "OFF"], ["MULTI"], ["SET", "b", "2"], ["EXEC"], ["RESET"], ["GET", "b"]],
]


def run(server, commands):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        s.sendall(b"".join(encode(c) for c in commands) + encode(["ECHO", "end-of-test"]))
        data = b""
        while not data.endswith(b"end-of-test\r\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        s.close()


@pytest.mark.parametrize("commands", PIPELINES)
def test_client_reply_answers_as_redis_does(rill_and_redis, commands):
    rill, redis = rill_and_redis
    assert run(rill, commands) == run(redis, commands)
