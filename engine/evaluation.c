/*
 * The rules of an evaluation's answers and of who gives them (see
 * onestop_evaluation.h), shared by the nginx module's API and form.
 */

#include <stdio.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "onestop_date.h"
#include "onestop_evaluation.h"
#include "onestop_json.h"


/* what a form can be refused for, and what its citizen reads then */
static const char  evaluation_none[] =
    "answer at least one of the indices 2 to 9";
static const char  evaluation_bad[] = "each answer is 0, 1 or 2";
static const char  evaluation_long[] = "a comment is 4000 characters at most";


static const char  *onestop_indices[] = {
    "",
    "Tổng thời gian giải quyết hồ sơ so với thời hạn quy định",
    "Thời gian giải quyết tại từng cơ quan, đơn vị",
    "Số lần phải liên hệ với nơi tiếp nhận để hoàn thiện hồ sơ",
    "Số cơ quan, đơn vị, tổ chức phải liên hệ để hoàn thiện hồ sơ",
    "Tiếp nhận, giải quyết, trả kết quả qua Bộ phận Một cửa",
    "Công khai thủ tục hành chính",
    ("Thái độ của cán bộ, công chức, viên chức khi hướng dẫn, tiếp nhận, "
     "giải quyết hồ sơ"),
    "Tiếp nhận, xử lý phản ánh, kiến nghị",
    "Tiến độ và chất lượng cung cấp dịch vụ công trực tuyến"
};


const char *
onestop_evaluation_index_name(int i)
{
    return i >= 1 && i <= ONESTOP_INDICES ? onestop_indices[i] : "";
}


static void
evaluation_init(onestop_evaluation_t *ev)
{
    int  i;

    memset(ev, 0, sizeof(onestop_evaluation_t));

    for (i = 0; i <= ONESTOP_INDICES; i++) {
        ev->answers[i] = -1;
    }
}


/* answers "2".."9" -> 0, 1 or 2; "1" is the system's and ignored */

static int
evaluation_answer(onestop_evaluation_t *ev, const char *key, size_t klen,
    long long value)
{
    int  i;

    if (klen != 1 || key[0] < '1' || key[0] > '9') {
        ev->invalid = "answers has the indices \"2\" to \"9\"";
        return -1;
    }

    i = key[0] - '0';

    if (i == 1) {
        return 0;
    }

    if (value < 0 || value > 2) {
        ev->invalid = evaluation_bad;
        return -1;
    }

    ev->answers[i] = (int8_t) value;
    ev->answered++;

    return 0;
}


static void
evaluation_copy(onestop_str_t *dst, const char *s, char **buf)
{
    size_t  n;

    n = strlen(s);
    memcpy(*buf, s, n);
    dst->data = *buf;
    dst->len = n;
    *buf += n;
}


