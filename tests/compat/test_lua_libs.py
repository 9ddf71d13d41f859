"""cmsgpack and struct inside scripts against redis-server 7.0, reply for reply (raw RESP):
what pack writes for every kind of Lua value, what unpack makes of every MessagePack type
(and of damaged or foreign input), the offsets of unpack_one and unpack_limit, struct's
formats, and every error."""
import random


from test_differential import conns, same  # noqa: F401 (conns: the module's rill and redis-server)

# A deterministic picture of any Lua value: tables with their keys sorted, numbers exact.
DUMP = r"""
local function dump(v, depth)
  depth = depth or 0
  local t = type(v)
  if t == 'number' then
    if v ~= v then return 'nan' end
    return string.format('%.17g', v)
  elseif t == 'string' then return string.format('%q', v)
  elseif t ~= 'table' then return tostring(v)
  elseif depth > 20 then return '{...}' end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) ~= type(b) then return type(a) < type(b) end
    return tostring(a) < tostring(b)
  end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = dump(k, depth + 1) .. '=' .. dump(v[k], depth + 1) end
  return '{' .. table.concat(parts, ',') .. '}'
end
local function dump_all(...)
  local parts = {}
  for i = 1, select('#', ...) do parts[i] = dump((select(i, ...))) end
  return select('#', ...) .. ':' .. table.concat(parts, ' ')
end
"""


def script(conns, body, *argv):
    return same(conns, "EVAL", DUMP + body, 0, *argv)


PACKED_VALUES = [
    "nil", "true", "false", "0", "1", "127", "128", "255", "256", "65535", "65536", "4294967295",
    "4294967296", "2^53", "2^63", "2^64", "-1", "-32", "-33", "-128", "-129", "-32768", "-32769",
    "-2^31", "-2^31-1", "-2^53", "-2^63", "-2^63-4096", "0.5", "1.1", "-0.0", "1e300", "1e-300",
    "3.4028234663852886e38", "3.5e38", "1/0", "-1/0", "0/0", "''", "string.rep('a', 31)",
    "string.rep('a', 32)", "string.rep('b', 255)", "string.rep('c', 256)",
    "string.rep('d', 65535)", "string.rep('e', 65536)", "'\\0\\255'", "{}", "{1, 2, 3}",
    "{1, nil, 3}", "{[1] = 'a', [3] = 'c'}", "{[0] = 'z', 'a'}", "{[1.5] = 1}", "{a = 1}",
    "{1, 2, x = 3}", "{[true] = false}", "{[-1] = 1}", "{[2^40] = 1}",
    "(function() local t = {} for i = 1, 20 do t[i] = i end return t end)()",
    "(function() local t = {} for i = 1, 70000 do t[i] = i % 7 end return t end)()",
    "(function() local t = {} for i = 1, 40 do t['k' .. i] = i end return t end)()",
    "(function() local t = {} for i = 1, 70000 do t['k' .. i] = 1 end return t end)()",
    "(function() local t = {} t[1] = t return t end)()",
    "(function() local t = {} t.self = t t.x = 1 return t end)()",
    "(function() local t = {} for i = 1, 30 do t = {t} end return t end)()",
    "redis.call", "coroutine.create(function() end)",
]


def test_pack_writes_what_redis_writes(conns):
    for v in PACKED_VALUES:
        same(conns, "EVAL", "return cmsgpack.pack(%s)" % v, 0)
    same(conns, "EVAL", "return cmsgpack.pack(1, 'two', {3}, nil, true)", 0)
    same(conns, "EVAL", "return cmsgpack.pack()", 0)
    same(conns, "EVAL", "return {cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION}", 0)


def test_round_trips(conns):
    for v in PACKED_VALUES[:-2]:
        script(conns, "return dump_all(cmsgpack.unpack(cmsgpack.pack(%s)))" % v)


