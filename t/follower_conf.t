#!/usr/bin/perl

# The read node's reference configuration, conf/follower.conf, as shipped
# (paths and ports moved into the test's directory; its primary a port
# where nothing listens): it starts, serves lookups from its own store,
# and answers what nginx itself refuses as the primary's configuration
# does.  It had no error_page line: a lookup past the rate limit got
# nginx's HTML 429, a write while the primary is down nginx's HTML
# "502 Bad Gateway" (an integrator's client reads JSON), an unknown path
# nginx's English 404 page, and the public pages' failures the same.

use v5.36;
use utf8;

use lib 't/lib';

use Encode qw(decode);
use JSON::PP;
use Test::More;

use Onestop::Test;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('follower_conf.t did not finish') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(workers => 1);
my $dir = $t->dir;
my $port = $t->port;
my $rport = $t->start_redis;
my $dead = Onestop::Test::free_port();    # the primary: nobody there

# the store, seeded as the guide says (a copy of a primary's)
my ($rc, $out, $err) = $t->cli('demo', '2000');
is($rc, 0, 'a demo store') or diag($err);
# the harness stops nginx by its pid file and reads its error log
$t->write_shipped_conf('follower', primary => $dead, redis => $rport);
ok($t->start, 'conf/follower.conf starts') or BAIL_OUT($t->error_log);

my $r = $t->get('/api/v1/apologies?limit=1');
my $code = eval { $json->decode($r->{content})->{items}[0]{code} };
ok(defined $code, 'a code from its own store') or BAIL_OUT($r->{content});
is($t->get("/api/v1/dossiers/$code")->{status}, 200, 'a lookup');
is($t->get("/tra-cuu/$code")->{status}, 200, 'the lookup page');

sub is_error ($r, $status, $code, $name) {
    is($r->{status}, $status, "$name: $status");
    like($r->{headers}{'content-type'} // '', qr{^application/json},
        "$name: JSON");
    is(eval { $json->decode($r->{content})->{error}{code} }, $code,
        "$name: the error object $code") or diag($r->{content});
}

sub is_page ($r, $status, $name) {
    is($r->{status}, $status, "$name: $status");
    like($r->{headers}{'content-type'} // '', qr{^text/html}, "$name: a page");
    like(decode('UTF-8', $r->{content} // ''), qr{lang="vi".*Mã lỗi $status}s,
        "$name: the Vietnamese page");
}

# writes go to the primary, which does not answer
is_error($t->http('POST', '/api/v1/ingest/dossiers',
    headers => { Authorization => 'Bearer x',
                 'Content-Type' => 'application/json' },
    body => '{}'), 502, 'internal_error', 'a write, the primary down');

# what is no endpoint, what is no page
is_error($t->get('/api/v1/nonexistent'), 404, 'not_found', 'an unknown API path');
is_page($t->get('/nonexistent'), 404, 'an unknown path');
is_page($t->http('POST', '/hoi-dap', body => 'x=1'), 502,
    'a question asked, the primary down');

# nginx's own 400 on the API
is_error($t->get('/api/v1/dossiers/%00'), 400, 'bad_request', 'a path with %00');

# past the rate limit (10 a second, a burst of 20): the API's object, the
# page's Vietnamese page
my ($api, $page);
for (1 .. 40) {
    my $a = $t->get("/api/v1/dossiers/$code");
    $api = $a if $a->{status} == 429;
    my $p = $t->get("/tra-cuu/$code");
    $page = $p if $p->{status} == 429;
    last if $api && $page;
}
ok($api && $page, 'the rate limit reached');
is_error($api // {}, 429, 'too_many_requests', 'a lookup past the limit');
is_page($page // {}, 429, 'the lookup page past the limit');

done_testing();
