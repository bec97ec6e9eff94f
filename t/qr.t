#!/usr/bin/perl

# QR receipts (SPEC section 6): /qr/CODE.png and .svg behind a key that
# covers the dossier's agency, the signed link (recomputed here with
# HMAC-SHA256 of the key file's bytes), the image's geometry, /q/TOKEN
# with the full name and its headers, one and the same 404 for every bad
# token, key rotation, nginx -t on bad key configurations, and the
# printable receipt.  That the images decode to the signed link is
# t/qr_decode.t's, which needs zbarimg.

use v5.36;
use utf8;

use lib 't/lib';

use Compress::Zlib qw(crc32 uncompress);
use Digest::SHA qw(hmac_sha256 sha256_hex);
use Encode qw(decode);
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');

# the keys, as hex in the file and as the bytes they stand for
my $KEY1 = '3f' . ('a5' x 15) . '0c' . ('5a' x 15);     # 64 hex digits
my $KEY2 = ('01' x 20) . ('fe' x 20);                  # 80 hex digits
my $KEY3 = ('77' x 32);                                # never configured

$t->spew('keys', sha256_hex('qr-admin-key') . " * admin\n"
    . sha256_hex('qr-benluc-key') . " 000.00.30.H36 Ben Luc\n"
    . sha256_hex('qr-tuphap-key') . " 000.00.12.H36 Tu phap\n");
$t->spew('qr.key', "$KEY1\n");
$t->write_standard_conf(serve => [qw(ingest qr resolve receipt evaluate
    lookup_page)], qr_key => 1);

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my $PUBLIC = 'http://127.0.0.1:' . $t->port;
my %admin = (Authorization => 'Bearer qr-admin-key');
my %benluc = (Authorization => 'Bearer qr-benluc-key');
my %tuphap = (Authorization => 'Bearer qr-tuphap-key');

my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

# --- helpers computed on their own ---

# the token of SPEC 6: code, a dot, the first 12 bytes of
# HMAC-SHA256(key, code) in unpadded base64url
sub token ($code, $hexkey) {
    my $mac = hmac_sha256($code, pack('H*', $hexkey));
    return $code . '.' . encode_base64url(substr($mac, 0, 12));
}

sub link_of ($code, $hexkey) { "$PUBLIC/q/" . token($code, $hexkey) }

# the smallest QR version holding N bytes in byte mode at error correction
# M (ISO/IEC 18004 table 7), and its width in modules
my @CAP_M = (0, 14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331,
    362, 412, 450, 504, 560, 624, 666);
sub modules_for ($nbytes) {
    for my $v (1 .. $#CAP_M) {
        return 17 + 4 * $v if $nbytes <= $CAP_M[$v];
    }
    die "link too long for this test's table\n";
}

