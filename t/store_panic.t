#!/usr/bin/perl

# A write of the store's meta page that fails (an I/O error, or a full
# disk on a file system that copies on write) leaves LMDB's environment
# unusable (MDB_PANIC) until it is opened again: the write is a 500, the
# error log says so once, the worker makes way for a new one that opens
# the store afresh, and writes and reads go on.  The failure is injected
# with a preloaded pwrite() that fails for data.mdb's meta pages while a
# flag file exists, in the worker whose pid it holds (so that the worker
# that replaces it does not fail too, however late the flag goes).

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
my $dir = $t->dir;
my $flag = "$dir/fail-meta";

$t->spew('failmeta.c', <<'END');
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    const char *flag;
    char link[64], path[4096];
    ssize_t len;
    long pid;
    int ok = 0;
    FILE *f;

    if (real == NULL) {
        real = (ssize_t (*)(int, const void *, size_t, off_t))
               dlsym(RTLD_NEXT, "pwrite");
    }

    flag = getenv("ONESTOP_TEST_FAIL_META");

    /* LMDB writes a meta page's tail, less than a page, in the file's
     * first two pages */
    if (flag != NULL && off < 2 * 65536 && n < 4096
        && (f = fopen(flag, "r")) != NULL)
    {
        pid = 0;
        ok = fscanf(f, "%ld", &pid) == 1 && pid == (long) getpid();
        fclose(f);
    }

    if (ok) {
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        len = readlink(link, path, sizeof(path) - 1);

        if (len > 9 && memcmp(path + len - 9, "/data.mdb", 9) == 0) {
            errno = EIO;
            return -1;
        }
    }

    return real(fd, buf, n, off);
}
END

my $so = "$dir/failmeta.so";
my $cc = `cc -shared -fPIC -o '$so' '$dir/failmeta.c' -ldl 2>&1`;
plan skip_all => "could not build the pwrite shim: $cc" if $? != 0;

$t->spew('keys', sha256_hex('panic-admin-key') . " * admin\n");
$t->write_conf(<<'END', main => 'env ONESTOP_TEST_FAIL_META;');
    onestop_store %%STORE%% map_size=64m;
    onestop_ingest_keys %%DIR%%/keys;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/v1/dossiers/ { onestop_lookup json; }
        location /api/v1/ingest/ { onestop_ingest; }
    }
END

{
    local $ENV{LD_PRELOAD} = $so;
    local $ENV{ONESTOP_TEST_FAIL_META} = $flag;
    ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');
}

my %auth = (Authorization => 'Bearer panic-admin-key');

my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%auth,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

sub record ($code) {
    return {code => $code, version => 1, agency => '000.00.12.H36',
        procedure => '1.001234', channel => 'online',
        applicant => {name => 'Trần Thị Bình'},
        received_at => '2024-05-02T08:00:00+07:00',
        due_at => '2024-05-10T17:00:00+07:00'};
}

sub ingest (@codes) {
    return $t->http('POST', '/api/v1/ingest/dossiers', headers => \%auth,
        body => $json->encode([map { record($_) } @codes]));
}

$r = ingest('PANIC-1', 'PANIC-2');
is($r->{status}, 200, 'a batch before') or diag($r->{content});

my @before = $t->worker_pids;

is(scalar(@before), 1, 'one worker');
open(my $fh, '>', $flag) or die "$flag: $!";
print $fh "$before[0]\n";
close $fh;

$r = ingest('PANIC-3');
is($r->{status}, 500, 'the write whose meta page fails: 500')
    or diag("$r->{status} $r->{content}");

unlink $flag;

# the worker goes and another comes
my @after;
for (1 .. 100) {
    @after = $t->worker_pids;
    last if @after && !grep { my $p = $_; grep { $_ == $p } @before } @after;
    sleep 0.1;
}
ok(@after && !grep({ my $p = $_; grep { $_ == $p } @before } @after),
    'a new worker replaces the one whose store broke')
    or diag("before @before, after @after");

$r = ingest('PANIC-4');
is($r->{status}, 200, 'a batch after') or diag("$r->{status} $r->{content}");

for my $code (qw(PANIC-1 PANIC-2 PANIC-4)) {
    $r = $t->get("/api/v1/dossiers/$code");
    is($r->{status}, 200, "$code is there");
}
$r = $t->get('/api/v1/dossiers/PANIC-3');
is($r->{status}, 404, 'the failed write left nothing');

my ($rc, $out, $err) = $t->cli('verify');
is($rc, 0, 'onestop verify is clean') or diag("$out$err");

my @lines = grep { /cannot be used after a failed write/ }
    split /\n/, $t->error_log;
is(scalar(@lines), 1, 'one line says what happened') or diag(join "\n", @lines);
like($lines[0] // '', qr/\[alert\]/, 'as an alert');

done_testing;
