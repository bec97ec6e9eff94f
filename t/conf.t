#!/usr/bin/perl

# The reference configuration, conf/onestop.conf, as shipped (paths and
# port moved into the test's directory, no Redis): it starts; a lookup and
# a QR page work; past the rate limit the refusal is the JSON error object
# with its charset and no-store; so is a body over client_max_body_size on
# every path, by Content-Length or chunked; and no dossier code or QR token
# reaches the access log or the error log from a public request, refused
# or not, nor the access log from the agencies' /qr/, /receipt/ and ingest
# (SPEC section 2: URIs that carry codes and tokens are not logged).

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode);
use IO::Select;
use IO::Uncompress::Gunzip ();
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(time);

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(workers => 1);
my $dir = $t->dir;
my $port = $t->port;

my ($rc, $out, $err) = $t->cli('demo', '2000');
is($rc, 0, 'a demo store') or diag($err);

$t->spew('keys', sha256_hex('conf-admin-key') . " * administrator\n");
$t->spew('qr.key', ('ab' x 32) . "\n");
$t->write_shipped_conf('onestop');
ok($t->start, 'conf/onestop.conf starts') or BAIL_OUT($t->error_log);

# a dossier of the store, and its QR token (minted by the receipt's key)
my $r = $t->get('/api/v1/apologies?limit=1');
my $code = eval { $json->decode($r->{content})->{items}[0]{code} };
ok(defined $code, 'a code') or BAIL_OUT('no code');

$r = $t->get("/api/v1/dossiers/$code");
is($r->{status}, 200, 'a lookup');
$r = $t->get("/tra-cuu/$code");
is($r->{status}, 200, 'the lookup page');
$r = $t->get("/qr/$code.svg",
    headers => { Authorization => 'Bearer conf-admin-key' });
is($r->{status}, 200, 'a QR code with the key');
my $token = "$code.AAAAAAAAAAAAAAAA";
$r = $t->get("/q/$token");
is($r->{status}, 404, 'a guessed token: 404');