# a PNG's chunks, checked: signature, CRCs; returns
# (width, height, bit depth, colour type, [rows of 0/1 = dark/light])
sub png_decode ($png) {
    return unless substr($png, 0, 8) eq "\x89PNG\r\n\x1a\n";
    my ($pos, %ihdr, $idat, $end) = (8, (), '', 0);
    while ($pos + 12 <= length $png) {
        my ($len, $type) = unpack('N a4', substr($png, $pos, 8));
        my $data = substr($png, $pos + 8, $len);
        my $crc = unpack('N', substr($png, $pos + 8 + $len, 4));
        return if crc32($type . $data) != $crc;
        if ($type eq 'IHDR') {
            @ihdr{qw(w h depth ctype comp filter interlace)} =
                unpack('N N C C C C C', $data);
        } elsif ($type eq 'IDAT') {
            $idat .= $data;
        } elsif ($type eq 'IEND') {
            $end = 1;
            last;
        }
        $pos += 12 + $len;
    }
    return unless $end && $ihdr{w};
    my @rows;
    # only the greyscale forms our decoder needs: 1 or 8 bits
    if ($ihdr{ctype} == 0 && ($ihdr{depth} == 1 || $ihdr{depth} == 8)
        && !$ihdr{interlace})
    {
        my $raw = uncompress($idat);
        return unless defined $raw;
        my $bpp = 1;
        my $stride = $ihdr{depth} == 1 ? int(($ihdr{w} + 7) / 8) : $ihdr{w};
        my @prev = (0) x $stride;
        for my $y (0 .. $ihdr{h} - 1) {
            my $off = $y * ($stride + 1);
            my $f = ord(substr($raw, $off, 1));
            my @cur = unpack('C*', substr($raw, $off + 1, $stride));
            for my $i (0 .. $stride - 1) {
                my $a = $i >= $bpp ? $cur[$i - $bpp] : 0;
                my $b = $prev[$i];
                my $c = $i >= $bpp ? $prev[$i - $bpp] : 0;
                my $add = $f == 0 ? 0 : $f == 1 ? $a : $f == 2 ? $b
                    : $f == 3 ? int(($a + $b) / 2)
                    : do {
                        my $p = $a + $b - $c;
                        my ($pa, $pb, $pc) = (abs($p - $a), abs($p - $b),
                            abs($p - $c));
                        $pa <= $pb && $pa <= $pc ? $a : $pb <= $pc ? $b : $c;
                    };
                $cur[$i] = ($cur[$i] + $add) & 0xff;
            }
            my @px;
            if ($ihdr{depth} == 1) {
                @px = map { $_ ? 0 : 1 }
                    split //, unpack("B$ihdr{w}", pack('C*', @cur));
            } else {
                @px = map { $_ < 128 ? 1 : 0 } @cur;
            }
            push @rows, \@px;
            @prev = @cur;
        }
    }
    return ($ihdr{w}, $ihdr{h}, $ihdr{depth}, $ihdr{ctype}, \@rows);
}

# the module matrix of a decoded image: every size x size block one
# colour; undef when a block is mixed
sub modules_of ($rows, $size) {
    my $px = scalar @$rows;
    return if $px % $size;
    my @m;
    for (my $y = 0; $y < $px; $y += $size) {
        my @line;
        for (my $x = 0; $x < $px; $x += $size) {
            my $v = $rows->[$y][$x];
            for my $dy (0 .. $size - 1) {
                for my $dx (0 .. $size - 1) {
                    return if $rows->[$y + $dy][$x + $dx] != $v;
                }
            }
            push @line, $v;
        }
        push @m, \@line;
    }
    return \@m;
}

# a request on a raw socket: (status, {lower-case header => value}, body)
sub raw ($req) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port, Proto => 'tcp', Timeout => 10)
        or return (0, {}, '');
    print $s $req;
    my $resp = '';
    while (sysread($s, my $buf, 65536)) { $resp .= $buf }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $resp, 2;
    my ($line, @h) = split /\r\n/, $head // '';
    my ($status) = ($line // '') =~ m{^HTTP/1\.[01] (\d{3})};
    my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1 => $2) : () } @h;
    return ($status // 0, \%h, $body // '');
}

sub error_ok ($r, $status, $code, $name) {
    is($r->{status}, $status, "$name: status $status")
        or diag("$r->{status} $r->{content}");
    like($r->{headers}{'content-type'} // '', qr{^application/json\b},
        "$name: JSON");
    my $j = eval { $json->decode($r->{content}) } // {};
    is($j->{error}{code}, $code, "$name: error code $code")
        if defined $code;
    ok(defined $j->{error}{message} && length $j->{error}{message},
        "$name: error message");
}

sub record (%m) {
    return {
        version => 1,
        agency => '000.00.12.H36',
        procedure => '1.001234',
        channel => 'online',
        applicant => {name => 'Nguyễn Văn An', type => 'citizen'},
        received_at => '2024-06-03T08:15:00+07:00',
        due_at => '2024-06-20T17:00:00+07:00',
        %m,
    };
}

# --- the dossiers ---

