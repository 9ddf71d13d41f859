"""SORT and SORT_RO against redis-server 7.0, reply for reply: BY (with "*", "->field", and
without "*"), LIMIT windows, GET ("#", strings, hash fields, missing keys), ASC/DESC, ALPHA,
STORE, errors; then random combinations over lists, sets and sorted sets. Sets sorted without
an order of their own (BY nosort) are compared as sets, since their order is the hash table's."""
import random

from test_differential import conns, same  # noqa: F401 (conns: the module's rill and redis-server)



def fill(conns):
    same(conns, "FLUSHALL")
    same(conns, "RPUSH", "l", 3, 1, 2, 10, "1.5", -4, 7, 1)
    same(conns, "RPUSH", "words", "banana", "apple", "cherry", "apple", "Date")
    same(conns, "SADD", "s", 5, 3, 9, 1)
    same(conns, "ZADD", "z", 1, "c", 2, "a", 3, "b", 4, "e", 5, "d")
    for i, w in enumerate([3, 1, 2, 10, -4, 7]):
        same(conns, "SET", "w_%d" % w, 100 - i * 7)
        same(conns, "HSET", "h_%d" % w, "f", i * 3 % 5, "name", "n%d" % w)
    for m in "abcde":
        same(conns, "SET", "wz_" + m, ord(m) % 3)
        same(conns, "SET", "val_" + m, "value-" + m)


def test_every_form_and_error_answers_as_redis(conns):
    fill(conns)
    forms = [
        ["l"], ["l", "DESC"], ["l", "LIMIT", 1, 3], ["l", "LIMIT", -5, 2], ["l", "LIMIT", 2, -1],
        ["l", "LIMIT", 100, 5], ["l", "LIMIT", 0, 0], ["l", "BY", "w_*"], ["l", "BY", "w_*", "DESC"],
        ["l", "BY", "h_*->f"], ["l", "BY", "h_*->f", "GET", "#", "GET", "h_*->name", "GET", "w_*"],
        ["l", "BY", "nosort"], ["l", "BY", "nosort", "DESC"], ["l", "BY", "nosort", "LIMIT", 2, 3],
        ["l", "BY", "nosort", "DESC", "LIMIT", 1, 2], ["l", "BY", "nosort", "GET", "w_*"],
        ["l", "GET", "missing_*"], ["l", "GET", "nostar"], ["l", "GET", "h_*->"], ["l", "GET", "h_*->nofield"],
        ["words"], ["words", "ALPHA"], ["words", "ALPHA", "DESC", "LIMIT", 1, 2], ["words", "BY", "x_*", "ALPHA"],
        ["s"], ["s", "DESC"], ["s", "ALPHA"], ["z"], ["z", "ALPHA"], ["z", "BY", "nosort"],
        ["z", "BY", "nosort", "DESC"], ["z", "BY", "nosort", "LIMIT", 1, 3], ["z", "BY", "nosort", "DESC", "LIMIT", 1, 3],
        ["z", "BY", "val_*", "ALPHA", "GET", "val_*"], ["z", "BY", "val_*", "ALPHA"], ["z", "BY", "wz_*"],
        ["missing"], ["missing", "BY", "nosort"], ["l", "FOO"], ["l", "LIMIT", 1], ["l", "LIMIT", "x", 1],
        ["l", "BY"], ["l", "GET"], ["l", "STORE"], ["w_3"], ["h_3"],
    ]
    for form in forms:
        same(conns, "SORT", *form)
        same(conns, "SORT_RO", *form)
    same(conns, "SORT_RO", "l", "STORE", "dst")
    for form in (["l", "STORE", "dst"], ["l", "BY", "w_*", "GET", "#", "GET", "nokey_*", "STORE", "dst"],
                 ["s", "BY", "nosort", "STORE", "dst"], ["missing", "STORE", "dst"], ["z", "STORE", "l2", "STORE", "dst"]):
        same(conns, "SORT", *form)
        same(conns, "LRANGE", "dst", 0, -1)
        same(conns, "EXISTS", "dst")
    same(conns, "COMMAND", "GETKEYS", "SORT", "l", "LIMIT", 0, 1, "STORE", "a", "GET", "STORE", "STORE", "b")


def test_random_sorts_match_redis(conns):
    fill(conns)
    rng = random.Random(9)
    for _ in range(600):
        key = rng.choice(["l", "words", "z", "s", "missing"])
        args = [key]
        if rng.random() < 0.5:
            args += ["BY", rng.choice(["w_*", "h_*->f", "wz_*", "nosort", "val_*"])]
        if rng.random() < 0.5:
            args += ["LIMIT", rng.randint(-2, 8), rng.randint(-2, 8)]
        for _ in range(rng.randint(0, 2)):
            args += ["GET", rng.choice(["#", "w_*", "h_*->name", "val_*", "none_*"])]
        if rng.random() < 0.4:
            args.append(rng.choice(["ASC", "DESC"]))
        if rng.random() < 0.4 or key == "words":
            args.append("ALPHA")
        if key == "s" and "nosort" in args:
            continue  # the set's own order: the hash table's
        if "ALPHA" in args and "BY" in args:
            continue  # ties among BY values are in no defined order
        same(conns, "SORT", *args)