UNPACK_INPUTS = [
    b"", b"\x00", b"\x7f", b"\xe0", b"\xff", b"\xcc\x80", b"\xcd\x80\x01", b"\xce\xff\xff\xff\xff",
    b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff", b"\xcf\x00\x20\x00\x00\x00\x00\x00\x01",
    b"\xd0\x80", b"\xd1\x80\x01", b"\xd1\x00\x80", b"\xd2\x80\x00\x00\x01",
    b"\xd3\x80\x00\x00\x00\x00\x00\x00\x00", b"\xd3\xff\xff\xff\xff\xff\xff\xff\xfe",
    b"\xca\x3f\xc0\x00\x00", b"\xca\x7f\xc0\x00\x00", b"\xcb\x3f\xf1\x99\x99\x99\x99\x99\x9a",
    b"\xcb\x7f\xf0\x00\x00\x00\x00\x00\x00", b"\xc0", b"\xc2", b"\xc3", b"\xa3abc", b"\xa3ab",
    b"\xd9\x03abc", b"\xd9\x05abc", b"\xda\x00\x03abc", b"\xdb\x00\x00\x00\x03abc",
    b"\xdb\xff\xff\xff\xffabc", b"\x93\x01\x02\x03", b"\x93\x01\x02", b"\xdc\x00\x02\x01\x02",
    b"\xdd\x00\x00\x00\x02\x01\x02", b"\xdd\xff\xff\xff\xff\x01", b"\x82\xa1a\x01\xa1b\x02",
    b"\x81\xc0\x01", b"\x81\x01", b"\xde\x00\x01\x01\x02", b"\xdf\x00\x00\x00\x01\x01\x02",
    b"\x81\x93\x01\x02\x03\xc3", b"\xc1", b"\xc4\x01a", b"\xc7\x01\x01a", b"\xd4\x01\x01",
    b"\xd8\x01" + b"a" * 16, b"\x01\x02\x03\xa1x\xc3", b"\x91" * 200 + b"\x01",
    b"\x01" * 300, b"\x91" * 5000 + b"\x01", b"\x01" * 9000,
]


def test_unpack_reads_what_redis_reads(conns):
    for data in UNPACK_INPUTS:
        script(conns, "return dump_all(cmsgpack.unpack(ARGV[1]))", data)
        script(conns, "return dump_all(cmsgpack.unpack_one(ARGV[1]))", data)
        for limit, offset in ((1, 0), (2, 1), (0, 0), (0, 2), (3, 100), (-1, 0), (1, -1), (1000, 3)):
            script(conns, "return dump_all(cmsgpack.unpack_limit(ARGV[1], %d, %d))" % (limit, offset), data)
        script(conns, "return dump_all(cmsgpack.unpack_one(ARGV[1], 1))", data)
    # Walking a stream of values with the returned offsets.
    script(conns, """
        local s = cmsgpack.pack(1, 'a', {2}, true)
        local out, off = {}, 0
        repeat
          local o, v = cmsgpack.unpack_one(s, off)
          out[#out + 1] = dump(v)
          off = o
        until off == -1
        return table.concat(out, ' ')""")
    for call in ("cmsgpack.unpack()", "cmsgpack.unpack({})", "cmsgpack.unpack_limit('a')",
                 "cmsgpack.unpack_limit('a', 'x')", "cmsgpack.unpack_one('a', 'x')", "cmsgpack.unpack(5)"):
        script(conns, "return dump_all(%s)" % call)


def test_random_bytes_unpack_as_in_redis(conns):
    rng = random.Random(11)
    alphabet = [0x00, 0x05, 0x7f, 0x80, 0x81, 0x90, 0x92, 0xa0, 0xa2, 0xc0, 0xc2, 0xc3, 0xca, 0xcb,
                0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd9, 0xda, 0xdc, 0xde, 0xe5, 0xff]
    for _ in range(600):
        data = bytes(rng.choice(alphabet) if rng.random() < 0.6 else rng.randrange(256)
                     for _ in range(rng.randint(1, 24)))
        script(conns, "return dump_all(cmsgpack.unpack(ARGV[1]))", data)


