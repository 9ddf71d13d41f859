/* rill-check-snapshot FILE: verifies an RDB file written by rill or redis-server (structure of
 * every record and value, then checksum) and prints what it holds per database, or the first
 * problem and its offset. Exit status 0 when the file is good, 1 when it is not, 2 on usage or
 * read errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rdb_format.h"

static void print_summary(const char *file, size_t len, const rdb_reader *r,
                          const struct rdb_summary *sum) {
    printf("%s: RDB version %d", file, r->version);
    if (sum->redis_ver[0]) printf(", written as Redis %s", sum->redis_ver);
    if (sum->ctime >= 0) {
        time_t created = (time_t)sum->ctime;
        char when[64];
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&created));
        printf(", created %s", when);
    }
    printf(", %zu bytes\n", len);
    uint64_t total = 0;
    static const char *const shown[] = {"string", "list", "set", "zset", "hash", "stream"};
    for (size_t i = 0; i < sum->ndbs; i++) {
        const struct rdb_db_summary *db = &sum->dbs[i];
        uint64_t keys = 0, by_name[sizeof shown / sizeof shown[0]] = {0};
        for (int t = 0; t < RDB_TYPE_COUNT; t++) {
            keys += db->keys[t];
            for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++)
                if (strcmp(rdb_type_name(t), shown[k]) == 0) by_name[k] += db->keys[t];
        }
        total += keys;
        printf("db%llu: keys=%llu expires=%llu", (unsigned long long)db->db,
               (unsigned long long)keys, (unsigned long long)db->expires);
        for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++)
            if (by_name[k]) printf(" %s=%llu", shown[k], (unsigned long long)by_name[k]);
        printf("\n");
    }
    printf("%llu keys in %zu database%s; checksum OK\n", (unsigned long long)total, sum->ndbs,
           sum->ndbs == 1 ? "" : "s");
}

int main(int argc, char **argv) {
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "Usage: rill-check-snapshot FILE\n");
        return 2;
    }
    const char *file = argv[1];
    int fd = open(file, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "%s: %s\n", file, strerror(errno));
        return 2;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "%s: not a regular file\n", file);
        return 2;
    }
    size_t len = (size_t)st.st_size;
    void *data = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (data == MAP_FAILED) {
        fprintf(stderr, "%s: %s\n", file, strerror(errno));
        return 2;
    }
    rdb_reader r;
    struct rdb_summary sum = {0};
    int rc = rdb_open(&r, len ? data : "", len);
    if (rc == 0) rc = rdb_verify(&r, &sum);
    if (rc == 0) {
        print_summary(file, len, &r, &sum);
    } else {
        printf("%s: bad snapshot at offset %zu of %zu: %s\n", file, r.err_offset, len, r.err);
    }
    rdb_summary_free(&sum);
    if (len) munmap(data, len);
    return rc == 0 ? 0 : 1;
}
