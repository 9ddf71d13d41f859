/* LOLWUT [VERSION v] [args]: Redis's computer art. Version 5 draws Georg Nees's Schotter in
 * Braille characters, version 6 a skyline in terminal colours, and any other version (7.0's
 * own, the default) just the version line, as Redis 7.0 does. The pictures are random, as in
 * Redis. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/commands.h"
#include "core/reply.h"
#include "core/server.h"
#include "mem.h"

struct canvas {
    int width, height;
    unsigned char *pixels;
};

static struct canvas *canvas_new(int width, int height, int color) {
    struct canvas *c = mem_alloc(sizeof *c);
    c->width = width;
    c->height = height;
    c->pixels = mem_alloc((size_t)width * (size_t)height);
    memset(c->pixels, color, (size_t)width * (size_t)height);
    return c;
}

static void canvas_free(struct canvas *c) {
    mem_free(c->pixels);
    mem_free(c);
}

static void draw_pixel(struct canvas *c, int x, int y, int color) {
    if (x < 0 || x >= c->width || y < 0 || y >= c->height) return;
    c->pixels[x + y * c->width] = (unsigned char)color;
}

static int get_pixel(const struct canvas *c, int x, int y) {
    if (x < 0 || x >= c->width || y < 0 || y >= c->height) return 0;
    return c->pixels[x + y * c->width];
}

static void draw_line(struct canvas *c, int x1, int y1, int x2, int y2, int color) {
    int dx = abs(x2 - x1), dy = abs(y2 - y1);
    int sx = x1 < x2 ? 1 : -1, sy = y1 < y2 ? 1 : -1;
    int err = dx - dy;
    for (;;) {
        draw_pixel(c, x1, y1, color);
        if (x1 == x2 && y1 == y2) break;
        int e2 = err * 2;
        if (e2 > -dy) {
            err -= dy;
            x1 += sx;
        }
        if (e2 < dx) {
            err += dx;
            y1 += sy;
        }
    }
}

/* A square of side size (the side of the one inscribed in a circle of radius 1 is sqrt 2)
 * centred on x, y, turned by angle. */
static void draw_square(struct canvas *c, int x, int y, float size, float angle, int color) {
    int px[4], py[4];
    size /= 1.4142135623f;
    size = roundf(size);
    float k = (float)M_PI / 4 + angle;
    for (int j = 0; j < 4; j++) {
        px[j] = (int)roundf(sinf(k) * size + (float)x);
        py[j] = (int)roundf(cosf(k) * size + (float)y);
        k += (float)M_PI / 2;
    }
    for (int j = 0; j < 4; j++) draw_line(c, px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
}

/* ---- Version 5: Schotter ---- */

static struct canvas *draw_schotter(int console_cols, int squares_per_row, int squares_per_col) {
    int canvas_width = console_cols * 2;
    int padding = canvas_width > 4 ? 2 : 0;
    float square_side = (float)(canvas_width - padding * 2) / (float)squares_per_row;
    int canvas_height = (int)(square_side * (float)squares_per_col) + padding * 2;
    struct canvas *c = canvas_new(canvas_width, canvas_height, 0);
    for (int y = 0; y < squares_per_col; y++) {
        for (int x = 0; x < squares_per_row; x++) {
            int sx = (int)((float)x * square_side + square_side / 2 + (float)padding);
            int sy = (int)((float)y * square_side + square_side / 2 + (float)padding);
            /* Turned and moved at random, more so down the rows. */
            float angle = 0;
            if (y > 1) {
                float r1 = (float)rand() / (float)RAND_MAX / (float)squares_per_col * (float)y;
                float r2 = (float)rand() / (float)RAND_MAX / (float)squares_per_col * (float)y;
                float r3 = (float)rand() / (float)RAND_MAX / (float)squares_per_col * (float)y;
                if (rand() % 2) r1 = -r1;
                if (rand() % 2) r2 = -r2;
                if (rand() % 2) r3 = -r3;
                angle = r1;
                sx += (int)(r2 * square_side / 3);
                sy += (int)(r3 * square_side / 3);
            }
            draw_square(c, sx, sy, square_side, angle, 1);
        }
    }
    return c;
}

/* Each 2x4 block of pixels as the Braille character with those dots, in UTF-8. */
static void render_braille(const struct canvas *c, buf_t *out) {
    static const int dot[8][2] = {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}};
    for (int y = 0; y < c->height; y += 4) {
        for (int x = 0; x < c->width; x += 2) {
            int byte = 0;
            for (int b = 0; b < 8; b++)
                if (get_pixel(c, x + dot[b][0], y + dot[b][1])) byte |= 1 << b;
            int code = 0x2800 + byte;
            char utf8[3] = {(char)(0xE0 | (code >> 12)), (char)(0x80 | ((code >> 6) & 0x3F)),
                            (char)(0x80 | (code & 0x3F))};
            buf_append(out, utf8, 3);
        }
        if (y != c->height - 1) buf_append(out, "\n", 1);
    }
}

static long clamp(long v, long lo, long hi) { return v < lo ? lo : v > hi ? hi : v; }