int
onestop_evaluation_json(onestop_evaluation_t *ev, const char *body,
    size_t len, char *buf, const char **message)
{
    char      err[128];
    size_t    n;
    yajl_val  tree, v, answers;

    static const char  *p_token[] = { "token", NULL };
    static const char  *p_code[] = { "code", NULL };
    static const char  *p_answers[] = { "answers", NULL };
    static const char  *p_comment[] = { "comment", NULL };

    evaluation_init(ev);

    if (strlen(body) != len) {
        *message = "the body is not valid JSON";
        return -1;
    }

    tree = yajl_tree_parse(body, err, sizeof(err));

    if (tree == NULL || !YAJL_IS_OBJECT(tree)) {
        if (tree != NULL) {
            yajl_tree_free(tree);
        }
        *message = "the body is not a JSON object";
        return -1;
    }

    answers = yajl_tree_get(tree, p_answers, yajl_t_any);

    if (onestop_json_twice(tree, (const char *const []) { "token", "code",
                               "answers", "comment", NULL }) != NULL
        || (answers != NULL && YAJL_IS_OBJECT(answers)
            && onestop_json_twice(answers, NULL) != NULL))
    {
        yajl_tree_free(tree);
        *message = "a member is given twice (token, code, answers, comment "
                   "or an index of answers)";
        return -1;
    }

    /* who: a token, or a code (the caller checks either) */

    v = yajl_tree_get(tree, p_token, yajl_t_string);

    if (v != NULL) {
        evaluation_copy(&ev->token, v->u.string, &buf);

    } else {
        v = yajl_tree_get(tree, p_code, yajl_t_string);

        if (v != NULL) {
            evaluation_copy(&ev->code, v->u.string, &buf);
            ev->has_code = 1;
        }
    }

    /* the answers, then the comment: the first broken rule is kept */

    if (answers == NULL || !YAJL_IS_OBJECT(answers)) {
        ev->invalid = "answers is an object of indices \"2\" to \"9\"";
        goto done;
    }

    for (n = 0; n < answers->u.object.len; n++) {
        v = answers->u.object.values[n];

        if (strcmp(answers->u.object.keys[n], "1") == 0) {
            continue;                   /* computed: ignored, whatever it is */
        }

        if (!YAJL_IS_INTEGER(v)) {
            ev->invalid = evaluation_bad;
            goto done;
        }

        if (evaluation_answer(ev, answers->u.object.keys[n],
                              strlen(answers->u.object.keys[n]),
                              YAJL_GET_INTEGER(v))
            != 0)
        {
            goto done;
        }
    }

    if (ev->answered == 0) {
        ev->invalid = "answer at least one of the indices \"2\" to \"9\"";
        goto done;
    }

    v = yajl_tree_get(tree, p_comment, yajl_t_any);

    if (v != NULL && YAJL_IS_STRING(v)) {
        if (onestop_text_over(v->u.string, strlen(v->u.string),
                              ONESTOP_COMMENT_MAX))
        {
            ev->invalid = evaluation_long;
            goto done;
        }

        evaluation_copy(&ev->comment, v->u.string, &buf);

    } else if (v != NULL && !YAJL_IS_NULL(v)) {
        ev->invalid = "comment is a string";
    }

done:

    yajl_tree_free(tree);
    return 0;
}


int
onestop_evaluation_form(onestop_evaluation_t *ev, const char *body,
    size_t len, onestop_args_t *args, char *buf, const char **message)
{
    size_t               k;
    const onestop_arg_t  *a;

    static const char  *const names[] = {
        "token", "comment", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8",
        "a9", NULL
    };

    evaluation_init(ev);

    /* every field read, each once: none is dropped or overridden */

    if (onestop_args_parse(args, body, len, buf) != 0) {
        snprintf(args->error, sizeof(args->error),
                 "too many form fields (at most %d)", ONESTOP_ARGS_MAX);
        *message = args->error;
        return -1;
    }

    if (onestop_args_once(args->arg, args->n, names, args->error,
                          sizeof(args->error))
        != 0)
    {
        *message = args->error;
        return -1;
    }

    for (k = 0; k < args->n && ev->invalid == NULL; k++) {
        a = &args->arg[k];

        if (a->key.len == 5 && memcmp(a->key.data, "token", 5) == 0) {
            ev->token = a->value;

        } else if (a->key.len == 7 && memcmp(a->key.data, "comment", 7) == 0)
        {
            if (onestop_text_over(a->value.data, a->value.len,
                                  ONESTOP_COMMENT_MAX))
            {
                ev->invalid = evaluation_long;
                break;
            }

            ev->comment = a->value;

        } else if (a->key.len == 2 && a->key.data[0] == 'a'
                   && a->key.data[1] >= '2' && a->key.data[1] <= '9'
                   && a->value.len)         /* a1 is computed: ignored */
        {
            if (a->value.len != 1 || a->value.data[0] < '0'
                || a->value.data[0] > '2')
            {
                ev->invalid = evaluation_bad;
                break;
            }

            (void) evaluation_answer(ev, a->key.data + 1, 1,
                                     a->value.data[0] - '0');
        }
    }

    return 0;
}