my $CODE = '000.00.12.H36-240603-0001';          # dots in the code
my $NAME = 'Đặng Thị Ánh';
my @recs = (
    record(code => $CODE, applicant => {name => $NAME, type => 'citizen'},
        contact => {phone => '0912345678', email => 'anh.dang@example.vn'},
        # 01:15 UTC is 08:15 in Long An
        received_at => '2024-06-03T01:15:00Z',
        due_at => '2024-06-10T17:00:00+07:00',
        resolved_at => '2024-06-07T10:00:00+07:00'),
    record(code => 'QR-2', applicant => {name => 'Trần Văn Bình'},
        contact => {phone => '0987654321'}),
    record(code => 'QR-COMMUNE', agency => '000.30.01.H36',
        procedure => '1.000894', channel => 'direct',
        applicant => {name => 'Lê Thị Cúc'}),
    record(code => 'QR-ORG', applicant => {name => 'Công ty <A&B> "Long An"',
        type => 'organization'}),
    record(code => 'QR-2019', received_at => '2019-07-09T08:15:00+07:00',
        due_at => '2019-07-16T17:00:00+07:00',
        applicant => {name => 'Phạm Văn Đức'}),
);
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs));
is($r->{status}, 200, 'dossiers written') or diag($r->{content});

# --- /qr/CODE.png: keys and scope ---

$r = $t->get("/qr/$CODE.png");
error_ok($r, 401, 'unauthorized', 'PNG without a key');
$r = $t->get("/qr/$CODE.svg");
error_ok($r, 401, 'unauthorized', 'SVG without a key');
$r = $t->get("/qr/$CODE.png",
    headers => {Authorization => 'Bearer no-such-key'});
error_ok($r, 401, 'unauthorized', 'PNG with an unknown key');
$r = $t->get("/qr/$CODE.png", headers => {Authorization => 'qr-admin-key'});
error_ok($r, 401, 'unauthorized', 'PNG with a key but no Bearer');
$r = $t->get("/qr/$CODE.png", headers => \%benluc);
error_ok($r, 403, 'forbidden', 'PNG with a key for another agency');
$r = $t->get("/qr/$CODE.svg", headers => \%benluc);
error_ok($r, 403, 'forbidden', 'SVG with a key for another agency');
$r = $t->get('/qr/QR-COMMUNE.png', headers => \%tuphap);
error_ok($r, 403, 'forbidden', "a department's key on a commune's dossier");
$r = $t->get('/qr/NO-SUCH-CODE.png', headers => \%admin);
error_ok($r, 404, 'not_found', 'PNG of an unknown code');
$r = $t->get('/qr/NO-SUCH-CODE.svg', headers => \%admin);
error_ok($r, 404, 'not_found', 'SVG of an unknown code');
for my $bad ('-abc', 'abc-', 'a%20b', 'A' x 65, 'm%C3%A3') {
    $r = $t->get("/qr/$bad.png", headers => \%admin);
    error_ok($r, 400, 'bad_request', "PNG of a bad code '$bad'");
}

# the district's key covers its communes
$r = $t->get('/qr/QR-COMMUNE.png', headers => \%benluc);
is($r->{status}, 200, "a district's key covers its commune's dossier");

# --- the PNG: the signed link, geometry ---

my $LINK = link_of($CODE, $KEY1);
like($LINK, qr{^\Q$PUBLIC\E/q/\Q$CODE\E\.[A-Za-z0-9_-]{16}\z},
    'the test\'s link: code, dot, 16 base64url characters');
my $MODULES = modules_for(length $LINK);

$r = $t->get("/qr/$CODE.png", headers => \%admin);
is($r->{status}, 200, 'PNG with the admin key');
is($r->{headers}{'content-type'}, 'image/png', 'PNG content type');
unlike($r->{headers}{'cache-control'} // '', qr/\bpublic\b/,
    'a QR image minted with a key is not public in caches');
my $png4 = $r->{content};

$r = $t->get("/qr/$CODE.png", headers => \%tuphap);
is($r->{status}, 200, "the agency's own key");
is($r->{content}, $png4, 'the same image whatever the key');

