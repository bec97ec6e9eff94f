#!/usr/bin/perl

# Embeddable widgets (SPEC section 7): the badge /widget/AGENCY.svg (this
# year's on-time rate, shields.io style: well-formed SVG, role="img",
# aria-label, <title>, width from the text) and the card
# /widget/AGENCY.html (received, resolved, resolved early and on time,
# on-time rate, overdue in progress), each equal to /api/v1/stats?period=year&under=AGENCY and to a
# count by hand; CSP frame-ancestors from onestop_widget_frame_ancestors
# and never X-Frame-Options; public caching, ETag and 304; CORS; 404.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;
my $have_xmllint = system('command -v xmllint >/dev/null 2>&1') == 0;

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('wg-admin-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest stats widget)], zone => '8m',
    server => <<'END');
location /framed/ {
    onestop_widget;
    onestop_widget_frame_ancestors https://longan.gov.vn "'self'";
}
END

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer wg-admin-key');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

my %name = (
    province => 'Tỉnh Long An',
    '000.00.12.H36' => 'Sở Tư pháp',
    '000.00.15.H36' => 'Sở Xây dựng',
    '000.00.30.H36' => 'UBND huyện Bến Lức',
    '000.30.01.H36' => 'UBND thị trấn Bến Lức',
    '000.30.02.H36' => 'UBND xã Thạnh Đức',
    '000.00.31.H36' => 'UBND huyện Cần Giuộc',
    '000.31.01.H36' => 'UBND xã Phước Lý',
);

# --- dossiers, and this year's figures by hand ---

my $n = 0;
my @recs;
sub dossier ($agency, $received, $due, $resolved = undef, %m) {
    push @recs, {code => sprintf('WG-%03d', ++$n), version => 1,
        agency => $agency, procedure => '1.000894', channel => 'direct',
        applicant => {name => 'Ngô Văn Tư'}, received_at => $received,
        due_at => $due, ($resolved ? (resolved_at => $resolved) : ()), %m};
}

# the district of Bến Lức and its communes: resolved this year 3 early, 2
# on time, 3 late (one received last year) = 8, in time 5: 62,5 %;
# received this year 10; overdue in progress 2 (one from last year), not
# yet due 1
dossier('000.30.01.H36', '2024-03-01', '2024-03-10', '2024-03-05');
dossier('000.30.01.H36', '2024-03-01', '2024-03-10', '2024-03-08');
dossier('000.30.02.H36', '2024-04-01', '2024-04-10', '2024-04-09');
dossier('000.30.02.H36', '2024-04-01', '2024-04-10', '2024-04-10');
dossier('000.00.30.H36', '2024-05-01', '2024-05-10', '2024-05-10');
dossier('000.30.01.H36', '2024-05-01', '2024-05-10', '2024-05-11');
dossier('000.30.02.H36', '2024-05-01', '2024-05-10', '2024-06-01');
dossier('000.30.01.H36', '2024-05-20', '2024-06-01');
dossier('000.30.02.H36', '2024-06-01', '2024-06-30');
dossier('000.00.30.H36', '2023-12-01', '2023-12-20', '2024-01-05');
dossier('000.30.01.H36', '2023-11-01', '2023-11-20');
dossier('000.30.01.H36', '2024-06-02', '2024-06-10', undef,
    withdrawn_at => '2024-06-05');
# last year's, resolved last year: not in this year's figures
dossier('000.30.02.H36', '2023-05-01', '2023-05-10', '2023-05-20');
# Sở Tư pháp: 2 early, 1 late: 66,7 %
dossier('000.00.12.H36', '2024-02-01', '2024-02-20', '2024-02-10');
dossier('000.00.12.H36', '2024-02-01', '2024-02-20', '2024-02-19');
dossier('000.00.12.H36', '2024-02-01', '2024-02-20', '2024-02-21');
# Sở Xây dựng: nothing resolved this year: no rate
dossier('000.00.15.H36', '2024-06-01', '2024-06-20');
# UBND xã Phước Lý: 1 on time: 100,0 %
dossier('000.31.01.H36', '2024-01-02', '2024-01-09', '2024-01-09');

$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs));
is($r->{status}, 200, 'dossiers written') or diag($r->{content});

# agency => [received, resolved, in time, pending overdue]
my %hand = (
    '000.00.30.H36' => [10, 8, 5, 2],
    '000.30.01.H36' => [5, 3, 2, 2],
    '000.00.12.H36' => [3, 3, 2, 0],
    '000.00.15.H36' => [1, 0, 0, 0],
    '000.31.01.H36' => [1, 1, 1, 0],
    '000.00.31.H36' => [1, 1, 1, 0],
    province => [15, 12, 8, 2],
);

