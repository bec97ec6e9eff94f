#!/usr/bin/perl

# Retry guidance (RFC 9110 10.2.3, RFC 6585 4): a client library (urllib3's
# Retry, Go's retryablehttp, curl --retry) waits as long as Retry-After
# says on a 429 or a 503, and without it guesses, or hammers.  The
# reference configuration, conf/onestop.conf as shipped: every refusal of
# a limit says when to come back, the API's JSON and the pages alike, by
# the limit's pace (a question's limit is 6 a minute: 10 s; a lookup's 10 a
# second: 1 s); a stream of the change log refused (10 an address) 10 s;
# the other refusals (404, 400, 405) say nothing of retrying.  The module's
# own 503 unavailable and 507 are in t/store_access.t and t/mapgrow.t.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(workers => 1);

my ($rc, $out, $err) = $t->cli('demo', '200');
is($rc, 0, 'a demo store') or diag($err);
$t->spew('keys', sha256_hex('ra-admin') . " * administrator\n");
$t->spew('qr.key', ('ab' x 32) . "\n");
$t->write_shipped_conf('onestop');
ok($t->start, 'conf/onestop.conf starts') or BAIL_OUT($t->error_log);

sub first_refused :prototype(&) ($send) {
    for (1 .. 40) {
        my $r = $send->();
        return $r if $r->{status} == 429;
    }
    return undef;
}

# a lookup past its limit (10 a second, bursts of 20): the JSON 429
my $r = first_refused { $t->get('/api/v1/dossiers/RA-NO-SUCH-1') };
ok($r, 'lookups past the limit: 429');
is($r->{headers}{'retry-after'}, '1', '... Retry-After: 1 (10 a second)');
is(eval { $json->decode($r->{content})->{error}{code} }, 'too_many_requests',
    '... with the error object');

# the lookup page shares that limit: its Vietnamese 429 page says it too
$r = first_refused { $t->get('/tra-cuu/RA-NO-SUCH-1') };
ok($r, 'the lookup page past the limit: 429');
like($r->{headers}{'content-type'} // '', qr{^text/html}, '... a page');
is($r->{headers}{'retry-after'}, '1', '... Retry-After: 1');

# an evaluation by the API past its limit (1 a second, bursts of 5)
$r = first_refused {
    $t->http('POST', '/api/v1/evaluations',
        headers => { 'Content-Type' => 'application/json' },
        body => '{"token": "NO-SUCH.x", "answers": {"2": 2}}')
};
ok($r, 'evaluations past the limit: 429');
is($r->{headers}{'retry-after'}, '1', '... Retry-After: 1');

# questions: 6 a minute, bursts of 3: come back in 10 seconds
$r = first_refused {
    $t->http('POST', '/api/v1/feedback',
        headers => { 'Content-Type' => 'application/json' },
        body => $json->encode({ kind => 'question', subject => 'Lệ phí',
            text => 'Xin hỏi lệ phí', name => 'Người Hỏi',
            contact => '0912345678' }))
};
ok($r, 'questions past the limit: 429');
is($r->{headers}{'retry-after'}, '10', '... Retry-After: 10 (6 a minute)');
is(eval { $json->decode($r->{content})->{error}{code} }, 'too_many_requests',
    '... with the error object');

# the change log's streams: the eleventh of an address refused
{
    my @streams;
    for my $i (1 .. 10) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $t->port, Proto => 'tcp') or last;
        print $s "GET /api/v1/changes HTTP/1.1\r\nHost: localhost\r\n"
            . "Accept: text/event-stream\r\n\r\n";
        my $line = '';
        $line .= <$s> // '' if IO::Select->new($s)->can_read(10);
        push @streams, $s if $line =~ m{^HTTP/1\.1 200};
    }
    is(scalar @streams, 10, 'ten streams of the change log open');
    $r = $t->get('/api/v1/changes?limit=1');
    is($r->{status}, 429, 'the eleventh request: 429');
    is($r->{headers}{'retry-after'}, '10', '... Retry-After: 10');
    close $_ for @streams;
}

# refusals a retry does not mend say nothing of retrying
for my $try (['GET', '/api/v1/nothing', 404],
             ['POST', '/api/v1/stats', 405],
             ['GET', '/api/v1/stats?from=nonsense', 400],
             ['POST', '/api/v1/ingest/dossiers', 401])
{
    my ($m, $path, $status) = @$try;
    $r = $t->http($m, $path);
    is($r->{status}, $status, "$m $path: $status");
    ok(!exists $r->{headers}{'retry-after'}, '... no Retry-After');
}

$t->check_log;

done_testing;