int
onestop_evaluation_request(onestop_evaluation_t *ev, onestop_write_t *w,
    int form, const char *body, size_t len, onestop_args_t *args, char *buf,
    const onestop_qr_key_t *keys, size_t nkeys, const onestop_scope_t *scope,
    int by_code, const char **message)
{
    size_t       code_len;
    const char  *code;

    *message = NULL;

    if ((form ? onestop_evaluation_form(ev, body, len, args, buf, message)
              : onestop_evaluation_json(ev, body, len, buf, message))
        != 0)
    {
        return 400;
    }

    if (form && ev->invalid != NULL) {
        *message = ev->invalid;
        return 422;
    }

    /* white space around a typed code dropped, as lookups do (and upper
     * case tried when it is not found as it is: write.c) */

    onestop_code_trim(&ev->code.data, &ev->code.len);

    if (ev->token.data != NULL || form) {
        if (ev->token.len == 0
            || !onestop_token_code(keys, nkeys, ev->token.data,
                                   ev->token.len, &code, &code_len))
        {
            *message = "no dossier for this token";
            return 404;
        }

        w->code.data = code;
        w->code.len = code_len;
        w->scope = NULL;                /* the receipt is the proof */
        w->source = ONESTOP_EVAL_SRC_QR;

    } else if (!ev->has_code) {
        *message = "an evaluation needs a token, or a code and a key";
        return 422;

    } else if (scope == NULL && !by_code) {
        *message = "an evaluation by code needs the desk's key: "
                   "Authorization: Bearer KEY";
        return 401;

    } else if (!onestop_code_valid(ev->code.data, ev->code.len)) {
        *message = "no dossier has this code";
        return 404;

    } else {
        /* with a key, within its scope; without one (by_code), the code
         * alone, as Điều 12.1 reads: once, like every evaluation */
        w->code = ev->code;
        w->scope = scope;
        w->source = scope != NULL ? ONESTOP_EVAL_SRC_DESK
                                  : ONESTOP_EVAL_SRC_PORTAL;
    }

    if (form && ev->answered == 0) {
        *message = evaluation_none;
        return 422;
    }

    if (ev->invalid != NULL) {
        *message = ev->invalid;
        return 422;
    }

    memcpy(w->answers, ev->answers, sizeof(ev->answers));
    w->comment = ev->comment;

    return 0;
}


void
onestop_evaluation_render(yajl_gen g, const onestop_write_t *w,
    int32_t offset)
{
    int           i;
    char          key[2], ts[ONESTOP_TS_LEN];
    onestop_ts_t  at;

    yajl_gen_map_open(g);
    onestop_gen_cstr(g, "code");
    onestop_gen_str(g, w->code.data, w->code.len);
    onestop_gen_cstr(g, "answers");
    yajl_gen_map_open(g);

    for (i = 1; i <= ONESTOP_INDICES; i++) {
        if (w->answers[i] < 0) {
            continue;
        }

        key[0] = (char) ('0' + i);
        onestop_gen_str(g, key, 1);
        yajl_gen_integer(g, w->answers[i]);
    }

    yajl_gen_map_close(g);
    onestop_gen_cstr(g, "evaluated_at");
    at.sec = w->evaluated_at;
    at.set = 1;
    at.date_only = 0;
    onestop_gen_str(g, ts, onestop_ts_format(&at, offset, ts));
    yajl_gen_map_close(g);
}


/* the /q/ page's form refused (422): what its citizen reads, in
 * Vietnamese, for what the form itself can get wrong; NULL: the page's
 * general words */
const char *
onestop_evaluation_form_says(const char *message)
{
    if (message == evaluation_none) {
        return "Phiếu đánh giá chưa có câu trả lời nào. Xin chọn ít nhất "
               "một mức đánh giá (mục 2 đến 9) rồi gửi lại.";
    }

    if (message == evaluation_long) {
        return "Ý kiến góp ý dài quá 4.000 ký tự. Xin rút gọn rồi gửi lại.";
    }

    if (message == evaluation_bad) {
        return "Mỗi mục đánh giá chỉ chọn một trong các mức có sẵn. Xin mở "
               "lại phiếu và chọn lại.";
    }

    return NULL;
}
