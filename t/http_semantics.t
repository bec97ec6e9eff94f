#!/usr/bin/perl

# HTTP's own rules (RFC 9110, 9111) on every route of the reference
# configuration (conf/onestop.conf as shipped, its gzip included), as a
# cache, a client library or a browser relies on them:
# - a HEAD answers the headers its GET answers, and a 304 the Vary the
#   200 carries (a cache that revalidates keeps the 304's Vary: without
#   Accept-Encoding in it, a shared cache hands a gzip body to a client
#   that cannot read it);
# - a 405 says in Allow every method the resource answers (RFC 9110
#   15.5.6), OPTIONS where a browser's preflight is answered, and each
#   method it names is answered;
# - an unknown agency's badge is a 404 that is still an SVG image (an
#   embedding page's <img> shows it, where the error object would be a
#   broken image); a badge scales (a viewBox of its width and height);
# - every error says its type is meant (X-Content-Type-Options: nosniff)
#   and is not kept (Cache-Control: no-store), once each: a path under
#   /api/ that is no endpoint, nginx's own refusals made the error object
#   by the configuration's error_page, the Vietnamese error page;

use v5.36;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use IO::Socket::INET;
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

# each request from an address of its own (the configuration takes the
# client's from X-Forwarded-For on 127.0.0.1), so that the per-address
# limits of lookups and evaluations refuse none of the many sent here
my $client = 0;
sub req ($m, $path, %h) {
    $client++;
    my $xff = '10.9.' . int($client / 250) . '.' . ($client % 250 + 1);
    # (but /metrics, which answers the monitoring host alone)
    $h{'X-Forwarded-For'} = $xff unless $path eq '/metrics';
    return $t->http($m, $path, headers => \%h);
}

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
        my $get = req('GET', $path, %h);
        my $head = req('HEAD', $path, %h);
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
        my $nm = req('GET', $path, %h, 'If-None-Match' => $etag);
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

# --- 405 and Allow ---

my @every = (@routes, '/api/v1/changes', '/metrics', '/api/v1/evaluations',
    '/api/v1/ingest/dossiers', '/api/v1/ingest/catalog',
    '/api/v1/ingest/feedback', '/sms', "/q/$code.AAAAAAAAAAAAAAAA",
    "/qr/$code.png");
my %preflight = map { $_ => 1 } ('/api/v1/stats', '/api/v1/stats?format=csv',
    '/api/v1/apologies', '/widget/province.svg', '/widget/province.html',
    '/', '/api/v1/catalog', '/api/v1/evaluations/summary',
    '/api/v1/changes');
for my $path (@every) {
    for my $m (qw(PUT DELETE PATCH POST OPTIONS PROPFIND)) {
        my $r = req($m, $path, %admin);
        next unless $r->{status} == 405;
        my $allow = $r->{headers}{allow};
        ok(defined $allow, "$m $path: 405 with Allow") or next;
        my %allow = map { $_ => 1 } split /\s*,\s*/, $allow;
        ok(!$allow{$m}, "... not naming $m ($allow)");
        is(!!$allow{OPTIONS}, !!$preflight{$path},
            '... OPTIONS in it where a preflight is answered');
        # each method named is answered (without a key: a 401 at worst,
        # never a deletion)
        for my $a (sort keys %allow) {
            isnt(req($a, $path)->{status}, 405, "... $a $path answered");
        }
    }
}
for my $path (sort keys %preflight) {
    is(req('OPTIONS', $path, Origin => 'https://x.example',
        'Access-Control-Request-Method' => 'GET')->{status}, 204,
        "OPTIONS $path: 204");
}

# --- an unknown agency's badge ---

