#!/usr/bin/perl

# The public pages as a citizen sees them on a 360 px wide phone, and on a
# desktop, in headless Chromium: each page is loaded in a frame of that
# width by a page of the same site, whose script measures what is shown
# (the receipt's labels beside their values, its QR code's caption wide
# enough to read, its print on one sheet of A5; the forms' fields and buttons, the evaluation's answers,
# the dashboard's sort buttons big enough for a finger).  Skipped when there is no chromium.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex hmac_sha256);
use Encode qw(decode encode);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Browser;
use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'no chromium (apt-get install chromium)'
    unless Onestop::Browser::available();

my $json = JSON::PP->new->utf8->canonical;
my $KEY = 'd4' x 32;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-11-20');
my ($rc, undef, $err) = $t->cli('demo', '300');
is($rc, 0, 'the demo data set') or BAIL_OUT("demo: $err");
$t->spew('keys', sha256_hex('pp-admin') . " * admin\n");
$t->spew('qr.key', "$KEY\n");
mkdir $t->dir . '/www';
$t->write_standard_conf(
    serve => [qw(lookup_page apologies ingest receipt resolve evaluate
        dashboard stats)],
    qr_key => 1, map_size => '1g', zone => '4m',
    main => "env ONESTOP_TIME;\n",
    server => "location /hoi-dap { onestop_feedback html; }\n"
        . "location /www/ { root %%DIR%%; }\n"
        . "location = /trang-loi { onestop_error_page; }\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer pp-admin');

my $r = $t->get('/api/v1/apologies?limit=1');
my $code = eval { $json->decode($r->{content})->{items}[0]{code} };
ok(defined $code, 'a dossier of the demo') or BAIL_OUT('no code');

# writes $name.html into the site, a page framing $src at $width px whose
# script (given the frame's document as d) leaves its findings, a JSON
# value, in the page; returns them decoded, or undef
sub measure ($name, $src, $width, $script) {
    my $page = $t->dir . "/www/$name.html";
    open(my $fh, '>:utf8', $page) or die "$page: $!";
    print $fh <<"END";
<!DOCTYPE html><html lang="vi"><meta charset="utf-8">
<style>body{margin:0}iframe{border:0;display:block}</style><body>
<iframe id="f" width="$width" height="740" src="$src"></iframe>
<pre id="out"></pre>
<script>
window.addEventListener('load', function () {
    var d = document.getElementById('f').contentDocument;
    var found = (function (d) { $script })(d);
    document.getElementById('out').textContent = JSON.stringify(found);
});
</script></body></html>
END
    close $fh;
    my $dom = Onestop::Browser::dump_dom($t->url("/www/$name.html"),
        width => $width + 40);
    unless (defined $dom && $dom =~ m{<pre id="out">([^<]*)</pre>}) {
        diag("$name: " . $Onestop::Browser::LAST_ERROR);
        return undef;
    }
    (my $text = $1) =~ s/&quot;/"/g;
    $text =~ s/&lt;/</g;
    $text =~ s/&gt;/>/g;
    $text =~ s/&amp;/&/g;
    return eval { JSON::PP->new->decode($text) };
}

# the elements of $src at 360 px that $selector names: {n, small (those
# under 44 px high, a finger's target), wide (the page's width)}
sub targets ($name, $src, $selector) {
    return measure($name, $src, 360, <<"END");
var small = [], n = 0;
d.querySelectorAll('$selector').forEach(function (el) {
    var r = el.getBoundingClientRect();
    n++;
    if (r.height < 44)
        small.push(el.textContent.trim() + ': ' + Math.round(r.height)
            + ' px high');
});
return {n: n, small: small, wide: d.documentElement.scrollWidth};
END
}

# --- the receipt: each label beside its value, the QR code's caption
# readable, on a phone, a desktop and A5 paper's width (128 mm)

$r = $t->get("/receipt/$code", headers => \%admin);
is($r->{status}, 200, 'the receipt');
$t->spew('www/receipt.html', $r->{content});

for my $width (360, 484, 1280) {
    my $m = measure("receipt-$width", '/www/receipt.html', $width, <<'END');
var rows = [];
d.querySelectorAll('dl dt').forEach(function (dt) {
    var dd = dt.nextElementSibling;
    rows.push([dt.textContent, Math.round(dt.getBoundingClientRect().top),
        Math.round(dd.getBoundingClientRect().top)]);
});
var p = d.querySelector('.qr p').getBoundingClientRect();
// the caption's words (its link aside) each on one line
var cut = [], node = d.querySelector('.qr p').firstChild, re = /\S+/g, w;
while ((w = re.exec(node.data)) !== null) {
    if (/^https?:/.test(w[0])) continue;
    var range = d.createRange();
    range.setStart(node, w.index);
    range.setEnd(node, w.index + w[0].length);
    var tops = {};
    Array.prototype.forEach.call(range.getClientRects(), function (r) {
        tops[Math.round(r.top)] = 1;
    });
    if (Object.keys(tops).length > 1) cut.push(w[0]);
}
return {rows: rows, caption: Math.round(p.width), cut: cut,
    body: Math.round(d.body.getBoundingClientRect().width)};
END
    ok($m, "$width px: the receipt measured") or next;
    is(scalar @{ $m->{rows} }, 6, "$width px: six lines");
    for my $row (@{ $m->{rows} }) {
        my ($label, $dt, $dd) = @$row;
        ok(abs($dt - $dd) <= 2, "$width px: '$label' beside its value")
            or diag("label at $dt px, its value at $dd px");
    }
    ok($m->{caption} >= $m->{body} / 3,
        "$width px: the QR code's caption is not squeezed")
        or diag("caption $m->{caption} px wide of $m->{body} px");
    is_deeply($m->{cut}, [], "$width px: no word of the caption cut in two");
}

# --- printed on A5 (its @page), the receipt of a dossier with the
# longest name a record may hold (256 bytes) and the demo's longest
# procedure fits on one sheet

my $long = 'Công ty Trách nhiệm hữu hạn Một thành viên Đầu tư Xây dựng '
    . 'Thương mại Dịch vụ Phát triển Nông nghiệp Công nghệ cao Long An';
$long .= ' Tỉnh' while length(encode('UTF-8', "$long Tỉnh")) <= 256;
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({code => '000.00.06.H36-241119-9999', version => 1,
        agency => '000.00.06.H36', procedure => '1.004269',
        channel => 'postal', received_at => '2024-11-19T08:00:00+07:00',
        due_at => '2024-12-19T17:00:00+07:00',
        applicant => {name => $long, type => 'organization'}}));
