/* Values between Redis replies and Lua, by the rules Redis documents for scripts: replies
 * of commands a script calls become Lua values, and a script's result becomes a reply. */
#ifndef RILL_LUA_CONVERT_H
#define RILL_LUA_CONVERT_H

#include <lua.h>
#include <stddef.h>

#include "core/server.h"

/* Pushes the Lua value of the RESP2 reply at the start of [p, p + len): integer -> number,
 * bulk -> string, nil -> false, status -> {ok=...}, error -> {err=...} (marked as already
 * counted), array -> table. Returns the reply's size in bytes. */
size_t lua_push_reply(lua_State *L, const char *p, size_t len);
/* Pushes the error table Redis's scripts use: {err = "<CODE> <message>"}. msg may start
 * with "-CODE "; otherwise the code is ERR. */
void lua_push_error(lua_State *L, const char *msg, size_t len);
/* Replies to c with the Lua value on top of the stack, and pops it: string -> bulk,
 * number -> integer (truncated), true -> 1, false and nil -> nil, table with err / ok /
 * double / big_number / verbatim_string / map / set -> that reply, other table -> array
 * up to the first nil. */
void lua_reply_value(lua_State *L, client *c);
/* Replies to c with the error of an error table (index idx): its `err`, and where the
 * script raised it when the table says. sha names the script. */
void lua_reply_error_table(lua_State *L, int idx, client *c, const char *sha);

#endif
