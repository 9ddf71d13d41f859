/* rill-check-snapshot FILE: verifies a rill snapshot (structure, then checksum) and prints
 * what it holds per database, or the first problem and its offset. Exit status 0 when the
 * file is good, 1 when it is not, 2 on usage or read errors. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "snapshot_format.h"

static void print_summary(const char *file, size_t len, const snap_reader *r,
                          const struct snap_summary *sum) {
    time_t created = (time_t)(r->created_ms / 1000);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&created));
    printf("%s: rill snapshot version %u, created %s, %zu bytes\n", file, r->version, when, len);
    uint64_t total = 0;
    for (size_t i = 0; i < sum->ndbs; i++) {
        const struct snap_db_summary *db = &sum->dbs[i];
        uint64_t keys = 0;
        for (int t = 1; t < SNAP_TYPE_COUNT; t++) keys += db->keys[t];
        total += keys;
        printf("db%u: keys=%llu expires=%llu", db->db, (unsigned long long)keys,
               (unsigned long long)db->expires);
        /* Types in TYPE's words; integer-held and flagged strings count as strings. */
        static const enum snap_type shown[] = {SNAP_STRING, SNAP_LIST, SNAP_SET, SNAP_ZSET, SNAP_HASH};
        for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++) {
            uint64_t n = db->keys[shown[k]];
            if (shown[k] == SNAP_STRING) n += db->keys[SNAP_INT] + db->keys[SNAP_FLAGGED_STRING];
            if (n) printf(" %s=%llu", snap_type_name(shown[k]), (unsigned long long)n);
        }
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
    snap_reader r;
    struct snap_summary sum;
    int rc = snap_verify(&r, len ? data : "", len, &sum);
    if (rc == 0) {
        print_summary(file, len, &r, &sum);
    } else {
        printf("%s: bad snapshot at offset %zu of %zu: %s\n", file, r.err_offset, len, r.err);
    }
    snap_summary_free(&sum);
    if (len) munmap(data, len);
    return rc == 0 ? 0 : 1;
}
