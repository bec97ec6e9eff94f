#!/usr/bin/perl

# HTTP's own rules (RFC 9110, 9111) on every route of the reference
# configuration (conf/onestop.conf as shipped, its gzip included), as a
# cache, a client library or a browser relies on them:
# - a HEAD answers the headers its GET answers, and a 304 the Vary the
#   200 carries (a cache that revalidates keeps the 304's Vary: without
#   Accept-Encoding in it, a shared cache hands a gzip body to a client
#   that cannot read it);

use v5.36;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8;

my $t = Onestop::Test->new(workers => 1);
my ($rc, $out, $err) = $t->cli('demo', '100');
is($rc, 0, 'a demo store') or diag($err);
$t->spew('keys', sha256_hex('hs-admin') . " * admin\n");
$t->spew('qr.key', ('ab' x 32) . "\n");
$t->write_shipped_conf('onestop');
ok($t->start, 'conf/onestop.conf starts') or BAIL_OUT($t->error_log);
my %admin = (Authorization => 'Bearer hs-admin');

# a dossier of the demo store
my $page = $json->decode($t->get('/api/v1/changes?limit=1000')->{content});
my ($code) = map { $_->{code} // () } @{ $page->{entries} };
ok($code, "a dossier: $code");

# the GET answers of every read route, public and keyed
my @routes = ("/api/v1/dossiers/$code", "/tra-cuu/$code", '/tra-cuu',
    '/api/v1/stats', '/api/v1/stats?format=csv', '/api/v1/apologies',
    '/widget/province.svg', '/widget/province.html', '/',
    '/api/v1/catalog', '/api/v1/evaluations/summary', '/api/v1/feedback',
    '/hoi-dap', "/qr/$code.svg", "/receipt/$code",
    "/api/v1/ingest/dossiers/$code");

# the headers a HEAD must repeat (not Date; Transfer-Encoding is how a
# body is sent, and a HEAD sends none)
sub heads ($r) {
    my %h = %{ $r->{headers} };
    delete @h{qw(date transfer-encoding)};
    return { map { $_ => ref $h{$_} ? join(', ', @{ $h{$_} }) : $h{$_} }
        keys %h };
}

for my $path (@routes) {
    for my $ae (undef, 'gzip') {
        my %h = (%admin, defined $ae ? ('Accept-Encoding' => $ae) : ());
        my $get = $t->get($path, headers => \%h);
        my $head = $t->http('HEAD', $path, headers => \%h);
        my $as = defined $ae ? 'asking for gzip' : 'plain';
        is($get->{status}, 200, "GET $path ($as): 200");
        is($head->{status}, 200, "HEAD $path ($as): 200");
        is($head->{content} // '', '', '... no body');
        is_deeply(heads($head), heads($get), "... the GET's headers")
            or diag(explain([heads($get), heads($head)]));
        like($get->{headers}{vary} // '', qr/Accept-Encoding/,
            '... Vary: Accept-Encoding (conf/onestop.conf has gzip_vary on)');

        # a 304 carries the 200's Vary, ETag and Cache-Control
        my $etag = $get->{headers}{etag} // next;
        my $nm = $t->get($path, headers => {%h, 'If-None-Match' => $etag});
        is($nm->{status}, 304, "If-None-Match $path ($as): 304");
        for my $f (qw(vary cache-control)) {
            is($nm->{headers}{$f}, $get->{headers}{$f}, "... the 200's $f");
        }
        # (nginx's not-modified filter answers before gzip's makes the
        # tag weak: the same tag, which a weak comparison matches)
        is($nm->{headers}{etag} =~ s{^W/}{}r, $etag =~ s{^W/}{}r,
            "... the 200's etag");
    }
}

$t->check_log;

done_testing;
