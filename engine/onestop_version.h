/*
 * The release: what "onestop --version" prints and what the Debian
 * package is called (debian/changelog's upstream version; t/package.t
 * checks that the two agree).
 */

#ifndef ONESTOP_VERSION_H
#define ONESTOP_VERSION_H

#define ONESTOP_VERSION  "1.0.0"

#endif /* ONESTOP_VERSION_H */
