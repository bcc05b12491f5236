// c-values: test:app/values in C, answering exactly like the Rust guest `values`.
//
// wit-bindgen's C ABI: arguments are the callee's (to free or to move into the
// result); results are allocated with malloc and freed after the call by the
// generated post-return. No libc I/O: the component imports no WASI.
#include <stdlib.h>
#include <string.h>

#include "guest.h"

uint32_t exports_test_app_values_add(uint32_t a, uint32_t b) {
    return a + b; // wraps, as u32 addition does in Rust with wrapping_add
}

void exports_test_app_values_echo(guest_string_t *s, guest_string_t *ret) {
    *ret = *s;
}

void exports_test_app_values_tag(exports_test_app_values_entry_t *e, guest_string_t *extra,
                                 exports_test_app_values_entry_t *ret) {
    size_t n = e->tags.len;
    guest_string_t *tags = malloc((n + 1) * sizeof *tags);
    if (tags == NULL) abort();
    // An empty list's pointer is not malloc's: copy, and free only a real one.
    if (n > 0) {
        memcpy(tags, e->tags.ptr, n * sizeof *tags);
        free(e->tags.ptr);
    }
    tags[n] = *extra;
    ret->name = e->name;
    ret->tags.ptr = tags;
    ret->tags.len = n + 1;
    ret->score.is_some = true;
    ret->score.val = e->score.is_some ? e->score.val + 1 : 1;
}

double exports_test_app_values_area(exports_test_app_values_shape_t *s) {
    switch (s->tag) {
    case EXPORTS_TEST_APP_VALUES_SHAPE_CIRCLE:
        return 3.0 * s->val.circle * s->val.circle;
    case EXPORTS_TEST_APP_VALUES_SHAPE_RECT:
        return s->val.rect.f0 * s->val.rect.f1;
    default:
        return 0.0;
    }
}

bool exports_test_app_values_checked_div(uint32_t a, uint32_t b, uint32_t *ret,
                                         guest_string_t *err) {
    if (b == 0) {
        guest_string_dup(err, "division by zero");
        return false;
    }
    *ret = a / b;
    return true;
}

static bool is(const guest_string_t *s, const char *text) {
    return s->len == strlen(text) && memcmp(s->ptr, text, s->len) == 0;
}

bool exports_test_app_values_find(guest_string_t *name, exports_test_app_values_color_t *ret) {
    bool found = true;
    if (is(name, "red")) {
        *ret = EXPORTS_TEST_APP_VALUES_COLOR_RED;
    } else if (is(name, "green")) {
        *ret = EXPORTS_TEST_APP_VALUES_COLOR_GREEN;
    } else if (is(name, "blue")) {
        *ret = EXPORTS_TEST_APP_VALUES_COLOR_BLUE;
    } else {
        found = false;
    }
    guest_string_free(name);
    return found;
}

exports_test_app_values_perms_t exports_test_app_values_grant(exports_test_app_values_perms_t p) {
    return p | EXPORTS_TEST_APP_VALUES_PERMS_EXEC;
}

void exports_test_app_values_nothing(void) {}

void exports_test_app_values_bytes(uint32_t n, guest_list_u8_t *ret) {
    ret->ptr = malloc(n);
    if (ret->ptr == NULL && n > 0) abort();
    for (uint32_t i = 0; i < n; i++) ret->ptr[i] = (uint8_t)i;
    ret->len = n;
}