is($r->{status}, 200, 'a dossier with a long name') or diag($r->{content});
$r = $t->get('/receipt/000.00.06.H36-241119-9999', headers => \%admin);
is($r->{status}, 200, 'its receipt');
$t->spew('www/long.html', $r->{content});
my $pdf = $t->dir . '/long.pdf';
my ($st) = Onestop::Browser::run('--no-pdf-header-footer',
    "--print-to-pdf=$pdf", $t->url('/www/long.html'));
my $bytes = Onestop::Browser::slurp($pdf);
ok(defined $st && length $bytes, 'printed') or diag($Onestop::Browser::LAST_ERROR);
my $pages = () = $bytes =~ m{/Type\s*/Page(?![s\w])}g;
is($pages, 1, 'on one sheet of A5');

# --- the forms' fields and buttons: 44 px high at least, for a finger,
# and their text 16 px (a phone zooms into a smaller field when it is
# tapped), on the lookup page and the questions' page

for my $path ('/tra-cuu', '/hoi-dap') {
    (my $name = $path) =~ s{\W}{}g;
    my $m = measure("controls-$name", $path, 360, <<'END');
var small = [], n = 0;
d.querySelectorAll('input,select,textarea,button').forEach(function (el) {
    if (el.type == 'hidden' || el.closest('.hp')) return;
    n++;
    var r = el.getBoundingClientRect();
    var px = parseFloat(getComputedStyle(el).fontSize);
    if (r.height < 44 || px < 16)
        small.push((el.id || el.name || el.textContent) + ': '
            + Math.round(r.height) + ' px high, text ' + px + ' px');
});
return {n: n, small: small,
    wide: d.documentElement.scrollWidth};
END
    ok($m, "$path: measured") or next;
    ok($m->{n} >= 2, "$path: its controls ($m->{n})");
    is_deeply($m->{small}, [], "$path: every control big enough to tap");
    ok($m->{wide} <= 360, "$path: no wider than the phone ($m->{wide} px)");
}

