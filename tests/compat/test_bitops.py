"""Bitmaps against redis-server 7.0, reply for reply (raw RESP): SETBIT, GETBIT, BITCOUNT,
BITPOS, BITOP, BITFIELD and BITFIELD_RO, every argument form and error, then random sequences
that mix them with the string commands."""
import random


from test_differential import conns, same  # noqa: F401 (conns: the module's rill and redis-server)


FIXED = [
    ["SETBIT", "b", "7", "1"], ["SETBIT", "b", "7", "1"], ["SETBIT", "b", "100", "1"],
    ["GETBIT", "b", "7"], ["GETBIT", "b", "6"], ["GETBIT", "b", "100000"], ["GETBIT", "none", "3"],
    ["SETBIT", "b", "-1", "1"], ["SETBIT", "b", "x", "1"], ["SETBIT", "b", "1", "2"],
    ["SETBIT", "b", "1", "-1"], ["SETBIT", "b", "1", "x"], ["SETBIT", "b", "4294967296", "1"],
    ["GETBIT", "b", "-1"], ["GETBIT", "b", "99999999999999"], ["GET", "b"], ["STRLEN", "b"],
    ["OBJECT", "ENCODING", "b"],
    ["SET", "n", "12345"], ["GETBIT", "n", "2"], ["BITCOUNT", "n"], ["SETBIT", "n", "0", "1"],
    ["GET", "n"], ["OBJECT", "ENCODING", "n"],
    ["SET", "s", "foobar"], ["BITCOUNT", "s"], ["BITCOUNT", "s", "0", "0"], ["BITCOUNT", "s", "1", "1"],
    ["BITCOUNT", "s", "1", "1", "BYTE"], ["BITCOUNT", "s", "5", "30", "BIT"],
    ["BITCOUNT", "s", "-2", "-1"], ["BITCOUNT", "s", "-1", "-2"], ["BITCOUNT", "s", "0", "-100"],
    ["BITCOUNT", "s", "7", "7", "BIT"], ["BITCOUNT", "s", "0", "1", "bits"], ["BITCOUNT", "s", "0"],
    ["BITCOUNT", "s", "x", "1"], ["BITCOUNT", "none", "0", "1"], ["BITCOUNT", "none", "x", "y"],
    ["BITCOUNT", "s", "0", "1", "BIT", "extra"],
    ["SET", "p", "\xff\xf0\x00"], ["BITPOS", "p", "0"], ["BITPOS", "p", "1"], ["BITPOS", "p", "1", "2"],
    ["BITPOS", "p", "0", "0", "0"], ["BITPOS", "p", "0", "0", "1", "BYTE"], ["BITPOS", "p", "1", "3"],
    ["BITPOS", "p", "0", "5", "20", "BIT"], ["BITPOS", "p", "1", "9", "11", "BIT"],
    ["BITPOS", "p", "1", "12", "-1", "BIT"], ["BITPOS", "p", "0", "-1"], ["BITPOS", "p", "2"],
    ["BITPOS", "p", "1", "0", "1", "WORD"], ["BITPOS", "none", "0"], ["BITPOS", "none", "1"],
    ["SET", "ones", "\xff\xff"], ["BITPOS", "ones", "0"], ["BITPOS", "ones", "0", "0"],
    ["BITPOS", "ones", "0", "0", "-1"], ["BITPOS", "ones", "0", "3", "9", "BIT"],
    ["SET", "zeros", "\x00\x00\x00"], ["BITPOS", "zeros", "1"], ["BITPOS", "zeros", "0", "1"],
    ["SET", "k1", "abcdefghijklmnopqrstuvwxyz0123456789"], ["SET", "k2", "xyz"],
    ["BITCOUNT", "k1"], ["BITCOUNT", "k1", "1", "-2"], ["BITCOUNT", "k1", "3", "290", "BIT"],
    ["SET", "long", "".join(chr((i * 37) % 256) for i in range(1000))], ["BITCOUNT", "long"],
    ["BITCOUNT", "long", "5", "-7"], ["BITCOUNT", "long", "17", "7000", "BIT"], ["BITPOS", "long", "0", "100"],
    ["BITOP", "AND", "dest", "k1", "k2"], ["GET", "dest"], ["BITOP", "OR", "dest", "k1", "k2", "none"],
    ["GET", "dest"], ["BITOP", "XOR", "dest", "k1", "k1"], ["GET", "dest"], ["BITOP", "NOT", "dest", "k2"],
    ["GET", "dest"], ["OBJECT", "ENCODING", "dest"], ["BITOP", "NOT", "dest", "k1", "k2"],
    ["BITOP", "NAND", "dest", "k1"], ["BITOP", "AND", "dest", "none", "none2"], ["EXISTS", "dest"],
    ["BITOP", "AND", "k2", "k2", "k1"], ["GET", "k2"], ["BITOP", "OR", "dest", "n"], ["GET", "dest"],
    ["RPUSH", "list", "a"], ["SETBIT", "list", "1", "1"], ["GETBIT", "list", "1"], ["BITCOUNT", "list"],
    ["BITPOS", "list", "1"], ["BITOP", "AND", "dest", "k1", "list"], ["BITFIELD", "list", "GET", "u8", "0"],
    ["BITFIELD_RO", "list", "GET", "u8", "0"],
    ["BITFIELD", "bf", "SET", "i8", "0", "100", "GET", "i8", "0", "INCRBY", "i8", "0", "100"],
    ["BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "100", "INCRBY", "u4", "#3", "100"],
    ["BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "100", "GET", "u16", "0"],
    ["BITFIELD", "bf", "OVERFLOW", "WRAP", "INCRBY", "u63", "1", "-5", "INCRBY", "i64", "0", "-9223372036854775808"],
    ["BITFIELD", "bf", "SET", "u8", "#2", "-1", "SET", "i5", "100", "300", "GET", "i64", "3"],
    ["BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "SET", "i4", "0", "100", "SET", "i4", "4", "-100"],
    ["BITFIELD", "bf", "OVERFLOW", "FAIL", "SET", "u3", "0", "8", "SET", "u3", "0", "7"],
    ["BITFIELD", "bf", "INCRBY", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0", "9223372036854775807"],
    ["BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i64", "64", "9223372036854775807", "INCRBY", "i64", "64", "1"],
    ["BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "i64", "64", "-9223372036854775808", "INCRBY", "i64", "64", "-9223372036854775808"],
    ["BITFIELD", "bf", "GET", "u64", "0"], ["BITFIELD", "bf", "GET", "i65", "0"], ["BITFIELD", "bf", "GET", "x8", "0"],
    ["BITFIELD", "bf", "GET", "i0", "0"], ["BITFIELD", "bf", "GET", "i", "0"], ["BITFIELD", "bf", "GET", "I8", "0"],
    ["BITFIELD", "bf", "GET", "u8", "-1"], ["BITFIELD", "bf", "GET", "u8", "#-1"], ["BITFIELD", "bf", "GET", "u8", "#x"],
    ["BITFIELD", "bf", "GET", "u8", "#9223372036854775807"], ["BITFIELD", "bf", "GET", "u8", "4294967296"],
    ["BITFIELD", "bf", "OVERFLOW", "BOGUS", "GET", "u8", "0"], ["BITFIELD", "bf", "GET", "u8"],
    ["BITFIELD", "bf", "FOO", "u8", "0"], ["BITFIELD", "bf", "SET", "u8", "0", "x"], ["BITFIELD", "bf"],
    ["BITFIELD", "bf", "OVERFLOW", "SAT"], ["BITFIELD", "none", "GET", "u8", "1000", "GET", "i32", "#3"],
    ["BITFIELD_RO", "bf", "GET", "u8", "0", "GET", "i3", "#5"], ["BITFIELD_RO", "bf", "SET", "u8", "0", "1"],
    ["BITFIELD_RO", "bf", "INCRBY", "u8", "0", "1"], ["BITFIELD_RO", "none", "GET", "u8", "0"],
    ["BITFIELD", "n", "GET", "u8", "0", "SET", "u8", "8", "65"], ["GET", "n"], ["GET", "bf"],
    ["BITFIELD", "grow", "SET", "u8", "#100", "1"], ["STRLEN", "grow"],
]


def test_every_form_and_error_answers_as_redis(conns):
    same(conns, "FLUSHALL")
    for args in FIXED:
        same(conns, *[a.encode("latin-1") for a in args])


def test_random_sequences_match_redis(conns):
    rng = random.Random(21)
    keys = ["k%d" % i for i in range(4)]

    def word():
        return rng.choice(["i", "u"]) + str(rng.randint(1, 64 if rng.random() < 0.5 else 63))

    def offset():
        return ("#" if rng.random() < 0.2 else "") + str(rng.randint(0, 200))

    same(conns, b"FLUSHALL")
    for _ in range(3000):
        k = rng.choice(keys)
        r = rng.random()
        if r < 0.2:
            args = ["SETBIT", k, rng.randint(0, 400), rng.randint(0, 1)]
        elif r < 0.3:
            args = ["GETBIT", k, rng.randint(0, 500)]
        elif r < 0.4:
            args = ["BITCOUNT", k] + ([rng.randint(-60, 60), rng.randint(-60, 60)] +
                                      ([rng.choice(["BIT", "BYTE"])] if rng.random() < 0.6 else [])
                                      if rng.random() < 0.8 else [])
        elif r < 0.55:
            args = ["BITPOS", k, rng.randint(0, 1)]
            if rng.random() < 0.8:
                args.append(rng.randint(-70, 70))
                if rng.random() < 0.7:
                    args.append(rng.randint(-70, 70))
                    if rng.random() < 0.6:
                        args.append(rng.choice(["BIT", "BYTE"]))
        elif r < 0.65:
            args = ["BITOP", rng.choice(["AND", "OR", "XOR"]), rng.choice(keys)] + rng.sample(keys, rng.randint(1, 3))
        elif r < 0.68:
            args = ["BITOP", "NOT", rng.choice(keys), k]
        elif r < 0.9:
            args = ["BITFIELD", k]
            for _ in range(rng.randint(1, 4)):
                op = rng.random()
                if op < 0.2:
                    args += ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL"])]
                elif op < 0.5:
                    args += ["GET", word(), offset()]
                elif op < 0.75:
                    args += ["SET", word(), offset(), rng.randint(-2**63, 2**63 - 1) if rng.random() < 0.3 else rng.randint(-300, 300)]
                else:
                    args += ["INCRBY", word(), offset(), rng.randint(-2**63, 2**63 - 1) if rng.random() < 0.3 else rng.randint(-300, 300)]
        elif r < 0.95:
            args = ["SET", k, rng.choice(["12345", "-7", "hello", "\xff\x00\xaa", "", "\x5a" * 100,
                                          "".join(chr(rng.randrange(256)) for _ in range(70))])]
        else:
            args = ["GET", k]
        same(conns, *[str(a).encode("latin-1") for a in args])
