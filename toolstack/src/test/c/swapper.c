/*
 * The tenant's side of the path race (docs/proof/README.md, threat model): swaps a directory the
 * tenant owns with a symlink to a host directory, atomically (renameat2 RENAME_EXCHANGE), as fast
 * as it can, until killed or for at most the given seconds. Run as the tenant's uid.
 *   swapper DIR LINK SECONDS   (DIR a real directory, LINK a symlink, both in the same directory)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: swapper DIR LINK SECONDS\n"); return 2; }
    time_t end = time(NULL) + atoi(argv[3]);
    long swaps = 0;
    printf("SWAPPING\n");
    fflush(stdout);
    while (time(NULL) < end) {
        if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) != 0) { perror("renameat2"); return 1; }
        swaps++;
    }
    printf("SWAPS %ld\n", swaps);
    return 0;
}
