/* rill-check-aof [--fix] FILE: checks an append-only file as Redis 7.0's redis-check-aof does,
 * with its messages: a multi-part AOF through its manifest (the base, RDB or commands, then
 * each incremental file), or one old-style file (commands, maybe after an RDB preamble). It
 * says where the last whole command ends; --fix truncates a torn last file there after asking.
 * Exit status 0 when everything is valid (or was fixed), 1 otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof_format.h"
#include "rdb_format.h"

enum result { FILE_VALID, FILE_EMPTY, FILE_TRUNCATED, FILE_INVALID };

static int fix;

/* Asks before cutting, as redis-check-aof does; y or Y goes on. */
static int confirmed(void) {
    printf("Continue? [y/N]: ");
    fflush(stdout);
    char answer[16];
    if (!fgets(answer, sizeof answer, stdin) || (answer[0] != 'y' && answer[0] != 'Y')) {
        printf("Aborting...\n");
        return 0;
    }
    return 1;
}

static enum result check_file(const char *dir, const char *name, int last) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("Cannot open file %s: %s, aborting...\n", path, strerror(errno));
        exit(1);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        printf("Cannot stat file: %s, aborting...\n", name);
        exit(1);
    }
    size_t len = (size_t)st.st_size;
    if (len == 0) {
        close(fd);
        return FILE_EMPTY;
    }
    char *data = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (data == MAP_FAILED) {
        printf("Failed to read from AOF %s, aborting...\n", name);
        exit(1);
    }
    size_t start = 0;
    if (aof_is_rdb(data, len)) {
        rdb_reader r;
        if (rdb_open_preamble(&r, data, len) != 0 || rdb_verify(&r, NULL) != 0) {
            printf("RDB preamble of AOF file is not sane, aborting.\n");
            printf("0x%16llx: %s\n", (unsigned long long)r.err_offset, r.err);
            exit(1);
        }
        printf("RDB preamble is OK, proceeding with AOF tail...\n");
        start = (size_t)(r.p - r.base);
    }
    aof_reader rd;
    aof_reader_init(&rd, data + start, len - start);
    enum aof_read_status status;
    size_t valid = start, before_multi = start;
    int in_multi = 0;
    while ((status = aof_read_command(&rd)) == AOF_READ_COMMAND || status == AOF_READ_ANNOTATION) {
        if (status == AOF_READ_ANNOTATION) continue;
        size_t end = start + (size_t)(rd.p - rd.base);
        if (rd.argv[0].len == 5 && strncasecmp(rd.argv[0].ptr, "multi", 5) == 0) {
            in_multi = 1;
            before_multi = valid;
        } else if (rd.argv[0].len == 4 && strncasecmp(rd.argv[0].ptr, "exec", 4) == 0) {
            in_multi = 0;
        }
        valid = end;
    }
    aof_reader_free(&rd);
    if (status == AOF_READ_EOF && in_multi) {
        printf("Reached EOF before reading EXEC for MULTI\n");
        valid = before_multi;
        status = AOF_READ_TRUNCATED;
    }
    size_t line = 1;
    for (size_t i = 0; i < valid; i++) line += data[i] == '\n';
    munmap(data, len);
    if (status == AOF_READ_EOF) return FILE_VALID;
    if (status == AOF_READ_BAD_FORMAT) printf("AOF %s format error\n", name);
    printf("AOF analyzed: filename=%s, size=%zu, ok_up_to=%zu, ok_up_to_line=%zu, diff=%zu\n", name,
           len, valid, line, len - valid);
    if (!fix) {
        printf("AOF %s is not valid. Use the --fix option to try fixing it.\n", name);
        exit(1);
    }
    if (!last) {
        printf("Failed to truncate AOF %s because it is not the last file\n", name);
        exit(1);
    }
    printf("This will shrink the AOF %s from %zu bytes, with %zu bytes, to %zu bytes\n", name, len,
           len - valid, valid);
    if (!confirmed()) exit(1);
    if (truncate(path, (off_t)valid) != 0) {
        printf("Failed to truncate AOF %s\n", name);
        exit(1);
    }
    return FILE_TRUNCATED;
}

static void report(const char *kind, const char *name, enum result r) {
    if (r == FILE_VALID) printf("%s%s is valid\n", kind, name);
    if (r == FILE_EMPTY) printf("%s%s is empty\n", kind, name);
    if (r == FILE_TRUNCATED) printf("Successfully truncated AOF %s\n", name);
}

static void check_manifest(const char *path) {
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("Cannot open file %s: %s\n", path, strerror(errno));
        exit(1);
    }
    buf_t text;
    buf_init(&text);
    buf_append_stream(&text, f);
    fclose(f);
    struct aof_manifest m;
    const char *err;
    int line;
    if (aof_manifest_parse(&m, text.data ? text.data : "", text.len, &err, &line) != 0) {
        printf("*** FATAL AOF MANIFEST FILE ERROR ***\n");
        if (line) printf("Reading the manifest file, at line %d\n", line);
        printf("%s\n", err);
        exit(1);
    }
    buf_free(&text);
    printf("Start checking Multi Part AOF\n");
    size_t total = (m.base ? 1 : 0) + m.nincr, done = 0;
    if (m.base) {
        char base_path[PATH_MAX];
        snprintf(base_path, sizeof base_path, "%s/%s", dir, m.base->name);
        int fd = open(base_path, O_RDONLY);
        char sig[5] = {0};
        if (fd >= 0) {
            if (read(fd, sig, 5) < 0) sig[0] = 0;
            close(fd);
        }
        printf("Start to check BASE AOF (%s format).\n", aof_is_rdb(sig, 5) ? "RDB" : "RESP");
        report("BASE AOF ", m.base->name, check_file(dir, m.base->name, ++done == total));
    }
    if (m.nincr) printf("Start to check INCR files.\n");
    for (size_t i = 0; i < m.nincr; i++)
        report("INCR AOF ", m.incr[i].name, check_file(dir, m.incr[i].name, ++done == total));
    aof_manifest_free(&m);
    printf("All AOF files and manifest are valid\n");
}

int main(int argc, char **argv) {
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--fix") == 0) {
            fix = 1;
        } else if (argv[i][0] == '-' || file) {
            file = NULL;
            break;
        } else {
            file = argv[i];
        }
    }
    if (!file) {
        printf("Usage: %s [--fix] <file.manifest|file.aof>\n", argv[0]);
        return 1;
    }
    size_t n = strlen(file);
    if (n > 9 && strcmp(file + n - 9, ".manifest") == 0) {
        check_manifest(file);
    } else {
        printf("Start checking Old-Style AOF\n");
        report("AOF ", file, check_file(NULL, file, 1));
    }
    return 0;
}