/* The optional numbers after the version: each defaults, then is kept within limits. */
static int read_numbers(client *c, const resp_arg *argv, size_t argc, long *values, size_t n) {
    for (size_t i = 0; i < n && i + 1 < argc; i++) {
        long long v;
        if (arg_ll(c, &argv[i + 1], &v) != 0) return -1;
        values[i] = v < -2147483648LL ? -2147483648L : v > 2147483647LL ? 2147483647L : (long)v;
    }
    return 0;
}

static void lolwut5(client *c, const resp_arg *argv, size_t argc) {
    long v[3] = {66, 8, 12}; /* columns, squares per row, squares per column */
    if (read_numbers(c, argv, argc, v, 3) != 0) return;
    struct canvas *canvas = draw_schotter((int)clamp(v[0], 1, 1000), (int)clamp(v[1], 1, 200),
                                          (int)clamp(v[2], 1, 200));
    buf_t out;
    buf_init(&out);
    render_braille(canvas, &out);
    buf_printf(&out, "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. %s\n", REDIS_COMPAT_VERSION);
    reply_bulk(c, out.data, out.len); /* RESP2 has no verbatim type */
    buf_free(&out);
    canvas_free(canvas);
}

/* ---- Version 6: a skyline ---- */

struct skyscraper {
    int xoff, width, height, windows, color;
};

static void draw_skyscraper(struct canvas *c, const struct skyscraper *s) {
    int starty = c->height - 1, endy = starty - s->height + 1;
    for (int y = starty; y >= endy; y--) {
        for (int x = s->xoff; x < s->xoff + s->width; x++) {
            if (y == endy && (x <= s->xoff + 1 || x >= s->xoff + s->width - 2)) continue; /* the roof */
            int color = s->color;
            if (s->windows && x > s->xoff + 1 && x < s->xoff + s->width - 2 && y > endy + 1 && y < starty - 1) {
                int relx = x - (s->xoff + 1), rely = y - (endy + 1);
                /* Windows two pixels wide, one tall: terminal pixels are not square. */
                if (relx / 2 % 2 && rely % 2) {
                    do {
                        color = 1 + rand() % 2;
                    } while (color == s->color);
                    if (relx % 2) color = get_pixel(c, x - 1, y);
                }
            }
            draw_pixel(c, x, y, color);
        }
    }
}

static void draw_skyline(struct canvas *c) {
    struct skyscraper s;
    /* The background first, the lighter grey behind, without windows. */
    for (int color = 2; color >= 1; color--) {
        s.color = color;
        for (int offset = -10; offset < c->width;) {
            offset += rand() % 8;
            s.xoff = offset;
            s.width = 10 + rand() % 9;
            s.height = color == 2 ? c->height / 2 + rand() % c->height / 2 : c->height / 2 + rand() % c->height / 3;
            s.windows = 0;
            draw_skyscraper(c, &s);
            offset += color == 2 ? s.width / 2 : s.width + 1;
        }
    }
    s.color = 0;
    for (int offset = -10; offset < c->width;) {
        offset += rand() % 8;
        s.xoff = offset;
        s.width = 5 + rand() % 14;
        if (s.width % 4) s.width += s.width % 3;
        s.height = c->height / 3 + rand() % c->height / 2;
        s.windows = 1;
        draw_skyscraper(c, &s);
        offset += s.width + 5;
    }
}

static void lolwut6(client *c, const resp_arg *argv, size_t argc) {
    long v[2] = {80, 20}; /* columns, rows */
    if (read_numbers(c, argv, argc, v, 2) != 0) return;
    struct canvas *canvas = canvas_new((int)clamp(v[0], 1, 1000), (int)clamp(v[1], 1, 1000), 3);
    draw_skyline(canvas);
    static const char *const colors[] = {"0;30;40m", "0;90;100m", "0;37;47m", "0;97;107m"};
    buf_t out;
    buf_init(&out);
    for (int y = 0; y < canvas->height; y++) {
        for (int x = 0; x < canvas->width; x++)
            buf_printf(&out, "\033[%s \033[0m", colors[get_pixel(canvas, x, y) & 3]);
        if (y != canvas->height - 1) buf_append(&out, "\n", 1);
    }
    buf_printf(&out, "\nDedicated to the 8 bit game developers of past and present.\n"
                     "Original 8 bit image from Plaguemon by hikikomori. Redis ver. %s\n",
               REDIS_COMPAT_VERSION);
    reply_bulk(c, out.data, out.len);
    buf_free(&out);
    canvas_free(canvas);
}

void cmd_lolwut(client *c) {
    const resp_arg *argv = c->argv;
    size_t argc = c->argc;
    long long version = 7;
    if (argc >= 3 && arg_is(&argv[1], "version")) {
        if (arg_ll(c, &argv[2], &version) != 0) return;
        argv += 2;
        argc -= 2;
    }
    /* Redis compares "<v>.0.0" with its version names: 5 and 6 have their pictures. */
    unsigned v = (unsigned)version;
    if (v == 5) {
        lolwut5(c, argv, argc);
    } else if (v == 6) {
        lolwut6(c, argv, argc);
    } else {
        buf_t out;
        buf_init(&out);
        buf_printf(&out, "Redis ver. %s\n", REDIS_COMPAT_VERSION);
        reply_bulk(c, out.data, out.len);
        buf_free(&out);
    }
}
