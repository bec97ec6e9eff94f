#!/usr/bin/perl

# nginx's own refusals, made before a location is chosen, under the
# reference configuration (conf/onestop.conf as shipped): a client library
# parsing {"error": {"code", "message"}} got nginx's HTML page for a URI too
# long (414), headers too large (nginx's 400 "Request Header Or Cookie Too
# Large"), an unknown Transfer-Encoding (501) and an HTTP version it does
# not speak (505).  Each is now the error object, with no-store, on the
# API's paths and the pages' alike; headers too large is RFC 6585's 431.
# The refusals already mended stay so: a bad request line, HTTP/1.0 with
# chunked, two Content-Lengths (400).

use v5.36;

use lib 't/lib';

use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8;

my $t = Onestop::Test->new(workers => 1);
my ($rc, $out, $err) = $t->cli('demo', '100');
is($rc, 0, 'a demo store') or diag($err);
$t->spew('keys', '');
$t->spew('qr.key', ('ab' x 32) . "\n");
$t->write_shipped_conf('onestop');
ok($t->start, 'conf/onestop.conf starts') or BAIL_OUT($t->error_log);

# one request as bytes on a connection; (status, headers, body)
sub raw ($request) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port, Proto => 'tcp') or die "connect: $!";
    print $s $request;
    my $answer = '';
    my $sel = IO::Select->new($s);
    while ($sel->can_read(10)) {
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $answer .= $buf;
    }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $answer, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.[01] (\d{3})};
    my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1, $2) : () }
        split /\r\n/, $head // '';
    return ($status // 0, \%h, $body // '');
}

my $long = 'a' x 9000;
my @cases = (
    ['a URI too long, on the API', 414, 'uri_too_long',
     "GET /api/v1/dossiers/$long HTTP/1.1\r\nHost: localhost\r\n\r\n"],
    ['a URI too long, on a page', 414, 'uri_too_long',
     "GET /tra-cuu/$long HTTP/1.1\r\nHost: localhost\r\n\r\n"],
    ['a header too large', 431, 'header_too_large',
     "GET /api/v1/stats HTTP/1.1\r\nHost: localhost\r\nX-Big: $long\r\n\r\n"],
    ['a cookie too large, on a page', 431, 'header_too_large',
     "GET /tra-cuu HTTP/1.1\r\nHost: localhost\r\nCookie: c=$long\r\n\r\n"],
    ['a Transfer-Encoding nginx does not know', 501, 'not_implemented',
     "POST /api/v1/ingest/dossiers HTTP/1.1\r\nHost: localhost\r\n"
         . "Transfer-Encoding: gzip\r\n\r\n"],
    ['HTTP/2.0 on an HTTP/1 port', 505, 'http_version_not_supported',
     "GET /api/v1/stats HTTP/2.0\r\nHost: localhost\r\n\r\n"],
    ['a bad request line', 400, 'bad_request',
     "GET /api/v1/stats HTTP/1.1 x\r\nHost: localhost\r\n\r\n"],
    ['chunked in HTTP/1.0', 400, 'bad_request',
     "POST /api/v1/ingest/dossiers HTTP/1.0\r\nHost: localhost\r\n"
         . "Transfer-Encoding: chunked\r\n\r\n"],
    ['two Content-Lengths', 400, 'bad_request',
     "POST /api/v1/ingest/dossiers HTTP/1.1\r\nHost: localhost\r\n"
         . "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello"],
);

for my $c (@cases) {
    my ($name, $want, $code, $request) = @$c;
    my ($status, $h, $body) = raw($request);
    is($status, $want, "$name: $want");
    is($h->{'content-type'}, 'application/json; charset=utf-8',
        "$name: JSON, not nginx's HTML page");
    is($h->{'cache-control'}, 'no-store', "$name: no-store");
    my $e = eval { $json->decode($body) } // {};
    is($e->{error}{code}, $code, "$name: the error object, $code");
    ok(length($e->{error}{message} // ''), "$name: with a message");
    ok(!exists $h->{'retry-after'}, "$name: nothing to retry");
}

# the server still answers
is($t->get('/api/v1/stats')->{status}, 200, 'and then a statistics answer');

$t->check_log;

done_testing;
