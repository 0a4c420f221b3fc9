/* Shared by the test tools that hold thousands of sockets. */
#ifndef OPEN_FILES_H
#define OPEN_FILES_H
#include <stdio.h>
#include <sys/resource.h>

/* Raises the open-files limit to the hard limit, and to at least WANTED (root may raise the hard limit). */
static void raise_open_files(rlim_t wanted) {
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
        files.rlim_cur = files.rlim_max > wanted ? files.rlim_max : wanted;
        files.rlim_max = files.rlim_cur;
        if (setrlimit(RLIMIT_NOFILE, &files) != 0) perror("setrlimit(RLIMIT_NOFILE)");
    }
}
#endif