for my $path ('/widget/000.99.99.H36.svg', '/widget/a%20b.svg') {
    my $r = req('GET', $path);
    is($r->{status}, 404, "$path: 404");
    is($r->{headers}{'content-type'}, 'image/svg+xml; charset=utf-8',
        '... an SVG image');
    like($r->{content}, qr{^<svg\s+xmlns="http://www\.w3\.org/2000/svg"[^>]*
        role="img"[^>]*aria-label="[^"]+"}x, '... a badge, labelled');
    like($r->{content}, qr{không có}, '... saying there is none');
    is($r->{headers}{'cache-control'}, 'no-store', '... not kept');
    is($r->{headers}{'access-control-allow-origin'}, '*', '... CORS');
    is($r->{headers}{'x-content-type-options'}, 'nosniff', '... nosniff');
    my $head = req('HEAD', $path);
    is($head->{status}, 404, "HEAD $path: 404");
    is_deeply(heads($head), heads($r), "... the GET's headers");
}
# a badge scales with the size the embedding page gives it (CSS width,
# a zoomed page): its viewBox is its own width and height
for my $path ('/widget/province.svg', '/widget/000.99.99.H36.svg') {
    my $svg = req('GET', $path)->{content};
    my ($w, $h) = $svg =~ /^<svg[^>]* width="(\d+)" height="(\d+)"/;
    ok($w && $h, "$path: a width and a height");
    like($svg, qr/^<svg[^>]* viewBox="0 0 $w $h"/, "... a viewBox of them");
}

# the card of an unknown agency (or of no agency there can be): a 404
# that is still a card the embedding page may frame, not the error
# object's text in its <iframe>
for my $path ('/widget/000.99.99.H36.html', '/widget/a%20b.html') {
    my $r = req('GET', $path);
    is($r->{status}, 404, "$path: 404");
    is($r->{headers}{'content-type'}, 'text/html; charset=utf-8',
        '... a page');
    my $html = $r->{content};                # bytes, as this file's text
    like($html, qr{^<!DOCTYPE html><html lang="vi">}, '... in Vietnamese');
    like($html, qr{<h1>Mã cơ quan không có trong danh mục</h1>},
        '... saying the agency is not in the catalog');
    like($html, qr{data-field="on_time_rate">không có<}, '... and no rate');
    unlike($html, qr/\{\{/, '... every placeholder filled');
    like($r->{headers}{'content-security-policy'} // '',
        qr/^frame-ancestors /, '... which the embedding pages may frame');
    is($r->{headers}{'cache-control'}, 'no-store', '... not kept');
    is($r->{headers}{'access-control-allow-origin'}, '*', '... CORS');
    my $head = req('HEAD', $path);
    is($head->{status}, 404, "HEAD $path: 404");
    is_deeply(heads($head), heads($r), "... the GET's headers");
}
# a widget of no kind: the error object
{
    my $r = req('GET', '/widget/x.png');
    is($r->{status}, 404, '/widget/x.png: 404');
    is(eval { $json->decode($r->{content})->{error}{code} }, 'not_found',
        '... the error object');
}

# --- the errors nginx makes and the configuration answers ---

sub one ($r, $f) {
    my $v = $r->{headers}{$f};
    return ref $v ? 'twice: ' . join(' | ', @$v) : $v;
}

for my $c (['/api/v1/nope', {}, 404, 'not_found'],
           ['/api/', {}, 404, 'not_found'],
           ['/api/v1/dossiers/%00', {}, 400, 'bad_request'],
           ['/api/v1/stats', {'If-Match' => '"nope"'}, 412,
            'precondition_failed'])
{
    my ($path, $h, $status, $code) = @$c;
    for my $m ($status == 412 ? 'GET' : qw(GET POST)) {
        my $r = req($m, $path, %$h);
        is($r->{status}, $status, "$m $path: $status");
        is($r->{headers}{'content-type'}, 'application/json; charset=utf-8',
            '... JSON');
        is(eval { $json->decode($r->{content})->{error}{code} }, $code,
            "... the error object, $code");
        is(one($r, 'x-content-type-options'), 'nosniff', '... nosniff');
        is(one($r, 'cache-control'), 'no-store', '... no-store, once');
        ok(!exists $r->{headers}{'retry-after'}, '... nothing to retry');
    }
}
for my $c (['GET', '/nope', 404], ['POST', '/tra-cuu', 405]) {
    my ($m, $path, $status) = @$c;
    my $r = req($m, $path);
    is($r->{status}, $status, "$m $path: $status, the Vietnamese error page");
    like($r->{headers}{'content-type'}, qr{^text/html; charset=utf-8$},
        '... a page');
    is(one($r, 'x-content-type-options'), 'nosniff', '... nosniff, once');
    is(one($r, 'cache-control'), 'no-store', '... no-store, once');
}

# the change log's event stream is an answer of the module too: nosniff
# (its headers read from a connection closed at their end; and its HEAD)
{
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port, Proto => 'tcp') or die "connect: $!";
    print $s "GET /api/v1/changes HTTP/1.1\r\nHost: localhost\r\n"
        . "Accept: text/event-stream\r\n\r\n";
    my $head = '';
    while ($head !~ /\r\n\r\n/) {
        my $n = sysread($s, my $buf, 4096) or last;
        $head .= $buf;
    }
    close $s;
    like($head, qr{^HTTP/1\.1 200 .*^Content-Type: text/event-stream\r$}ms,
        'the change log as an event stream');
    like($head, qr{^X-Content-Type-Options: nosniff\r$}m, '... nosniff');
    my $r = req('HEAD', '/api/v1/changes', Accept => 'text/event-stream');
    is($r->{headers}{'x-content-type-options'}, 'nosniff', '... and its HEAD');
}

$t->check_log;

done_testing;