# --- the evaluation's choices on the page a receipt's QR code opens: each
# answer (a radio button and its words) a target 44 px high at least

sub token ($c) {
    return $c . '.' . encode_base64url(substr(hmac_sha256($c,
        pack('H*', $KEY)), 0, 12));
}
# a dossier resolved and not yet evaluated: its page has the form
my $token;
$r = $t->get('/api/v1/apologies?limit=100');
my $items = eval { $json->decode($r->{content})->{items} } // [];
for my $item (@$items) {
    my $page = $t->get('/q/' . token($item->{code}))->{content};
    if ($page =~ /name="a2"/) { $token = token($item->{code}); last; }
}
ok(defined $token, "a dossier's /q/ page with the evaluation's form")
    or BAIL_OUT('no form');
my $m = measure('choices', "/q/$token", 360, <<'END');
var small = [], n = 0;
d.querySelectorAll('input[type=radio]').forEach(function (el) {
    var r = el.closest('label').getBoundingClientRect();
    n++;
    if (r.height < 44)
        small.push(el.name + '=' + el.value + ': ' + Math.round(r.height)
            + ' px high');
});
return {n: n, small: small, wide: d.documentElement.scrollWidth};
END
ok($m, 'the /q/ page measured');
is($m->{n}, 24, 'eight questions of three answers');
is_deeply($m->{small}, [], 'every answer big enough to tap')
    or diag(join "\n", @{ $m->{small} });
ok($m->{wide} <= 360, "no wider than the phone ($m->{wide} px)");

# --- a long code, as long as a code may be (64), looked up and not
# found: the page no wider than the phone

$m = measure('long-code', '/tra-cuu?code=' . ('A' x 64), 360,
    'return {wide: d.documentElement.scrollWidth};');
ok($m && $m->{wide} <= 360, 'a 64-character code not found: the page no '
    . 'wider than the phone') or diag(($m // {})->{wide} . ' px wide');

# --- the error page (onestop_error_page, as error_page's target): its
# links, the ways on, 44 px high for a finger

$m = targets('error', '/trang-loi', 'section.error a');
ok($m, 'the error page measured');
ok($m->{n} >= 2, "its links ($m->{n})");
is_deeply($m->{small}, [], 'every link big enough to tap')
    or diag(join "\n", @{ $m->{small} });

# --- a dossier's page: its headings in order of size (h2 under h1)

$m = measure('headings', '/tra-cuu/' . $code, 360, <<'END');
var h1 = d.querySelector('h1'), h2 = d.querySelector('h2');
return {h1: parseFloat(getComputedStyle(h1).fontSize),
    h2: h2 ? parseFloat(getComputedStyle(h2).fontSize) : 0};
END
ok($m && $m->{h2} > 0 && $m->{h2} < $m->{h1},
    "a dossier's page: its h2 smaller than its h1")
    or diag(($m // {})->{h2} . ' px against ' . ($m // {})->{h1} . ' px');

# --- the receipt's print button, for the desk: as the pages' buttons

$m = measure('receipt-button', '/www/receipt.html', 1280, <<'END');
var b = d.querySelector('.noprint button');
return {h: Math.round(b.getBoundingClientRect().height),
    font: getComputedStyle(b).fontFamily};
END
ok($m && $m->{h} >= 44, "the receipt's print button 44 px high")
    or diag(($m // {})->{h} . ' px');
unlike(($m // {})->{font} // '', qr/Times/,
    "in the pages' type, not the letter's");

# --- the dashboard's table: its columns' sort buttons 44 px high

$m = targets('dashboard', '/', 'thead th button');
ok($m, 'the dashboard measured');
ok($m->{n} >= 3, "its table's sort buttons ($m->{n})");
is_deeply($m->{small}, [], 'every sort button big enough to tap')
    or diag(join "\n", @{ $m->{small} });
ok($m->{wide} <= 360, "no wider than the phone ($m->{wide} px)");

$t->stop;
ok($t->check_log, 'no alert or crit in error.log');

done_testing();
