/*
 * Unit tests of engine/evaluation.c: an evaluation as it is posted, the
 * API's JSON and the /q/ page's form, read by the same rules, and who may
 * give it (a signed token, or a code with a key), each refusal with its
 * status and message in the order the answers check them; what goes into
 * the write when it is accepted.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onestop_evaluation.h"
#include "tap.h"


#define CODE  "000.00.12.H36-240603-0001"


static onestop_qr_key_t  key;
static char              token[128];
static size_t            token_len;


/* the request's status; *message its message ("" when none) */

static int
post_as(int form, const char *body, const onestop_scope_t *scope,
    int by_code, onestop_write_t *w, const char **message)
{
    int                    status;
    onestop_evaluation_t   ev;

    /* what the write points into stays for the checks */
    static char            copy[8192], buf[8192];
    static onestop_args_t  args;

    memset(w, 0, sizeof(onestop_write_t));
    snprintf(copy, sizeof(copy), "%s", body);

    status = onestop_evaluation_request(&ev, w, form, copy, strlen(copy),
                                        &args, buf, &key, 1, scope, by_code,
                                        message);
    if (*message == NULL) {
        *message = "";
    }

    return status;
}


static int
post(int form, const char *body, const onestop_scope_t *scope,
    onestop_write_t *w, const char **message)
{
    return post_as(form, body, scope, 0, w, message);
}


int
main(void)
{
    char              body[1024];
    const char       *m;
    onestop_write_t   w;
    onestop_scope_t   scope;

    memset(&key, 0, sizeof(key));
    memset(key.key, 0x5a, 32);
    key.len = 32;
    token_len = onestop_token_sign(&key, CODE, strlen(CODE), token);
    token[token_len] = '\0';

    memset(&scope, 0, sizeof(scope));
    scope.all = 1;

    /* the API: a token */

    snprintf(body, sizeof(body), "{\"token\": \"%s\", \"answers\": {\"2\": 2, "
             "\"5\": 0}, \"comment\": \"tốt\"}", token);
    is_int(post(0, body, NULL, &w, &m), 0, "JSON with a token: accepted");
    is_str(w.code.data, w.code.len, CODE, "the token's code");
    ok(w.scope == NULL, "no scope: the receipt is the proof");
    ok(w.answers[2] == 2 && w.answers[5] == 0 && w.answers[3] == -1
       && w.answers[1] == -1, "the answers, the others -1");
    is_str(w.comment.data, w.comment.len, "tốt", "the comment");

    snprintf(body, sizeof(body), "{\"token\": \"%s\", \"answers\": {\"2\": 3}}",
             token);
    is_int(post(0, body, NULL, &w, &m), 422, "an answer of 3");
    is_str(m, strlen(m), "each answer is 0, 1 or 2", "says so");

    snprintf(body, sizeof(body), "{\"token\": \"%.*sx\", \"answers\": "
             "{\"2\": 3}}", (int) token_len - 1, token);
    is_int(post(0, body, NULL, &w, &m), 404,
           "a bad token before the rules");
    is_str(m, strlen(m), "no dossier for this token", "says so");

    is_int(post(0, "{\"token\": \"\", \"answers\": {\"2\": 1}}", NULL, &w, &m),
           404, "an empty token");
    is_int(post(0, "[1]", NULL, &w, &m), 400, "not an object");
    is_str(m, strlen(m), "the body is not a JSON object", "says so");
    is_int(post(0, "{\"answers\": {\"2\": 1}}", NULL, &w, &m), 422,
           "neither token nor code");
    is_str(m, strlen(m), "an evaluation needs a token, or a code and a key",
           "says what is needed");

    /* the API: a code with a key */

    is_int(post(0, "{\"code\": \"" CODE "\", \"answers\": {\"9\": 1}}", NULL,
                &w, &m), 401, "a code without a key");
    ok(strstr(m, "Bearer") != NULL, "says how");

    /* onestop_evaluate_by_code on: the code alone (Điều 12.1) */

    is_int(post_as(0, "{\"code\": \"" CODE "\", \"answers\": {\"9\": 1}}",
                   NULL, 1, &w, &m), 0, "by_code: a code without a key");
    ok(w.scope == NULL && w.code.len == strlen(CODE)
       && memcmp(w.code.data, CODE, w.code.len) == 0 && w.answers[9] == 1,
       "by_code: the code, no scope, the answers");
    is_int(post_as(0, "{\"code\": \"-x-\", \"answers\": {\"9\": 1}}",
                   NULL, 1, &w, &m), 404, "by_code: a code that is not one");
    is_int(post_as(0, "{\"code\": \"" CODE "\", \"answers\": {}}", NULL,
                   1, &w, &m), 422, "by_code: no answer");
    is_int(post_as(0, "{\"code\": \"" CODE "\", \"answers\": {\"9\": 1}}",
                   &scope, 1, &w, &m), 0, "by_code with a key: as before");
    ok(w.scope == &scope, "by_code with a key: within its scope");
    is_int(post(0, "{\"code\": \"-x-\", \"answers\": {\"9\": 1}}", &scope,
                &w, &m), 404, "a code that is not one");
    is_int(post(0, "{\"code\": \"" CODE "\", \"answers\": {}}", &scope, &w,
                &m), 422, "no answer");
    is_str(m, strlen(m), "answer at least one of the indices \"2\" to \"9\"",
           "says so");
    is_int(post(0, "{\"code\": \"" CODE "\", \"answers\": {\"9\": 1}}",
                &scope, &w, &m), 0, "a code with a key: accepted");
    ok(w.scope == &scope && w.answers[9] == 1, "the key's scope");
    is_str(w.code.data, w.code.len, CODE, "the code");

    /* the form */

    snprintf(body, sizeof(body), "token=%s&a2=1&a3=&comment=kh%%C3%%A1",
             token);
    is_int(post(1, body, NULL, &w, &m), 0, "the form: accepted");
    ok(w.answers[2] == 1 && w.answers[3] == -1, "an empty radio: unanswered");
    is_str(w.comment.data, w.comment.len, "khá", "the comment decoded");
    is_str(w.code.data, w.code.len, CODE, "the token's code");

    snprintf(body, sizeof(body), "token=nope&a2=7");
    is_int(post(1, body, NULL, &w, &m), 422,
           "the form's rules before its token");
    snprintf(body, sizeof(body), "token=nope&a2=1");
    is_int(post(1, body, &scope, &w, &m), 404, "a bad token, key or not");
    is_int(post(1, "a2=1", &scope, &w, &m), 404, "no token");
    snprintf(body, sizeof(body), "token=%s&comment=x", token);
    is_int(post(1, body, NULL, &w, &m), 422, "no answer");
    is_str(m, strlen(m), "answer at least one of the indices 2 to 9",
           "says so");
    snprintf(body, sizeof(body), "token=%s&a2=1&a2=2", token);
    is_int(post(1, body, NULL, &w, &m), 400, "a field twice");
    ok(strstr(m, "a2") != NULL, "names it: %s", m);

    return done_testing();
}