# --- helpers ---

# 0.625 -> "62,5 %": one decimal, a comma, a space before the sign
sub percent ($rate) {
    return undef unless defined $rate;
    my $s = sprintf('%.1f', $rate * 100);
    $s =~ tr/./,/;
    return "$s %";
}

sub api_year ($agency) {
    my $q = $agency eq 'province' ? '' : "&under=$agency";
    my $r = $t->get("/api/v1/stats?period=year$q");
    my $j = eval { $json->decode($r->{content}) } // {};
    return $j->{totals} // {};
}

# well-formed XML: xmllint when there is one, else a balance check of tags
sub well_formed ($xml) {
    if ($have_xmllint) {
        my $file = $t->spew('check.xml', $xml);
        return system("xmllint --noout '$file' 2>/dev/null") == 0;
    }
    my $s = $xml;
    $s =~ s/<\?xml.*?\?>//s;
    $s =~ s/<!--.*?-->//gs;
    my @stack;
    my $attr = qr{\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*')};
    while ($s =~ m{<(/?)([A-Za-z][\w:.-]*)((?:$attr)*)\s*(/?)>|([<>])}g) {
        return 0 if defined $5;
        my ($close, $tag, $selfclose) = ($1, $2, $4);
        if ($close) {
            return 0 unless @stack && pop(@stack) eq $tag;
        } elsif (!$selfclose) {
            push @stack, $tag;
        }
    }
    return !@stack && $s !~ /&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)/;
}

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

ok(well_formed('<a x="1"><b/>&amp;</a>'),
    'the well-formedness check passes XML');
ok(!well_formed('<a><b></a></b>'), 'and fails what is not');

# --- the badges ---

my %width;
# WCAG 2.1's relative luminance and contrast ratio of #rgb / #rrggbb
sub rgb ($c) {
    $c =~ s/^#//;
    $c =~ s/(.)/$1$1/g if length $c == 3;
    return map { hex } $c =~ /(..)/g;
}
sub luminance ($c) {
    my @v = map { my $x = $_ / 255;
        $x <= 0.03928 ? $x / 12.92 : (($x + 0.055) / 1.055) ** 2.4 } rgb($c);
    return 0.2126 * $v[0] + 0.7152 * $v[1] + 0.0722 * $v[2];
}
sub contrast ($c1, $c2) {
    my ($x, $y) = sort { $a <=> $b } luminance($c1), luminance($c2);
    return ($y + 0.05) / ($x + 0.05);
}
sub blend ($bg, $top, $op) {
    my @b = rgb($bg);
    my @t = rgb($top);
    return sprintf('#%02x%02x%02x',
        map { int($b[$_] * (1 - $op) + $t[$_] * $op + 0.5) } 0 .. 2);
}
my %colours;

