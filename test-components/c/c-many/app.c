// c-many: a C provider of test:card/many. `notify` prints with libc's printf,
// so the component imports WASI (wasi:cli/stdout through the preview1
// adapter): plugtree links it, and without a `stdout` grant the text is discarded.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"

void exports_test_card_many_greet(guest_string_t *name, guest_string_t *ret) {
    static const char hello[] = "salut, ";
    size_t n = sizeof hello - 1;
    ret->ptr = malloc(n + name->len);
    if (ret->ptr == NULL) abort();
    memcpy(ret->ptr, hello, n);
    memcpy(ret->ptr + n, name->ptr, name->len);
    ret->len = n + name->len;
    guest_string_free(name);
}

void exports_test_card_many_notify(guest_string_t *msg) {
    printf("c-many: %.*s\n", (int)msg->len, (const char *)msg->ptr);
    fflush(stdout);
    guest_string_free(msg);
}