my ($w, $h, $depth, $ctype, $rows) = png_decode($png4);
ok(defined $w, 'a valid PNG: signature, chunks and CRCs, IEND');
is($w, ($MODULES + 8) * 4, "default size 4: width (modules $MODULES + 8) x 4");
is($h, $w, 'square');

SKIP: {
    skip('a PNG form this test does not decode', 6) unless $rows && @$rows;
    my $m = modules_of($rows, 4);
    ok($m, 'every module a 4 x 4 block of one colour');
    skip('no module matrix', 5) unless $m;
    my $quiet = 1;
    for my $i (0 .. $MODULES + 7) {
        for my $j (0 .. 3, $MODULES + 4 .. $MODULES + 7) {
            $quiet = 0 if $m->[$i][$j] || $m->[$j][$i];
        }
    }
    ok($quiet, 'a quiet zone of 4 light modules on every side');
    # the finder patterns: a 7 x 7 dark ring, light ring, 3 x 3 dark core
    my $finder = sub ($x0, $y0) {
        for my $dy (0 .. 6) {
            for my $dx (0 .. 6) {
                my $ring = $dx == 0 || $dx == 6 || $dy == 0 || $dy == 6;
                my $core = $dx >= 2 && $dx <= 4 && $dy >= 2 && $dy <= 4;
                my $want = ($ring || $core) ? 1 : 0;
                return 0 if $m->[$y0 + $dy][$x0 + $dx] != $want;
            }
        }
        return 1;
    };
    ok($finder->(4, 4), 'finder pattern top left, after the quiet zone');
    ok($finder->($MODULES - 3, 4), 'finder pattern top right');
    ok($finder->(4, $MODULES - 3), 'finder pattern bottom left');
    # the timing pattern: row 6 between the finders alternates
    my $timing = join '', map { $m->[4 + 6][4 + $_] } 8 .. $MODULES - 9;
    is($timing, substr('10' x $MODULES, 0, $MODULES - 16),
        'timing pattern on row 6');
}

for my $size (1, 2, 7, 20) {
    $r = $t->get("/qr/$CODE.png?size=$size", headers => \%admin);
    is($r->{status}, 200, "size=$size: 200");
    my ($sw) = png_decode($r->{content});
    is($sw, ($MODULES + 8) * $size, "size=$size: width (modules + 8) x $size");
}
$r = $t->get("/qr/$CODE.png?size=4", headers => \%admin);
is($r->{content}, $png4, 'size=4 is the default');

for my $bad ('0', '21', 'x', '-1', '4x', '', '99999999999999999999') {
    $r = $t->get("/qr/$CODE.png?size=$bad", headers => \%admin);
    error_ok($r, 400, 'bad_request', "PNG size='$bad'");
    $r = $t->get("/qr/$CODE.svg?size=$bad", headers => \%admin);
    error_ok($r, 400, 'bad_request', "SVG size='$bad'");
}

# --- the SVG ---

$r = $t->get("/qr/$CODE.svg", headers => \%admin);
is($r->{status}, 200, 'SVG 200');
like($r->{headers}{'content-type'} // '', qr{^image/svg\+xml\b},
    'SVG content type');
my $svg = $r->{content};
like($svg, qr{^(?:<\?xml[^>]*>\s*)?<svg\b}, 'an SVG document');
my $side = $MODULES + 8;
like($svg, qr{<svg\b[^>]*\bviewBox="0 0 $side $side"},
    "viewBox of modules + quiet zone ($side)");
my $px = $side * 4;
like($svg, qr{<svg\b[^>]*\bwidth="$px"}, "width $px at the default size");
like($svg, qr{<svg\b[^>]*\bheight="$px"}, "height $px at the default size");
$r = $t->get("/qr/$CODE.svg?size=10", headers => \%admin);
$px = $side * 10;
like($r->{content}, qr{<svg\b[^>]*\bwidth="$px"}, "width $px at size 10");

# --- HEAD and other methods ---