for my $ag (sort keys %hand) {
    my $api = api_year($ag);
    my ($rec, $res, $in, $od) = @{$hand{$ag}};
    is_deeply([@$api{qw(received resolved resolved_in_time pending_overdue)}],
        [$rec, $res, $in, $od],
        "$ag: the API's year figures as counted by hand");
    is($api->{on_time_rate}, $res ? $in / $res : undef,
        "$ag: the API's on-time rate by hand");

    my $r = $t->get("/widget/$ag.svg");
    is($r->{status}, 200, "$ag.svg: 200");
    like($r->{headers}{'content-type'} // '', qr{^image/svg\+xml\b},
        "$ag.svg: SVG");
    my $svg = decode('UTF-8', $r->{content});
    ok(well_formed($r->{content}), "$ag.svg: well-formed XML");
    my ($root) = $svg =~ m{(<svg\b[^>]*>)};
    $root //= '';
    like($root, qr{\bxmlns="http://www\.w3\.org/2000/svg"},
        "$ag.svg: SVG namespace");
    like($root, qr{\brole="img"}, "$ag.svg: role=\"img\"");
    my ($aria) = $root =~ /\baria-label="([^"]*)"/;
    my ($title) = $svg =~ m{<title>([^<]*)</title>};
    my $want = percent($api->{on_time_rate});
    if (defined $want) {
        ok(defined $aria && index($aria, $want) >= 0,
            "$ag.svg: aria-label has '$want'") or diag($aria);
        ok(defined $title && index($title, $want) >= 0,
            "$ag.svg: <title> has '$want'") or diag($title);
        my @texts = $svg =~ m{<text\b[^>]*>([^<]*)</text>}g;
        ok((grep { $_ eq $want } @texts), "$ag.svg: the value '$want' drawn")
            or diag("@texts");
    } else {
        ok(defined $aria && $aria !~ /\d\s*%|\d,\d/,
            "$ag.svg: no rate in aria-label when nothing was resolved")
            or diag($aria);
        ok(defined $title && $title !~ /\d,\d/,
            "$ag.svg: no rate in <title>") or diag($title);
    }
    ok(defined $title && index($title, $name{$ag}) >= 0,
        "$ag.svg: <title> names $name{$ag}") or diag($title);
    ok(defined $title && index($title, '2024') >= 0,
        "$ag.svg: <title> says 2024");
    ok(defined $aria && length $aria, "$ag.svg: aria-label not empty");
    unlike($svg, qr/<script|\bon\w+=/i, "$ag.svg: no script");
    my ($w) = $root =~ /\bwidth="(\d+(?:\.\d+)?)"/;
    ok(defined $w && $w > 0, "$ag.svg: a width");
    $width{$ag} = $w;
    # label and value boxes side by side make up the width
    my @rects = $svg =~ m{<rect\b([^>]*)>}g;
    my ($lab) = grep { !/\bx="/ && /\bfill="#/ && !/\bwidth="$w"/ } @rects;
    my ($val) = grep { /\bx="/ } @rects;
    if ($lab && $val) {
        my ($lw) = $lab =~ /\bwidth="([\d.]+)"/;
        my ($vx) = $val =~ /\bx="([\d.]+)"/;
        my ($vw) = $val =~ /\bwidth="([\d.]+)"/;
        is($vx, $lw, "$ag.svg: the value box starts where the label ends");
        is($lw + $vw, $w, "$ag.svg: label and value widths make the width");
    }

    # WCAG 2.1 1.4.3 (issue 17): the text's colour on each box's, as
    # served, 4.5:1 at least, also where the gloss lightens it (its top
    # stop, blended in)
    my ($ink) = $svg =~ m{<g\b[^>]*\bfill="(#[0-9a-fA-F]{3,6})"[^>]*>\s*<text};
    my ($gloss, $gop) = $svg =~ m{<stop\b[^>]*stop-color="(\#[0-9a-fA-F]{3,6})"
        [^>]*stop-opacity="([\d.]+)"}x;
    for my $box (['label', $lab], ['value', $val]) {
        my ($bg) = ($box->[1] // '') =~ /\bfill="(#[0-9a-fA-F]{3,6})"/;
        ok(defined $ink && defined $bg, "$ag.svg: $box->[0] colours")
            or next;
        $colours{lc $bg}++ if $box->[0] eq 'value';
        my $worst = contrast($ink, $bg);
        $worst = contrast($ink, blend($bg, $gloss, $gop))
            if defined $gloss && contrast($ink, blend($bg, $gloss, $gop))
                < $worst;
        cmp_ok($worst, '>=', 4.5,
            sprintf("$ag.svg: %s text %s on %s: %.2f:1", $box->[0], $ink,
                $bg, $worst));
    }

    is($r->{headers}{'access-control-allow-origin'}, '*', "$ag.svg: CORS *");
    is($r->{headers}{'cache-control'}, 'public, max-age=60',
        "$ag.svg: Cache-Control public, max-age=60");
    ok(!exists $r->{headers}{'set-cookie'}, "$ag.svg: no cookie");
    my $etag = $r->{headers}{etag};
    ok(defined $etag && length $etag, "$ag.svg: ETag");
    my $r304 = $t->get("/widget/$ag.svg",
        headers => {'If-None-Match' => $etag});
    is($r304->{status}, 304, "$ag.svg: If-None-Match 304");
    is($r304->{content} // '', '', "$ag.svg: 304 without a body");
}

# the width follows the text: "—" < "66,7 %" < "100,0 %"
cmp_ok($width{'000.00.15.H36'}, '<', $width{'000.00.12.H36'},
    'a badge without a rate is narrower than "66,7 %"');
cmp_ok($width{'000.00.12.H36'}, '<', $width{'000.31.01.H36'},
    '"66,7 %" is narrower than "100,0 %"');
is($width{'000.00.31.H36'}, $width{'000.31.01.H36'},
    'the same text, the same width, whatever the agency\'s name');

# --- the cards ---

for my $ag (sort keys %hand) {
    my $api = api_year($ag);
    my $r = $t->get("/widget/$ag.html");
    is($r->{status}, 200, "$ag.html: 200");
    like($r->{headers}{'content-type'} // '', qr{^text/html\b},
        "$ag.html: HTML");
    my $html = decode('UTF-8', $r->{content});
    my %field;
    while ($html =~ m{<(\w+)\b[^>]*\bdata-field="([^"]+)"[^>]*>([^<]*)</\1>}g) {
        $field{$2} = $3;
    }
    is($field{received}, $api->{received},
        "$ag.html: received $api->{received}");
    is($field{resolved}, $api->{resolved},
        "$ag.html: resolved $api->{resolved}");
    is($field{pending_overdue}, $api->{pending_overdue},
        "$ag.html: overdue in progress $api->{pending_overdue}");
    # Điều 11.2.c: an agency's site publishes resolved, resolved on time
    # (early and on time) and the on-time rate
    is($field{resolved_in_time}, $api->{resolved_in_time},
        "$ag.html: resolved early and on time $api->{resolved_in_time}");
    my $want = percent($api->{on_time_rate});
    if (defined $want) {
        is($field{on_time_rate}, $want, "$ag.html: on-time rate $want");
    } else {
        ok(defined $field{on_time_rate} && $field{on_time_rate} !~ /\d/,
            "$ag.html: no rate when nothing was resolved")
            or diag($field{on_time_rate});
    }
    ok(index($html, $name{$ag}) >= 0, "$ag.html: names $name{$ag}");
    like($html, qr/<html\b[^>]*\blang="vi"/, "$ag.html: in Vietnamese");
    is($r->{headers}{'content-security-policy'}, 'frame-ancestors *',
        "$ag.html: CSP frame-ancestors * by default");
    ok(!exists $r->{headers}{'x-frame-options'},
        "$ag.html: no X-Frame-Options");
    is($r->{headers}{'access-control-allow-origin'}, '*', "$ag.html: CORS *");
    is($r->{headers}{'cache-control'}, 'public, max-age=60',
        "$ag.html: Cache-Control");
    my $etag = $r->{headers}{etag};
    ok(defined $etag && length $etag, "$ag.html: ETag");
    is($t->get("/widget/$ag.html", headers => {'If-None-Match' => $etag})
        ->{status}, 304, "$ag.html: If-None-Match 304");
}

# the configured frame-ancestors
$r = $t->get('/framed/000.00.12.H36.html');
is($r->{status}, 200, 'a widget location with its own frame-ancestors');
is($r->{headers}{'content-security-policy'},
    "frame-ancestors https://longan.gov.vn 'self'",
    'CSP from onestop_widget_frame_ancestors');
ok(!exists $r->{headers}{'x-frame-options'}, 'still no X-Frame-Options');
is($r->{headers}{'cache-control'}, 'public, max-age=60', 'Cache-Control');

# a CSP keyword written with single quotes alone: nginx strips them, and
# "frame-ancestors self" would allow a host named "self", not the portal
# itself (the guide: put the whole word in double quotes)
for my $word ("'self'", "'none'", 'self', 'NONE') {
    my $t3 = Onestop::Test->new(today => '2024-06-15');
    $t3->write_standard_conf(serve => ['widget'], map_size => '64m',
        keys => 0, server => "location /f/ { onestop_widget; "
            . "onestop_widget_frame_ancestors https://longan.gov.vn $word; }\n");
    my ($rc3, $out3) = $t3->test_conf;
    isnt($rc3, 0, "frame-ancestors $word (its quotes stripped): refused");
    like($out3, qr/invalid source "\w+": the CSP keyword is written with its single quotes: "'\w+'"/i,
        '... saying how to write it') or diag($out3);
}

# onestop_public_max_age, in another nginx of its own
{
    my $t2 = Onestop::Test->new(today => '2024-06-15');
    $t2->write_standard_conf(serve => ['widget'], map_size => '64m',
        keys => 0, http => 'onestop_public_max_age 300;');
    ok($t2->start, 'a second nginx with onestop_public_max_age 300');
    for my $p ('/widget/province.svg', '/widget/province.html') {
        my $r2 = $t2->get($p);
        is($r2->{status}, 200, "$p with an empty store: 200");
        is($r2->{headers}{'cache-control'}, 'public, max-age=300',
            "$p: max-age from onestop_public_max_age");
    }
    my $r2 = $t2->get('/widget/000.00.12.H36.svg');
    is($r2->{status}, 404, 'an agency of an empty catalog: 404');
    $t2->stop;
    $t2->check_log;
}

# --- unknown agencies, bad paths, methods ---

sub error_ok ($r, $status, $name) {
    is($r->{status}, $status, "$name: $status") or diag($r->{content});
    my $e = eval { $json->decode($r->{content}) } // {};
    ok(ref $e->{error} eq 'HASH' && length($e->{error}{code} // ''),
        "$name: the error object");
}

for my $p ('/widget/000.00.99.H36.svg', '/widget/000.00.99.H36.html',
    '/widget/nope.svg', '/widget/Province.svg', '/widget/province.png',
    '/widget/000.00.12.H36', '/widget/.svg', '/widget/')
{
    my $r = $t->get($p);
    if ($p =~ /\.svg\z/) {
        # a badge: an image still, which an <img> shows (t/http_semantics.t)
        is($r->{status}, 404, "GET $p: 404");
        like(Encode::decode("UTF-8", $r->{content}), qr{^<svg\b.*không có}s,
            "GET $p: a grey badge");
    } elsif ($p =~ /\.html\z/) {
        # a card: a card still, which an <iframe> shows
        is($r->{status}, 404, "GET $p: 404");
        like(Encode::decode("UTF-8", $r->{content}),
            qr{^<!DOCTYPE html>.*không có}s, "GET $p: a grey card");
    } else {
        error_ok($r, 404, "GET $p");
    }
    # public data: a browser application reads its errors too
    is($r->{headers}{'access-control-allow-origin'}, '*', "GET $p: CORS *");
}
error_ok($t->http('POST', '/widget/province.svg', body => 'x'), 405,
    'POST a widget');

my ($st, $h, $body) = raw("HEAD /widget/province.svg HTTP/1.1\r\n"
    . "Host: localhost\r\nConnection: close\r\n\r\n");
is_deeply([$st, $body], [200, ''], 'HEAD: 200, no body');
is($h->{'content-length'}, length($t->get('/widget/province.svg')->{content}),
    'HEAD: the GET length');

# --- a write changes the figures, the badge and its ETag ---

my $before = $t->get('/widget/000.00.15.H36.svg');
my $before_html = $t->get('/widget/000.00.15.H36.html');
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({%{$recs[16]}, version => 2,
        resolved_at => '2024-06-14'}));
is($r->{status}, 200, 'Sở Xây dựng resolves its dossier early')
    or diag($r->{content});
my $after = $t->get('/widget/000.00.15.H36.svg');
isnt($after->{headers}{etag}, $before->{headers}{etag}, 'the ETag changed');
like(decode('UTF-8', $after->{content}), qr/100,0 %/, 'the badge: 100,0 %');
is($t->get('/widget/000.00.15.H36.svg',
    headers => {'If-None-Match' => $before->{headers}{etag}})->{status}, 200,
    'the old ETag: 200');
my $html = decode('UTF-8', $t->get('/widget/000.00.15.H36.html')->{content});
like($html, qr{data-field="resolved"[^>]*>1<}, 'the card: resolved 1');
like($html, qr{data-field="on_time_rate"[^>]*>100,0 %<}, 'the card: 100,0 %');
my $prov = api_year('province');
is($prov->{resolved}, 13, 'the province: 13 resolved');
my $p13 = percent(9 / 13);
ok(index(decode('UTF-8', $t->get('/widget/province.svg')->{content}), $p13)
    >= 0, "the province's badge: $p13");

# --- a reload that renames the province (onestop_province) ---
# the zone of answers outlives the reload, and nothing was written: the
# province's widgets must still show the new name at once

my $old_svg = decode('UTF-8', $t->get('/widget/province.svg')->{content});
my $old_card = decode('UTF-8', $t->get('/widget/province.html')->{content});
like($old_svg, qr/Tỉnh Long An/, 'the badge names Tỉnh Long An');
$t->write_standard_conf(serve => [qw(ingest stats widget)], zone => '8m',
    http => encode("UTF-8", qq{onestop_province "Tỉnh Kiến Tường";\n}));
ok($t->reload, 'reload with onestop_province "Tỉnh Kiến Tường"');
my $new_svg = decode('UTF-8', $t->get('/widget/province.svg')->{content});
my $new_card = decode('UTF-8', $t->get('/widget/province.html')->{content});
like($new_svg, qr/Tỉnh Kiến Tường/, 'after the reload the badge names the '
    . 'new province');
unlike($new_svg, qr/Long An/, 'and not the old one');
like($new_card, qr/Kiến Tường/, 'the card names the new province');
unlike($new_card, qr/Long An/, 'and not the old one');

$t->check_log;

note('badge colours served: ' . join(' ', sort keys %colours));
done_testing;
