#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

#include "scripting/lua_sandbox.h"

static lua_State *L;

static int setup(void **state) {
    (void)state;
    L = sandbox_new(NULL);
    return L ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    lua_close(L);
    return 0;
}

/* Runs code as a script would run (chunk "@user_script", Redis's error handler) and leaves
 * its single result, or the error table, on the stack. Returns the pcall status. */
static int run(const char *code) {
    lua_settop(L, 0);
    sandbox_push_error_handler(L);
    if (sandbox_load(L, code, strlen(code), "@user_script") != 0) return -1;
    return lua_pcall(L, 0, 1, 1);
}

static const char *error_text(void) {
    assert_true(lua_istable(L, -1));
    lua_getfield(L, -1, "err");
    return lua_tostring(L, -1);
}

static void expect_error(const char *code, const char *text) {
    assert_int_not_equal(run(code), 0);
    assert_string_equal(error_text(), text);
}

static void test_globals_cannot_be_created_or_misread(void **state) {
    (void)state;
    expect_error("x = 1", "ERR user_script:1: Attempt to modify a readonly table");
    expect_error("return undefined_name",
                 "ERR user_script:1: Script attempted to access nonexistent global variable "
                 "'undefined_name'");
    expect_error("rawset(_G, 'x', 1)", "ERR Attempt to modify a readonly table");
    expect_error("setmetatable(_G, nil)", "ERR Attempt to modify a readonly table");
    assert_int_equal(run("return rawget(_G, 'x')"), 0);
    assert_true(lua_isnil(L, -1));
}

static void test_libraries_are_read_only(void **state) {
    (void)state;
    expect_error("string.len = nil", "ERR user_script:1: Attempt to modify a readonly table");
    expect_error("rawset(math, 'pi', 3)", "ERR Attempt to modify a readonly table");
    expect_error("table.insert(table, 1)", "ERR Attempt to modify a readonly table");
    expect_error("getmetatable('').__index = {}",
                 "ERR user_script:1: Attempt to modify a readonly table");
    assert_int_equal(run("return ('abc'):upper() .. string.len('xy') .. #_G"), 0);
    assert_string_equal(lua_tostring(L, -1), "ABC20");
    /* Reading through a proxy works everywhere a table is read. */
    assert_int_equal(run("local n = 0 for k in pairs(string) do n = n + 1 end "
                         "return n > 10 and type(next(math)) == 'string' and "
                         "rawget(string, 'rep') == string.rep"),
                     0);
    assert_true(lua_toboolean(L, -1));
}

static void test_cmsgpack_and_struct_are_there_and_read_only(void **state) {
    (void)state;
    assert_int_equal(run("local a, b = cmsgpack.unpack(cmsgpack.pack({1, 'x'}, 300)) "
                         "return a[2] .. b .. struct.size('>i h') .. "
                         "select(2, struct.unpack('>h', struct.pack('>h', -2)))"),
                     0);
    assert_string_equal(lua_tostring(L, -1), "x30063");
    expect_error("cmsgpack.pack = nil", "ERR user_script:1: Attempt to modify a readonly table");
    expect_error("struct.x = 1", "ERR user_script:1: Attempt to modify a readonly table");
}

static void test_ordinary_tables_stay_ordinary(void **state) {
    (void)state;
    assert_int_equal(run("local t = {} t.a = 1 rawset(t, 'b', 2) table.insert(t, 'c') "
                         "setmetatable(t, {__index = function() return 9 end}) "
                         "return t.a + t.b + #t + t.zzz"),
                     0);
    assert_int_equal(lua_tointeger(L, -1), 13);
}

static void test_unsafe_functions_are_gone(void **state) {
    (void)state;
    static const char *const names[] = {"os", "io", "debug", "require", "dofile", "loadfile",
                                        "print", "setfenv", "getfenv", "newproxy", "module",
                                        "package"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char code[64];
        snprintf(code, sizeof code, "return %s", names[i]);
        assert_int_not_equal(run(code), 0);
    }
}

static void test_bytecode_is_refused(void **state) {
    (void)state;
    assert_int_equal(run("return loadstring(string.dump(function() return 1 end))"), 0);
    assert_true(lua_isnil(L, -1));
    lua_settop(L, 0);
    const char chunk[] = "\033Lua junk";
    assert_int_not_equal(sandbox_load(L, chunk, sizeof chunk - 1, "@user_script"), 0);
    assert_string_equal(lua_tostring(L, -1), "user_script:1: unexpected symbol near 'char(27)'");
}

static void test_math_random_is_redis_rand48(void **state) {
    (void)state;
    /* The sequence redis-server gives after math.randomseed(5). */
    assert_int_equal(run("math.randomseed(5) return math.random(1000) * 10000 + math.random(1000)"), 0);
    assert_int_equal(lua_tointeger(L, -1), 5250273);
    expect_error("return math.random(0)", "ERR user_script:1: bad argument #1 to 'random' (interval is empty)");
}

static void test_set_global_reaches_scripts(void **state) {
    (void)state;
    lua_pushliteral(L, "value");
    sandbox_set_global(L, "KEYS");
    assert_int_equal(run("return KEYS"), 0);
    assert_string_equal(lua_tostring(L, -1), "value");
}

static void test_errors_carry_source_and_line(void **state) {
    (void)state;
    assert_int_not_equal(run("local a = 1\nerror('boom')"), 0);
    lua_getfield(L, -1, "line");
    assert_int_equal(lua_tointeger(L, -1), 2);
    lua_getfield(L, -2, "source");
    assert_string_equal(lua_tostring(L, -1), "@user_script");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_globals_cannot_be_created_or_misread),
        cmocka_unit_test(test_libraries_are_read_only),
        cmocka_unit_test(test_cmsgpack_and_struct_are_there_and_read_only),
        cmocka_unit_test(test_ordinary_tables_stay_ordinary),
        cmocka_unit_test(test_unsafe_functions_are_gone),
        cmocka_unit_test(test_bytecode_is_refused),
        cmocka_unit_test(test_math_random_is_redis_rand48),
        cmocka_unit_test(test_set_global_reaches_scripts),
        cmocka_unit_test(test_errors_carry_source_and_line),
    };
    return cmocka_run_group_tests_name("lua_sandbox", tests, setup, teardown);
}
