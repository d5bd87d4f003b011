/* LD_PRELOAD shim for the CLI tests: pthread_create fails with EAGAIN (as when a process hits
 * its thread or memory limit) after SISIM_TEST_THREADS_OK successful calls. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

typedef int (*create_fn)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);

int pthread_create(pthread_t* t, const pthread_attr_t* a, void* (*f)(void*), void* arg) {
    static int calls = 0;
    static create_fn real = NULL;
    if (!real) real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
    const char* ok = getenv("SISIM_TEST_THREADS_OK");
    if (ok && __atomic_fetch_add(&calls, 1, __ATOMIC_SEQ_CST) >= atoi(ok)) return EAGAIN;
    return real(t, a, f, arg);
}
