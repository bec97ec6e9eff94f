/*
 * HTML for the pages and widgets: escaping, the templates of
 * ngx_onestop/html/ filled at their {{name}} marks, and the pieces of the
 * public pages (a dossier's record, the receipt, the evaluation form).
 * Pure C: the nginx module hands the templates in.
 */

#ifndef ONESTOP_HTML_H
#define ONESTOP_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "onestop_catalog.h"
#include "onestop_date.h"
#include "onestop_record.h"
#include "onestop_util.h"

/* one {{name}} of a template: its text, escaped unless raw */
typedef struct {
    const char  *name;
    const char  *value;
    size_t       len;
    int          raw;
} onestop_html_var_t;

/* & < > " ' as entities; a control character but TAB, LF and CR as
 * U+FFFD (HTML has no NUL, no C0 control) */
void onestop_html_escape(onestop_buf_t *b, const char *s, size_t len);

/* the template tpl[0..len) with each {{name}} of vars replaced; a mark
 * without a var is copied as it is */
void onestop_html_fill(onestop_buf_t *b, const char *tpl, size_t len,
    const onestop_html_var_t *vars, size_t nvars);

/* the province's name inside a sentence: "Tỉnh Long An" -> "tỉnh Long An"
 * (its first letter lower-cased when it is ASCII); NUL-terminated */
void onestop_html_lower_first(char *dst, size_t size, const char *name);

/* the template with {{province}} and {{province_lc}} (the name inside a
 * sentence) filled from the NUL-terminated province's name, and
 * {{regulation}} from the act that issues the portal's rules
 * (onestop_regulation) */
void onestop_html_province(onestop_buf_t *b, const char *tpl, size_t len,
    const char *province, const char *regulation);

/* a dossier's card on the lookup and /q/ pages (unmasked: the full name) */
void onestop_html_record(onestop_buf_t *b, const onestop_record_t *rec,
    const onestop_catalog_t *cat, int32_t offset, onestop_day_t today,
    int unmasked);

/* the search form of the lookup page, posting to action */
void onestop_html_search_form(onestop_buf_t *b, const char *action,
    size_t action_len, const char *code, size_t code_len);

/*
 * The receipt (form 01 of Circular 01/2018/TT-VPCP) from its template
 * (html/receipt.html): the record, its signed link as a QR code, and the
 * public lookup's address.
 */
void onestop_html_receipt(onestop_buf_t *b, const char *tpl, size_t len,
    const onestop_record_t *rec, const onestop_catalog_t *cat,
    int32_t offset, const char *link, size_t link_len,
    const char *public_url, size_t public_url_len);

/*
 * The evaluation part of a finished dossier's /q/ page: evaluated says
 * whether it was already; action (empty: evaluations are off) is where the
 * form posts, with the token in it.
 */
void onestop_html_evaluation_form(onestop_buf_t *b,
    const onestop_record_t *rec, int evaluated, const char *action,
    size_t action_len, const char *token, size_t token_len);

/*
 * The page a person meets when nginx or the module failed a public page
 * (/tra-cuu, /q/, /hoi-dap; routed there by a location's error_page):
 * what happened and what to do, in Vietnamese, into b, with links back to
 * the lookup page and the questions' page at the paths given (a link left
 * out when its length is 0) and to the home page.  status is the
 * failure's (400, 404, 405, 409, 413, 422, 429, 5xx); what is no failure
 * counts as 500.  detail, when not NULL, says what happened instead of
 * the status's general words; back, when back_len is not 0, is the page
 * the citizen came from, linked first (the /q/ page's evaluation form).
 * Returns the status to send; *title is the page's.
 */
int onestop_html_error(onestop_buf_t *b, int status, const char **title,
    const char *lookup, size_t lookup_len, const char *feedback,
    size_t feedback_len, const char *detail, const char *back,
    size_t back_len);

#endif /* ONESTOP_HTML_H */
