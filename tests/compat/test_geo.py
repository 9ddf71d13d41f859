"""Geo commands against redis-server 7.0, reply for reply (raw RESP): GEOADD, GEODIST,
GEOHASH, GEOPOS, GEOSEARCH, GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and the _RO forms,
every option and error, then random indexes searched with random shapes and options (ties in
distance included, so the order of equal results is checked too)."""
import random


from test_differential import conns, same  # noqa: F401 (conns: the module's rill and redis-server)


SICILY = ["13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"]

FIXED = [
    ["GEOADD", "Sicily", *SICILY], ["GEOADD", "Sicily", *SICILY], ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"],
    ["GEOADD", "Sicily", "CH", "13.361389", "38.115556", "Palermo", "15", "37", "Catania"],
    ["GEOADD", "Sicily", "NX", "1", "1", "Catania", "2", "2", "New"],
    ["GEOADD", "Sicily", "XX", "CH", "15.087269", "37.502669", "Catania", "3", "3", "Other"],
    ["GEOADD", "Sicily", "NX", "XX", "1", "1", "a"], ["GEOADD", "Sicily", "1", "1"],
    ["GEOADD", "Sicily", "CH", "CH", "CH"], ["GEOADD", "Sicily", "GT", "1", "1", "a"],
    ["GEOADD", "Sicily", "INCR", "1", "1"], ["GEOADD", "Sicily", "200", "1", "a"],
    ["GEOADD", "Sicily", "1", "86", "a"], ["GEOADD", "Sicily", "x", "1", "a"], ["GEOADD", "Sicily", "1", "nan", "a"],
    ["GEOADD", "Sicily", "1", "1", "ok", "1", "100", "bad"], ["ZSCORE", "Sicily", "ok"],
    ["GEOADD", "Sicily", "180", "85.05112878", "corner", "-180", "-85.05112878", "other corner"],
    ["GEOPOS", "Sicily", "corner", "other corner", "Palermo", "missing"], ["GEOHASH", "Sicily", "corner", "other corner"],
    ["GEODIST", "Sicily", "Palermo", "Catania"], ["GEODIST", "Sicily", "Palermo", "Catania", "km"],
    ["GEODIST", "Sicily", "Palermo", "Catania", "MI"], ["GEODIST", "Sicily", "Palermo", "Catania", "ft"],
    ["GEODIST", "Sicily", "Palermo", "Catania", "yards"], ["GEODIST", "Sicily", "Palermo", "Catania", "km", "x"],
    ["GEODIST", "Sicily", "Palermo", "missing"], ["GEODIST", "none", "a", "b"], ["GEODIST", "Sicily", "Palermo", "Palermo"],
    ["GEODIST", "none", "a", "b", "yards"],
    ["GEOHASH", "Sicily", "Palermo", "Catania", "missing"], ["GEOHASH", "none", "a"],
    ["GEOPOS", "none", "a", "b"], ["GEOPOS", "Sicily"], ["GEOHASH", "Sicily"],
    ["GEORADIUS", "Sicily", "15", "37", "200", "km"],
    ["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH", "ASC"],
    ["GEORADIUS", "Sicily", "15", "37", "200", "km", "DESC", "COUNT", "1"],
    ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "1", "ANY"],
    ["GEORADIUS", "Sicily", "15", "37", "200", "km", "ANY"], ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "0"],
    ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT", "x"], ["GEORADIUS", "Sicily", "15", "37", "200", "km", "COUNT"],
    ["GEORADIUS", "Sicily", "15", "37", "-1", "km"], ["GEORADIUS", "Sicily", "15", "37", "x", "km"],
    ["GEORADIUS", "Sicily", "15", "37", "1", "yards"], ["GEORADIUS", "Sicily", "190", "37", "1", "km"],
    ["GEORADIUS", "Sicily", "15", "37", "200", "km", "BOGUS"],
    ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"], ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
    ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "dst"], ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
    ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst", "WITHDIST"],
    ["GEORADIUS", "Sicily", "0", "0", "1", "m", "STORE", "dst"], ["EXISTS", "dst"],
    ["GEORADIUS", "none", "15", "37", "200", "km", "STORE", "dst"], ["GEORADIUS", "none", "15", "37", "200", "km"],
    ["GEORADIUS", "none", "15", "37", "x", "km"],
    ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "WITHDIST"],
    ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "dst"],
    ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "WITHDIST", "COUNT", "2"],
    ["GEORADIUSBYMEMBER", "Sicily", "missing", "200", "km"], ["GEORADIUSBYMEMBER", "none", "missing", "x", "y"],
    ["GEORADIUSBYMEMBER", "none", "missing", "x", "y", "STORE", "dst"],
    ["GEORADIUSBYMEMBER", "Sicily", "Palermo", "200", "km", "STOREDIST", "dst2"], ["ZRANGE", "dst2", "0", "-1", "WITHSCORES"],
    ["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "200", "km", "ASC"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHCOORD", "WITHDIST"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC", "WITHDIST"],
    ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "200", "100", "mi", "DESC"],
    ["GEOSEARCH", "Sicily", "FROMMEMBER", "missing", "BYBOX", "200", "100", "mi"],
    ["GEOSEARCH", "none", "FROMMEMBER", "missing", "BYBOX", "200", "100", "mi"],
    ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "m"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "BYBOX", "1", "1", "m"],
    ["GEOSEARCH", "Sicily", "BYRADIUS", "1", "m"], ["geosearch", "Sicily", "BYRADIUS", "1", "m", "ASC"],
    ["GeoSearch", "Sicily", "FROMLONLAT", "1", "1", "ASC", "WITHDIST"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "-1", "1", "m"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "x", "1", "m"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "x", "m"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "1", "parsecs"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYBOX", "1", "1"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "STORE", "x"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m", "STOREDIST"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "inf", "m", "COUNT", "3"],
    ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "0", "m"],
    ["GEOSEARCHSTORE", "out", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST"],
    ["ZRANGE", "out", "0", "-1", "WITHSCORES"],
    ["GEOSEARCHSTORE", "out", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "1", "DESC"],
    ["ZRANGE", "out", "0", "-1", "WITHSCORES"],
    ["GEOSEARCHSTORE", "out", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHDIST"],
    ["GEOSEARCHSTORE", "out", "none", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"], ["EXISTS", "out"],
    ["GEOSEARCHSTORE", "Sicily", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "10", "km"],
    ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"],
    ["SET", "str", "x"], ["GEOADD", "str", "1", "1", "a"], ["GEOPOS", "str", "a"], ["GEOHASH", "str", "a"],
    ["GEODIST", "str", "a", "b"], ["GEORADIUS", "str", "1", "1", "1", "m"], ["GEOSEARCH", "str", "FROMLONLAT", "1", "1", "BYRADIUS", "1", "m"],
    ["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "str"], ["TYPE", "str"],
    # Members whose scores are no geohash at all.
    ["ZADD", "odd", "-5", "neg", "1e30", "huge", "inf", "inf", "-inf", "-inf", "4503599627370496", "2^52",
     "9007199254740993", "big", "0", "zero"],
    ["GEOPOS", "odd", "neg", "huge", "inf", "-inf", "2^52", "big", "zero"],
    ["GEOHASH", "odd", "neg", "huge", "inf", "-inf", "2^52", "big", "zero"],
    ["GEODIST", "odd", "neg", "huge"], ["GEORADIUSBYMEMBER", "odd", "neg", "20000", "km", "WITHDIST", "WITHHASH"],
    ["GEOSEARCH", "odd", "FROMLONLAT", "-180", "-85", "BYRADIUS", "100", "km", "WITHHASH"],
    ["COMMAND", "GETKEYS", "GEORADIUS", "k", "1", "2", "3", "m", "STORE", "a", "STOREDIST", "b"],
    ["COMMAND", "GETKEYS", "GEORADIUSBYMEMBER", "k", "m", "3", "m", "STORE", "a"],
    ["COMMAND", "GETKEYS", "GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "m"],
]


def test_every_form_and_error_answers_as_redis(conns):
    same(conns, "FLUSHALL")
    for args in FIXED:
        same(conns, *args)


def random_point(rng, anchors):
    r = rng.random()
    if r < 0.2 and anchors:
        return rng.choice(anchors)  # the same spot again: ties in distance
    if r < 0.3:
        return (rng.choice([-180, 180, rng.uniform(-180, 180)]), rng.choice([-85.05112878, 85.05112878, 0]))
    if r < 0.6:  # a city-sized cluster
        return (13 + rng.uniform(-0.5, 0.5), 38 + rng.uniform(-0.5, 0.5))
    return (rng.uniform(-180, 180), rng.uniform(-85.05, 85.05))


def test_random_searches_match_redis(conns):
    rng = random.Random(30)
    units = ["m", "km", "ft", "mi"]
    for _ in range(12):
        same(conns, "FLUSHALL")
        anchors = []
        for i in range(rng.choice([5, 100, 400])):
            lon, lat = random_point(rng, anchors)
            anchors.append((lon, lat))
            same(conns, "GEOADD", "g", "%.9f" % lon, "%.9f" % lat, "m%d" % i)
        for _ in range(150):
            lon, lat = random_point(rng, anchors)
            shape = (["BYRADIUS", rng.choice([0, 1, 50, 500, 5000, 20000]) * rng.random(), rng.choice(units)]
                     if rng.random() < 0.5 else
                     ["BYBOX", rng.uniform(0, 3000), rng.uniform(0, 3000), rng.choice(["km", "mi"])])
            centre = (["FROMLONLAT", "%.6f" % lon, "%.6f" % lat] if rng.random() < 0.7
                      else ["FROMMEMBER", "m%d" % rng.randrange(len(anchors))])
            opts = []
            if rng.random() < 0.5:
                opts += ["COUNT", rng.choice([1, 2, 5, 10, 50])] + (["ANY"] if rng.random() < 0.3 else [])
            if rng.random() < 0.6:
                opts.append(rng.choice(["ASC", "DESC"]))
            store = rng.random() < 0.2
            if not store:
                opts += [w for w in ("WITHDIST", "WITHHASH", "WITHCOORD") if rng.random() < 0.5]
                same(conns, "GEOSEARCH", "g", *centre, *shape, *opts)
            else:
                same(conns, "GEOSEARCHSTORE", "s", "g", *centre, *shape, *opts,
                     *(["STOREDIST"] if rng.random() < 0.5 else []))
                same(conns, "ZRANGE", "s", "0", "-1", "WITHSCORES")
            if shape[0] == "BYRADIUS":
                if centre[0] == "FROMLONLAT":
                    same(conns, "GEORADIUS", "g", centre[1], centre[2], shape[1], shape[2], *opts)
                else:
                    same(conns, "GEORADIUSBYMEMBER_RO", "g", centre[1], shape[1], shape[2], *opts)
            a, b = rng.randrange(len(anchors)), rng.randrange(len(anchors))
            same(conns, "GEODIST", "g", "m%d" % a, "m%d" % b, rng.choice(units))
            same(conns, "GEOPOS", "g", "m%d" % a, "m%d" % b, "nope")
            same(conns, "GEOHASH", "g", "m%d" % a, "nope")


def test_equal_distances_keep_redis_order(conns):
    """COUNT below the number of matches takes Redis's partial quicksort; all of them its
    full sort: equal distances must come out in the same order either way."""
    same(conns, "FLUSHALL")
    rng = random.Random(7)
    spots = [(13.0 + i * 0.001, 38.0) for i in range(4)]
    for i in range(300):
        lon, lat = rng.choice(spots)
        same(conns, "GEOADD", "ties", lon, lat, "p%03d" % rng.randrange(1000))
    for count in (1, 2, 3, 6, 7, 8, 40, 41, 100, 299, 1000):
        for order in ("ASC", "DESC"):
            same(conns, "GEOSEARCH", "ties", "FROMLONLAT", "13.0015", "38", "BYRADIUS", "10", "km",
                 "COUNT", count, order, "WITHDIST")
    same(conns, "GEORADIUS", "ties", "13", "38", "10", "km", "ASC")