my ($st, $hd, $body) = raw("HEAD /qr/$CODE.png HTTP/1.1\r\nHost: localhost\r\n"
    . "Authorization: Bearer qr-admin-key\r\nConnection: close\r\n\r\n");
is($st, 200, 'HEAD PNG: 200');
is($body, '', 'HEAD PNG: no body');
is($hd->{'content-type'}, 'image/png', 'HEAD PNG: content type');
is($hd->{'content-length'}, length $png4, 'HEAD PNG: the GET length');
($st, $hd, $body) = raw("HEAD /qr/$CODE.svg HTTP/1.1\r\nHost: localhost\r\n"
    . "Authorization: Bearer qr-admin-key\r\nConnection: close\r\n\r\n");
is_deeply([$st, $body, $hd->{'content-length'}], [200, '', length $svg],
    'HEAD SVG: 200, no body, the GET length');
($st, $hd, $body) = raw("HEAD /qr/$CODE.png HTTP/1.1\r\nHost: localhost\r\n"
    . "Connection: close\r\n\r\n");
is_deeply([$st, $body], [401, ''], 'HEAD without a key: 401, no body');

for my $m (qw(POST PUT DELETE)) {
    $r = $t->http($m, "/qr/$CODE.png", headers => \%admin, body => 'x');
    error_ok($r, 405, undef, "$m on /qr/");
    my %allow = map { uc($_) => 1 } split /\s*,\s*/,
        ($r->{headers}{allow} // '');
    is_deeply(\%allow, {GET => 1, HEAD => 1}, "$m on /qr/: Allow GET, HEAD");
}

# --- /q/TOKEN: the link itself ---

(my $PATH = $LINK) =~ s{^\Q$PUBLIC\E}{};
$r = $t->get($PATH);
is($r->{status}, 200, 'the decoded link resolves');
like($r->{headers}{'content-type'} // '', qr{^text/html\b}, '/q/ is a page');
is($r->{headers}{'cache-control'}, 'private, no-store', '/q/ Cache-Control');
is($r->{headers}{'referrer-policy'}, 'no-referrer', '/q/ Referrer-Policy');
is($r->{headers}{'x-robots-tag'}, 'noindex', '/q/ X-Robots-Tag');
my $page = decode('UTF-8', $r->{content});
ok(index($page, $NAME) >= 0, '/q/ shows the full name');
ok(index($page, 'Đặng T. Á.') < 0, '/q/ does not mask');
ok(index($page, $CODE) >= 0, '/q/ shows the code');
ok(index($page, 'Cấp phiếu lý lịch tư pháp') >= 0, '/q/ shows the procedure');
ok(index($page, '0912345678') < 0 && index($page, 'example.vn') < 0,
    '/q/ shows no contact');

# the token percent-encoded is the same token
(my $enc = $PATH) =~ s/\./%2E/g;
$r = $t->get($enc);
is($r->{status}, 200, 'a percent-encoded token resolves');

# an organisation's name, whole and escaped
$r = $t->get('/q/' . token('QR-ORG', $KEY1));
$page = decode('UTF-8', $r->{content});
is($r->{status}, 200, "an organisation's link resolves");
ok(index($page, 'Công ty &lt;A&amp;B&gt;') >= 0,
    "organisation's name whole, escaped");
ok(index($page, '<A&B>') < 0, 'no raw markup from the data');

# --- /q/: every bad token is the same 404 ---

my $tok = token($CODE, $KEY1);
my ($c, $sig) = $tok =~ /^(.*)\.([^.]*)$/;
my $last = substr($sig, -1);
my $flip = substr($sig, 0, 15) . ($last eq 'A' ? 'B' : 'A');
my $sig2 = (split /\./, token('QR-2', $KEY1))[-1];
my %bad = (
    'unknown code, wrong signature' => "/q/NO-SUCH-CODE.$sig",
    'one character of the signature changed' => "/q/$c.$flip",
    'the first character changed' => "/q/$c."
        . (substr($sig, 0, 1) eq 'A' ? 'B' : 'A') . substr($sig, 1),
    "another code's signature" => "/q/QR-2.$sig",
    'signature moved to another code' => "/q/$c.$sig2",
    'signature of a key not configured' => '/q/' . token($CODE, $KEY3),
    'unknown code, correctly signed' => '/q/' . token('NO-SUCH-CODE', $KEY1),
    'a token without a dot' => "/q/$c",
    'a token without a dot (signature only)' => "/q/$sig",
    'an empty token' => '/q/',
    'an empty signature' => "/q/$c.",
    'a signature one character short' => "/q/$c." . substr($sig, 0, 15),
    'a signature one character long' => "/q/$c.${sig}A",
    'the signature in upper case' => "/q/$c." . uc($sig),
    'padded signature' => "/q/$c.$sig%3D%3D",
    # QR-2's signature has a '_' (checked below): in base64's alphabet
    'base64, not base64url' => '/q/QR-2.' . ($sig2 =~ tr{-_}{+/}r
        =~ s{([+/])}{sprintf('%%%02X', ord $1)}ger),
    'code not valid' => "/q/-bad-.$sig",
    'a dot only' => '/q/.',
    'the token twice' => "/q/$tok.$sig",
    # the token in the query: given twice, or beside another, it is no
    # token, not a 400 of the JSON API
    'the ?code= token given twice' => "/q/?code=$tok&code=$tok",
    'two ?code= tokens' => "/q/?code=NO-SUCH-CODE.$sig&code=$tok",
);
like($sig2, qr/[-_]/, "QR-2's signature has a character of base64url's own");
my $ref = $t->get($bad{'unknown code, wrong signature'});
is($ref->{status}, 404, 'unknown code: 404');
like($ref->{headers}{'content-type'} // '', qr{^text/html\b},
    'the 404 is a page');
my %refh = %{$ref->{headers}};
delete $refh{date};
is($refh{'cache-control'}, 'private, no-store', '404 Cache-Control');
is($refh{'referrer-policy'}, 'no-referrer', '404 Referrer-Policy');
is($refh{'x-robots-tag'}, 'noindex', '404 X-Robots-Tag');
ok(index($ref->{content}, 'NO-SUCH-CODE') < 0,
    'the 404 does not echo the code');

for my $name (sort keys %bad) {
    next if $name eq 'unknown code, wrong signature';
    my $r = $t->get($bad{$name});
    is($r->{status}, 404, "$name: 404");
    ok($r->{content} eq $ref->{content},
        "$name: the very same body as an unknown code")
        or diag("$bad{$name}: " . length($r->{content}) . " bytes, not "
            . length($ref->{content}));
    my %hh = %{$r->{headers}};
    delete $hh{date};
    is_deeply(\%hh, \%refh, "$name: the same headers");
}

# --- the receipt ---

$r = $t->get("/receipt/$CODE");
error_ok($r, 401, 'unauthorized', 'receipt without a key');
$r = $t->get("/receipt/$CODE", headers => \%benluc);
error_ok($r, 403, 'forbidden', 'receipt with a key for another agency');
$r = $t->get('/receipt/NO-SUCH-CODE', headers => \%admin);
error_ok($r, 404, 'not_found', 'receipt of an unknown code');
$r = $t->get('/receipt/-abc', headers => \%admin);
error_ok($r, 400, 'bad_request', 'receipt of a bad code');
$r = $t->http('POST', "/receipt/$CODE", headers => \%admin, body => 'x');
error_ok($r, 405, undef, 'POST on /receipt/');

$r = $t->get("/receipt/$CODE", headers => \%tuphap);
is($r->{status}, 200, 'receipt with the agency\'s key');
like($r->{headers}{'content-type'} // '', qr{^text/html\b}, 'receipt is HTML');
unlike($r->{headers}{'cache-control'} // '', qr/\bpublic\b/,
    'receipt not public in caches');
my $rc = decode('UTF-8', $r->{content});
ok(index($rc, 'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ') >= 0,
    'receipt: the form\'s title');
ok(index($rc, $CODE) >= 0, 'receipt: the code');
ok(index($rc, $NAME) >= 0, 'receipt: the full name');
ok(index($rc, 'Cấp phiếu lý lịch tư pháp') >= 0, 'receipt: the procedure');
ok(index($rc, 'Sở Tư pháp') >= 0, 'receipt: the agency');
ok(index($rc, '08 giờ 15 phút, ngày 03 tháng 6 năm 2024') >= 0,
    'receipt: received time, in Long An\'s zone, in Vietnamese');
ok(index($rc, '17 giờ 00 phút, ngày 10 tháng 6 năm 2024') >= 0,
    'receipt: due time in Vietnamese');
ok(index($rc, '0912345678') < 0 && index($rc, 'example.vn') < 0
    && index($rc, 'anh.dang') < 0, 'receipt: no contact');
like($rc, qr{\Q$PUBLIC\E/tra-cuu(?:/|\?code=)\Q$CODE\E},
    'receipt: the lookup URL');
my ($inline) = $rc =~ m{(<svg\b.*?</svg>)}s;
ok(defined $inline, 'receipt: an inline SVG');

$r = $t->get('/receipt/QR-2019', headers => \%admin);
$rc = decode('UTF-8', $r->{content});
ok(index($rc, '08 giờ 15 phút, ngày 09 tháng 7 năm 2019') >= 0,
    'receipt of 2019: received "08 giờ 15 phút, ngày 09 tháng 7 năm 2019"');
ok(index($rc, '17 giờ 00 phút, ngày 16 tháng 7 năm 2019') >= 0,
    'receipt of 2019: due "17 giờ 00 phút, ngày 16 tháng 7 năm 2019"');
ok(index($rc, 'Phạm Văn Đức') >= 0, 'receipt of 2019: the full name');

$r = $t->get('/receipt/QR-2', headers => \%admin);
ok(index($r->{content}, '0987654321') < 0, 'receipt QR-2: no phone');

$r = $t->get('/receipt/QR-ORG', headers => \%admin);
$rc = decode('UTF-8', $r->{content});
ok(index($rc, 'Công ty &lt;A&amp;B&gt;') >= 0 && index($rc, '<A&B>') < 0,
    "receipt: an organisation's name escaped");

($st, $hd, $body) = raw("HEAD /receipt/$CODE HTTP/1.1\r\nHost: localhost\r\n"
    . "Authorization: Bearer qr-admin-key\r\nConnection: close\r\n\r\n");
is_deeply([$st, $body], [200, ''], 'HEAD receipt: 200, no body');

# the code in ?code= too (SPEC 2)
$r = $t->get("/receipt/?code=$CODE", headers => \%admin);
is($r->{status}, 200, 'receipt by ?code=');

# the access log holds no token
my $alog = Onestop::Test::slurp($t->dir . '/access.log');
ok(index($alog, 'qr-admin-key') < 0, 'no key in access.log');

# --- key rotation ---

my $OLD_LINK = $LINK;
# the new key in upper-case hex digits: the same bytes
$t->spew('qr.key', uc($KEY2) . "\n$KEY1\n");
ok($t->reload, 'reload with a new key first, the old one second');

$r = $t->get("/qr/$CODE.png", headers => \%admin);
is($r->{status}, 200, 'PNG after rotation');
my $NEW_LINK = link_of($CODE, $KEY2);
isnt($NEW_LINK, $OLD_LINK, 'the two keys sign differently');
($PATH = $NEW_LINK) =~ s{^\Q$PUBLIC\E}{};
$r = $t->get($PATH);
is($r->{status}, 200, 'a link of the new key resolves');
($PATH = $OLD_LINK) =~ s{^\Q$PUBLIC\E}{};
$r = $t->get($PATH);
is($r->{status}, 200, 'a link of the old key still resolves');
ok(index(decode('UTF-8', $r->{content}), $NAME) >= 0,
    'the old link shows the dossier');
$r = $t->get('/q/' . token('QR-2', $KEY1));
is($r->{status}, 200, 'an old-key link of another dossier, computed here');
$r = $t->get('/q/' . token('QR-2', $KEY3));
ok($r->{status} == 404 && $r->{content} eq $ref->{content},
    'a key not in the file: the same 404');

$t->spew('qr.key', "$KEY2\n");
ok($t->reload, 'reload with the old key retired');
$r = $t->get($PATH);
ok($r->{status} == 404 && $r->{content} eq $ref->{content},
    'the old key\'s link: the same 404 once the key is gone');
$r = $t->get('/q/' . token($CODE, $KEY2));
is($r->{status}, 200, 'the new key\'s link still resolves');

# --- nginx -t with bad QR keys ---

sub conf_with ($keyline, $keyfile) {
    my $c = Onestop::Test->new(today => '2024-06-15');
    $c->spew('qr.key', $keyfile) if defined $keyfile;
    $c->write_standard_conf(serve => [qw(qr resolve)], map_size => '64m',
        keys => 0, public_url => 'http://127.0.0.1:%%PORT%%', http => $keyline);
    return $c->test_conf;
}

my ($status, $out) = conf_with('onestop_qr_key %%DIR%%/qr.key;', "$KEY1\n");
is($status, 0, 'nginx -t: a good key file') or diag($out);

# the key mints links that show the full name: a file others may read
# (written with the usual umask 022) is refused, as the Redis password's
for my $mode (0644, 0640, 0604) {
    my $c = Onestop::Test->new(today => '2024-06-15');
    chmod $mode, $c->spew('qr.key', "$KEY1\n");
    $c->write_standard_conf(serve => [qw(qr resolve)], map_size => '64m',
        keys => 0, qr_key => 1);
    ($status, $out) = $c->test_conf;
    isnt($status, 0, sprintf('nginx -t refuses a QR key file of mode %04o',
        $mode));
    like($out, qr/QR key file "[^"]*qr\.key" is open to its group or others \(mode ${\ sprintf('%04o', $mode)}\): run "chmod 0600 /,
        'saying its mode and what to run') or diag($out);
    unlike($out, qr/\Q$KEY1\E/i, 'never the key');
}

($status, $out) = conf_with('', undef);
isnt($status, 0, 'nginx -t fails without onestop_qr_key');
like($out, qr/onestop_qr_key/, 'and names onestop_qr_key') or diag($out);

($status, $out) = conf_with('onestop_qr_key %%DIR%%/qr.key;',
    substr($KEY1, 0, 62) . "\n");
isnt($status, 0, 'nginx -t fails with a key of 62 hex digits');
like($out, qr/64 hex digits|32 bytes/, 'and says 64 hex digits (32 bytes)')
    or diag($out);

($status, $out) = conf_with('onestop_qr_key %%DIR%%/qr.key;',
    "$KEY2\n" . substr($KEY1, 0, 63) . "\n");
isnt($status, 0, 'nginx -t fails when the second key is short');
like($out, qr/64 hex digits|32 bytes/, 'and says why') or diag($out);

($status, $out) = conf_with('onestop_qr_key %%DIR%%/qr.key;',
    ('zz' x 32) . "\n");
isnt($status, 0, 'nginx -t fails with a key that is not hex');
like($out, qr/hex/, 'and says hex digits') or diag($out);

($status, $out) = conf_with('onestop_qr_key %%DIR%%/qr.key;', '');
isnt($status, 0, 'nginx -t fails with an empty key file');
like($out, qr/onestop_qr_key|qr\.key|key/i, 'and says which') or diag($out);

($status, $out) = conf_with('onestop_qr_key %%DIR%%/no-such-file;', undef);
isnt($status, 0, 'nginx -t fails with a missing key file');
like($out, qr/no-such-file/, 'and names the file') or diag($out);
unlike($out, qr/\Q$KEY1\E/, 'no key in the messages');

$t->check_log;

done_testing;
