#!/usr/bin/perl

# QR images decoded (SPEC section 6): the PNG at several sizes, the SVG
# (rasterised by rsvg-convert) and the receipt's inline SVG decode, with
# zbarimg, to the signed link recomputed here with HMAC-SHA256 of the key
# file's bytes; after a rotation, to the link of the first key.  The rest
# of the QR suite, which needs no decoder, is t/qr.t: this file's setup is
# checked there, and so is the error log of the same requests.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

my $have_zbar = system('command -v zbarimg >/dev/null 2>&1') == 0;
my $have_rsvg = system('command -v rsvg-convert >/dev/null 2>&1') == 0;
plan(skip_all => 'zbarimg (zbar-tools) is needed to decode QR codes')
    unless $have_zbar;

my $t = Onestop::Test->new(today => '2024-06-15');

# the keys of t/qr.t
my $KEY1 = '3f' . ('a5' x 15) . '0c' . ('5a' x 15);     # 64 hex digits
my $KEY2 = ('01' x 20) . ('fe' x 20);                  # 80 hex digits

$t->spew('keys', sha256_hex('qr-admin-key') . " * admin\n"
    . sha256_hex('qr-benluc-key') . " 000.00.30.H36 Ben Luc\n");
$t->spew('qr.key', "$KEY1\n");
$t->write_standard_conf(serve => [qw(ingest qr receipt)], qr_key => 1);

# the setup is not counted here: t/qr.t counts it
$t->start or BAIL_OUT('nginx did not start');

my $PUBLIC = 'http://127.0.0.1:' . $t->port;
my %admin = (Authorization => 'Bearer qr-admin-key');
my %benluc = (Authorization => 'Bearer qr-benluc-key');

sub written ($r, $what) {
    die "$what: $r->{status} $r->{content}\n" unless $r->{status} == 200;
}

written($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json()), 'catalog');

# the token of SPEC 6: code, a dot, the first 12 bytes of
# HMAC-SHA256(key, code) in unpadded base64url
sub token ($code, $hexkey) {
    my $mac = hmac_sha256($code, pack('H*', $hexkey));
    return $code . '.' . encode_base64url(substr($mac, 0, 12));
}

sub link_of ($code, $hexkey) { "$PUBLIC/q/" . token($code, $hexkey) }

my $n = 0;
sub zbar_file ($file) {
    my $out = `zbarimg --raw -q '$file' 2>/dev/null`;
    $out =~ s/\n\z//;
    return $out;
}

sub zbar_png ($png) {
    my $file = $t->spew('zbar-' . ++$n . '.png', $png);
    return zbar_file($file);
}

sub zbar_svg ($svg) {
    my $in = $t->spew('zbar-' . ++$n . '.svg', $svg);
    my $out = "$in.png";
    system("rsvg-convert -b white -o '$out' '$in' 2>/dev/null") == 0
        or return "(rsvg-convert failed)";
    return zbar_file($out);
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

my $CODE = '000.00.12.H36-240603-0001';          # dots in the code
written($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([
        record(code => $CODE,
            applicant => {name => 'Đặng Thị Ánh', type => 'citizen'}),
        record(code => 'QR-COMMUNE', agency => '000.30.01.H36',
            procedure => '1.000894', channel => 'direct',
            applicant => {name => 'Lê Thị Cúc'}),
    ])), 'dossiers');

# --- the PNG ---

# the district's key covers its communes
my $r = $t->get('/qr/QR-COMMUNE.png', headers => \%benluc);
is(zbar_png($r->{content}), link_of('QR-COMMUNE', $KEY1),
    'the commune dossier\'s link');

my $LINK = link_of($CODE, $KEY1);
$r = $t->get("/qr/$CODE.png", headers => \%admin);
is(zbar_png($r->{content}), $LINK, 'the PNG decodes to the signed link');

for my $size (2, 7, 20) {
    $r = $t->get("/qr/$CODE.png?size=$size", headers => \%admin);
    is(zbar_png($r->{content}), $LINK, "size=$size: decodes to the link");
}

# --- the SVG ---

SKIP: {
    skip('rsvg-convert (librsvg2-bin) is not installed', 2) unless $have_rsvg;
    $r = $t->get("/qr/$CODE.svg", headers => \%admin);
    is(zbar_svg($r->{content}), $LINK,
        'the SVG, rasterised, decodes to the link');
    $r = $t->get("/qr/$CODE.svg?size=10", headers => \%admin);
    is(zbar_svg($r->{content}), $LINK, 'size 10 too');
}

# --- the receipt ---

$r = $t->get("/receipt/$CODE", headers => \%admin);
my ($inline) = $r->{content} =~ m{(<svg\b.*?</svg>)}s;
SKIP: {
    skip('rsvg-convert (librsvg2-bin) is not installed', 1) unless $have_rsvg;
    skip('no inline SVG', 1) unless defined $inline;
    is(zbar_svg($inline), $LINK,
        'receipt: its QR decodes to the signed link');
}

# --- key rotation ---

# the new key in upper-case hex digits: the same bytes
$t->spew('qr.key', uc($KEY2) . "\n$KEY1\n");
$t->reload or BAIL_OUT('no reload');

my $NEW_LINK = link_of($CODE, $KEY2);
$r = $t->get("/qr/$CODE.png", headers => \%admin);
is(zbar_png($r->{content}), $NEW_LINK, 'links are signed with the first key');
SKIP: {
    skip('rsvg-convert (librsvg2-bin) is not installed', 1) unless $have_rsvg;
    $r = $t->get("/qr/$CODE.svg", headers => \%admin);
    is(zbar_svg($r->{content}), $NEW_LINK, 'SVG signed with the first key');
}

done_testing;
