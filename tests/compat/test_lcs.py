"""LCS against redis-server 7.0, reply for reply: every option and error, then random strings
(IDX ranges must be the same ranges Redis reports, not just any longest subsequence)."""
import random

from test_differential import conns, same  # noqa: F401 (conns: the module's rill and redis-server)



def test_every_option_and_error_answers_as_redis(conns):
    same(conns, "FLUSHALL")
    same(conns, "MSET", "a", "ohmytext", "b", "mynewtext", "n", "12345", "m", "2345")
    for args in (["a", "b"], ["a", "b", "LEN"], ["a", "b", "IDX"], ["a", "b", "IDX", "WITHMATCHLEN"],
                 ["a", "b", "IDX", "MINMATCHLEN", "4"], ["a", "b", "IDX", "MINMATCHLEN", "-3", "WITHMATCHLEN"],
                 ["a", "b", "LEN", "IDX"], ["a", "b", "MINMATCHLEN"], ["a", "b", "MINMATCHLEN", "x"],
                 ["a", "b", "FOO"], ["a", "none"], ["none", "none2", "IDX"], ["n", "m", "IDX"],
                 ["a", "a", "LEN"], ["a", "b", "WITHMATCHLEN"]):
        same(conns, "LCS", *args)
    same(conns, "RPUSH", "list", "x")
    same(conns, "LCS", "a", "list")
    same(conns, "LCS", "list", "a", "LEN")
    same(conns, "CONFIG", "SET", "proto-max-bulk-len", "1048576")
    same(conns, "SET", "big1", "x" * 1000)
    same(conns, "SET", "big2", "y" * 1000)
    same(conns, "LCS", "big1", "big2")  # a 4 MB table is over the limit
    same(conns, "CONFIG", "SET", "proto-max-bulk-len", "536870912")


def test_random_strings_match_redis(conns):
    rng = random.Random(5)
    for _ in range(300):
        alphabet = rng.choice(["ab", "abc", "acgt", "abcdefgh"])
        s1 = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        s2 = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        same(conns, "MSET", "x", s1, "y", s2)
        opts = rng.choice([[], ["LEN"], ["IDX"], ["IDX", "WITHMATCHLEN"],
                           ["IDX", "MINMATCHLEN", rng.randint(0, 4)],
                           ["IDX", "MINMATCHLEN", rng.randint(0, 4), "WITHMATCHLEN"]])
        same(conns, "LCS", "x", "y", *opts)