STRUCT_CALLS = [
    "struct.pack('>I2', 258)", "struct.pack('<I2', 258)", "struct.pack('i', -1)", "struct.pack('I', -1)",
    "struct.pack('b', 300)", "struct.pack('B', -1)", "struct.pack('h', 70000)", "struct.pack('l', 2^62)",
    "struct.pack('L', 2^64)", "struct.pack('L', 2^63)", "struct.pack('l', -2^63)", "struct.pack('l', -2^70)",
    "struct.pack('l', 0/0)", "struct.pack('i16', -2)", "struct.pack('>i16', -2)", "struct.pack('i32', 5)",
    "struct.pack('i33', 5)", "struct.pack('i0', 5)", "struct.pack('T', 7)", "struct.pack('f', 1.5)",
    "struct.pack('>d', 1.1)", "struct.pack('f', 1e300)", "struct.pack('c3', 'abcdef')", "struct.pack('c0', 'abc')",
    "struct.pack('c5', 'ab')", "struct.pack('s', 'abc')", "struct.pack('x')", "struct.pack('!4 b i', 1, 2)",
    "struct.pack('!b i', 1, 2)", "struct.pack('!3 i', 1)", "struct.pack('!2 b d', 1, 2)", "struct.pack('z', 1)",
    "struct.pack('i99999999999', 1)", "struct.pack('i')", "struct.pack('i', 'x')", "struct.pack()",
    "struct.pack('>!8 b h b i b d', 1, 2, 3, 4, 5, 6)", "struct.pack('<i3 I5', -5, 5)",
    "struct.unpack('>I2', '\\1\\2')", "struct.unpack('<i2', '\\255\\255')", "struct.unpack('i', 'abc')",
    "struct.unpack('b B h H', '\\255\\255\\255\\255\\255\\255')", "struct.unpack('i16', string.rep('\\255', 16))",
    "struct.unpack('I9', string.rep('\\255', 9))", "struct.unpack('i9', string.rep('\\1', 9))",
    "struct.unpack('i0', 'x')", "struct.unpack('l L', string.rep('\\255', 16))", "struct.unpack('f d', string.rep('\\64', 12))",
    "struct.unpack('c2 c0', 'abcdef')", "struct.unpack('B c0', '\\3abcdef')", "struct.unpack('c0', 'abc')",
    "struct.unpack('B c0', '\\9abc')", "struct.unpack('s s', 'ab\\0cd\\0')", "struct.unpack('s', 'abc')",
    "struct.unpack('x b', '\\1\\2')", "struct.unpack('b', '\\1\\2\\3', 2)", "struct.unpack('b', '\\1', 0)",
    "struct.unpack('b', '\\1', -3)", "struct.unpack('b', '\\1', 5)", "struct.unpack('!4 b i', '\\1\\0\\0\\0\\2\\0\\0\\0')",
    "struct.unpack('z', 'a')", "struct.unpack('b')", "struct.unpack(1, 2)",
    "struct.size('i b d')", "struct.size('!8 b d')", "struct.size('c3 x')", "struct.size('s')", "struct.size('c0')",
    "struct.size('z q')", "struct.size('<>! i')", "struct.size('!5')", "struct.size('i40')",
    "struct.unpack(struct.pack('>!4 h c3 i d', -7, 'xyz', 123456, 0.25) , struct.pack('>!4 h c3 i d', -7, 'xyz', 123456, 0.25))",
]


def test_struct_answers_as_redis(conns):
    for call in STRUCT_CALLS:
        script(conns, "return dump_all(%s)" % call)
    # Unpacking with the format it was packed with gives the values back.
    script(conns, "local f = '>!4 h c3 i d' return dump_all(struct.unpack(f, struct.pack(f, -7, 'xyz', 123456, 0.25)))")