# a path nginx itself refuses (%00): the API's error object, not nginx's
# HTML page
$r = $t->get('/api/v1/dossiers/%00');
is($r->{status}, 400, 'a path with %00: 400');
like($r->{headers}{'content-type'} // '', qr{^application/json}, '... JSON');
is(eval { $json->decode($r->{content})->{error}{code} }, 'bad_request',
    '... the error object') or diag($r->{content});

# If-Match that names another version: nginx's 412, as the error object
$r = $t->get("/api/v1/dossiers/$code", headers => { 'If-Match' => '"nope"' });
is($r->{status}, 412, 'If-Match of another version: 412');
like($r->{headers}{'content-type'} // '', qr{^application/json}, '... JSON');
is(eval { $json->decode($r->{content})->{error}{code} },
    'precondition_failed', '... the error object') or diag($r->{content});

# a path under /api/ that is no endpoint: the error object, not the
# portal's Vietnamese page (an integrator's client reads JSON)
for my $path ('/api/v1/nonexistent', '/api/v2/dossiers/X', '/api/',
    '/api/v1/catalog/x')
{
    $r = $t->get($path);
    is($r->{status}, 404, "$path: 404");
    like($r->{headers}{'content-type'} // '', qr{^application/json; charset=utf-8},
        "$path: JSON");
    is(eval { $json->decode($r->{content})->{error}{code} }, 'not_found',
        "$path: the error object") or diag($r->{content});
}
$r = $t->get('/nonexistent');
like($r->{headers}{'content-type'} // '', qr{^text/html},
    'a path outside /api/: still the Vietnamese page');

# issue 15: the shipped gzip, for JSON and CSV when asked, with Vary; the
# catalog at its place
for my $path ('/api/v1/catalog', '/api/v1/stats?period=all&group=agency',
    '/api/v1/stats?period=all&group=agency&format=csv&locale=vi')
{
    my $plain = $t->get($path);
    $r = $t->get($path, headers => {'Accept-Encoding' => 'gzip'});
    is($r->{status}, 200, "$path: 200");
    is($r->{headers}{'content-encoding'}, 'gzip', "$path: gzip when asked");
    like($r->{headers}{vary} // '', qr/Accept-Encoding/,
        "$path: Vary: Accept-Encoding");
    my $out;
    IO::Uncompress::Gunzip::gunzip(\$r->{content}, \$out);
    is($out, $plain->{content}, "$path: the same bytes unzipped");
    ok(!$plain->{headers}{'content-encoding'}, "$path: plain unless asked");
}

# past the limit (10 a second, bursts of 20): refused, as JSON
my %st;
my ($refused, $page_refused);
for (1 .. 60) {
    my $res = $t->get("/api/v1/dossiers/$code");
    $st{$res->{status}}++;
    $refused //= $res if $res->{status} == 429;
    $res = $t->get("/q/$token");
    $st{$res->{status}}++;
    $page_refused //= $res if $res->{status} == 429;
}
like($page_refused->{headers}{'content-type'} // '', qr{^text/html},
    '/q/ over the limit: a page');
like(decode('UTF-8', $page_refused->{content} // ''), qr/Quá nhiều yêu cầu/,
    '  in Vietnamese');
$r = $t->get('/khong-co-trang-nay');
is($r->{status}, 404, 'a page the portal has not: 404');
like(decode('UTF-8', $r->{content}), qr/Không tìm thấy trang/,
    '  the Vietnamese page');
ok($st{429}, "the limit refuses ($st{429} answers 429)");
SKIP: {
    skip 'nothing refused', 4 unless $refused;
    is($refused->{headers}{'content-type'}, 'application/json; charset=utf-8',
        '429: JSON with its charset');
    is($refused->{headers}{'cache-control'}, 'no-store', '429: no-store');
    my $e = eval { $json->decode($refused->{content}) } // {};
    is($e->{error}{code}, 'too_many_requests', '429: the error object');
    like(Onestop::Test::slurp("$dir/access.log"), qr/"GET" 429 /,
        '429s are in the access log (without their URI)');
}

# the change log's streams: at most 10 open from one address (they stay
# open: one client could take every connection of the workers); the 11th
# gets the JSON 429, and a stream closed makes room again
{
    my @streams;
    for my $i (1 .. 10) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $port, Proto => 'tcp') or last;
        print $s "GET /api/v1/changes HTTP/1.1\r\nHost: localhost\r\n"
            . "Accept: text/event-stream\r\n\r\n";
        my $line = '';
        my $sel = IO::Select->new($s);
        $line .= <$s> // '' if $sel->can_read(10);
        push @streams, $s if $line =~ m{^HTTP/1\.1 200};
    }
    is(scalar @streams, 10, 'ten streams of the change log open from one address');
    my $r = $t->get('/api/v1/changes?limit=1');
    is($r->{status}, 429, 'the eleventh request is refused: 429');
    is(eval { $json->decode($r->{content})->{error}{code} }, 'too_many_requests',
        '... with the error object');
    close shift @streams;
    my $ok;
    for (1 .. 50) {
        $ok = $t->get('/api/v1/changes?limit=1')->{status} == 200 and last;
        select(undef, undef, undef, 0.1);
    }
    ok($ok, 'a stream closed makes room');
    close $_ for @streams;
}

# a body over client_max_body_size, declared by Content-Length or sent
# chunked, on every path: the JSON error object, never nginx's HTML page.
# The chunked body is sent as fast as the server takes it until the answer
# comes.  Returns (status, Content-Type, body).
sub oversize ($path, $limit, $chunked) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
        Proto => 'tcp') or return (0, '', "connect: $!");
    $s->blocking(0);
    local $SIG{PIPE} = 'IGNORE';
    my $out = "POST $path HTTP/1.1\r\nHost: localhost\r\n"
        . "Authorization: Bearer conf-admin-key\r\n"
        . "Content-Type: application/json\r\nConnection: close\r\n"
        . ($chunked ? "Transfer-Encoding: chunked\r\n\r\n"
                    : 'Content-Length: ' . ($limit + 1) . "\r\n\r\n");
    my $piece = 'x' x 65536;
    my $left = $chunked ? $limit + 2 * length $piece : 0;
    my $in = '';
    my $sel = IO::Select->new($s);
    my $deadline = time + 60;
    while (time < $deadline) {
        my $writing = length $out || $left > 0;
        my ($r, $w) = IO::Select->select($sel, $writing ? $sel : undef,
            undef, 1);
        if ($r && @$r) {
            my $n = sysread($s, $in, 65536, length $in);
            last if !$n && !$!{EAGAIN};
            my ($head, $body) = split /\r\n\r\n/, $in, 2;
            my ($len) = ($head // '') =~ /^Content-Length:\s*(\d+)/mi;
            last if defined $body && defined $len && length $body >= $len;
            next;
        }
        next unless $w && @$w;
        if (!length $out) {
            $out = sprintf("%x\r\n%s\r\n", length $piece, $piece);
            $left -= length $piece;
            $out .= "0\r\n\r\n" if $left <= 0;
        }
        my $n = syswrite($s, $out);
        if (defined $n) {
            substr($out, 0, $n, '');
        } elsif (!$!{EAGAIN}) {
            ($out, $left) = ('', 0);        # refused: read the answer
        }
    }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $in, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.1 (\d+)};
    my ($type) = ($head // '') =~ /^Content-Type:\s*([^\r\n]*)/mi;
    return ($status // 0, $type // '', $body // '');
}

my $MB = 1024 * 1024;
for my $c (['/api/v1/ingest/dossiers', 64 * $MB, 1],
    ['/api/v1/ingest/catalog', 64 * $MB, 1],
    ['/api/v1/evaluations', $MB, 1],
    ['/api/v1/dossiers/NO-SUCH-1', $MB], ['/tra-cuu/NO-SUCH-1', $MB],
    ['/q/NO-SUCH-1.AAAA', $MB], ['/qr/NO-SUCH-1.svg', $MB],
    ['/receipt/NO-SUCH-1', $MB], ['/api/v1/stats', $MB],
    ['/api/v1/apologies', $MB], ['/widget/000.00.12.H36.svg', $MB],
    ['/', $MB], ['/metrics', $MB])
{
    my ($path, $limit, $reads) = @$c;
    for my $chunked (0, 1) {
        my $name = "$path, " . ($chunked ? 'a chunked body' : 'Content-Length')
            . ' over the limit';
        my ($status, $type, $body) = oversize($path, $limit, $chunked);
        # a handler that takes no body refuses the method first
        if (!$chunked || $reads) {
            is($status, 413, "$name: 413");
        } else {
            ok($status >= 400, "$name: an error ($status)");
        }
        # the public pages answer a person: a Vietnamese page (issue 17)
        if ($path =~ m{^/(?:tra-cuu|q)/}) {
            like($type, qr{^text/html}, "$name: a page");
            # (a chunked body's answer may be cut by the close)
            like(decode('UTF-8', $body), qr/Nội dung quá dài/,
                "$name: in Vietnamese") unless $chunked;
            next;
        }
        is($type, 'application/json; charset=utf-8', "$name: JSON")
            or diag(substr($body, 0, 200));
        my $e = eval { $json->decode($body) } // {};
        ok(defined $e->{error}{code}, "$name: the error object");
        is($e->{error}{code}, 'payload_too_large', "$name: payload_too_large")
            if $status == 413;
    }
}

# the evaluation form of a dossier's page (a citizen's browser) refused by
# its limit (an evaluation a second an address, burst 5: a one-stop
# office's shared Wi-Fi) gets the Vietnamese page, not the API's English
# JSON; the API's clients still get the error object
{
    my (%form, %api);
    for (1 .. 8) {
        my $r = $t->http('POST', '/api/v1/evaluations',
            headers => {'Content-Type' => 'application/x-www-form-urlencoded'},
            body => 'token=NO-SUCH.x&a2=2');
        $form{$r->{status}} //= $r;
    }
    ok($form{429}, 'the form past its limit: 429');
    like($form{429}{headers}{'content-type'} // '', qr{^text/html},
        '... a page') if $form{429};
    like(decode('UTF-8', $form{429}{content} // ''), qr{lang="vi".*Mã lỗi 429}s,
        '... the Vietnamese page') if $form{429};
    for (1 .. 8) {
        my $r = $t->http('POST', '/api/v1/evaluations',
            headers => {'Content-Type' => 'application/json'},
            body => '{"token": "NO-SUCH.x", "answers": {"2": 2}}');
        $api{$r->{status}} //= $r;
    }
    ok($api{429}, 'the API past its limit: 429');
    is(eval { $json->decode($api{429}{content})->{error}{code} },
        'too_many_requests', '... the error object') if $api{429};
    my $bad = $t->http('POST', '/api/v1/evaluations',
        headers => {'Content-Type' => 'application/json'}, body => 'x' x 10);
    like($bad->{headers}{'content-type'} // '', qr{^application/json},
        'its other refusals JSON as before');
}

# the agencies' own paths carry codes too: a receipt, and a deletion
$r = $t->get("/receipt/$code",
    headers => { Authorization => 'Bearer conf-admin-key' });
is($r->{status}, 200, 'a receipt with the key');
$r = $t->http('DELETE', '/api/v1/ingest/dossiers/CONF-DELETED-1',
    headers => { Authorization => 'Bearer conf-admin-key' });
ok($r->{status} < 500, "a deletion ($r->{status})");

# a question of the longest text the form takes (4,000 characters, each
# of three bytes and percent-encoded: 36 KB), with its sender's name and
# contact: held in memory, never written to a temporary file on disk
{
    my $at = length $t->error_log;
    my ($r, $page) = $t->form('/hoi-dap', kind => 'question', code => '',
        subject => 'Lệ phí đăng ký', text => 'ệ' x 4000,
        name => 'Người Gửi Bí Mật', contact => '0912345678', website => '');
    ok($r->{status} == 303 || $r->{status} == 201 || $r->{status} == 200,
        "a long question sent by the page's form ($r->{status})")
        or diag($page);
    $r = $t->http('POST', '/api/v1/feedback',
        headers => { 'Content-Type' => 'application/json' },
        body => $json->encode({ kind => 'question', subject => 'Lệ phí',
            text => 'ệ' x 4000, name => 'Người Gửi Bí Mật',
            contact => '0912345678', text_pad => 'x' x 20000 }));
    ok($r->{status} < 500, "and by the API ($r->{status})");
    unlike(substr($t->error_log, $at), qr/buffered to a temporary file/,
        'neither body, name and contact in it, went to a temporary file');
}

$t->stop;
my $access = Onestop::Test::slurp("$dir/access.log");
ok(index($access, $code) < 0,
    'no dossier code in the access log, /qr/ and /receipt/ included');
ok(index($access . $t->error_log, 'CONF-DELETED-1') < 0,
    'no code of a deletion in the logs');
like($access, qr/"DELETE" \d{3} /,
    'the deletion is in the access log (without its URI)');

# the public requests (lines of /qr/ and /receipt/ have no URI either now,
# checked above)
my $logs = join("\n", grep { !m{"GET /(?:qr|receipt)/} }
    split /\n/, Onestop::Test::slurp("$dir/access.log")) . $t->error_log;
ok(index($logs, $code) < 0, 'no dossier code in the logs of public requests');
ok(index($logs, 'AAAAAAAAAAAAAAAA') < 0, 'no QR token in the logs');
$t->check_log;

done_testing();
