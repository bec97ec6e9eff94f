/* QR codes, signed links and the receipt (SPEC section 6). */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_onestop.h"
