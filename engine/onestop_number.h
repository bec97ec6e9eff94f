/*
 * Numbers as an answer writes them (number.c): an integer in decimal, a
 * rate as the shortest of "%.15g", "%.16g" and "%.17g" that reads back
 * as the same double.
 */

#ifndef ONESTOP_NUMBER_H
#define ONESTOP_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/* at least this many bytes for either */
#define ONESTOP_NUMBER_MAX  40

/* v in decimal into buf (ONESTOP_NUMBER_MAX bytes), NUL-terminated; its
 * length */
size_t onestop_number_int(char *buf, int64_t v);

/* v as the shortest of %.15g, %.16g, %.17g that strtod() reads back as
 * v, into buf (size bytes, at least ONESTOP_NUMBER_MAX); its length */
size_t onestop_number_rate(char *buf, size_t size, double v);

#endif /* ONESTOP_NUMBER_H */
