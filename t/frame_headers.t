#!/usr/bin/perl

# The portal's pages are framed by the portal alone (clickjacking: a site
# that frames the dossier's page, with its evaluation form, or the
# questions' form, and lures a citizen into clicking), while the dashboard
# and a widget's card stay made to be framed by other sites; every answer
# says its type is meant (X-Content-Type-Options: nosniff).  A security
# scan of a provincial portal checks both.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use MIME::Base64 qw(encode_base64url);
use JSON::PP;
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('fh-admin') . " * admin\n");
my %admin = (Authorization => 'Bearer fh-admin');
$t->write_standard_conf(
    serve => [qw(lookup lookup_page dashboard stats widget ingest qr receipt
        resolve catalog)],
    qr_key => 1, zone => '4m',
    server => "location /hoi-dap { onestop_feedback html; }\n"
        . "location /api/v1/feedback { onestop_feedback json; }\n");
$t->spew('qr.key', ('3c' x 32) . "\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');
is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([{code => 'FH-1', version => 1,
        agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'online', applicant => {name => 'Trần Văn Hai'},
        received_at => '2024-06-10', due_at => '2024-06-20'}]))->{status},
    200, 'a dossier');

my %pages = (
    '/tra-cuu' => 200,
    '/tra-cuu/FH-1' => 200,
    '/tra-cuu/NO-SUCH' => 404,
    '/receipt/FH-1' => 200,
    '/hoi-dap' => 200,
);
for my $path (sort keys %pages) {
    my $r = $t->http('GET', $path,
        headers => $path =~ /receipt/ ? \%admin : {});
    is($r->{status}, $pages{$path}, "$path: $pages{$path}");
    like($r->{headers}{'content-type'} // '', qr{^text/html}, '... a page');
    is($r->{headers}{'x-frame-options'}, 'SAMEORIGIN',
        '... framed by the portal alone');
    is($r->{headers}{'x-content-type-options'}, 'nosniff', '... nosniff');
}

# the page a QR code opens, with its evaluation form (the token of SPEC
# section 6, computed here)
my $token = 'FH-1.' . encode_base64url(substr(
    hmac_sha256('FH-1', pack('H*', '3c' x 32)), 0, 12));
my $q = $t->get("/q/$token");
is($q->{status}, 200, 'the QR page');
is($q->{headers}{'x-frame-options'}, 'SAMEORIGIN', '... framed by the portal alone');

for my $path ('/', '/widget/000.00.12.H36.html') {
    my $r = $t->get($path);
    is($r->{status}, 200, "$path: 200");
    like($r->{headers}{'content-type'} // '', qr{^text/html}, '... a page');
    ok(!defined $r->{headers}{'x-frame-options'},
        '... made to be framed elsewhere: no X-Frame-Options');
    is($r->{headers}{'x-content-type-options'}, 'nosniff', '... nosniff');
}
like($t->get('/widget/000.00.12.H36.html')->{headers}{'content-security-policy'}
    // '', qr/^frame-ancestors \*/, 'the card says who may frame it');

# the portal of another site frames the dashboard: a link of the dashboard
# to a page that only the portal may frame (the questions' page) must
# leave the frame, or the visitor who follows it meets the browser's
# refusal in the frame instead of the page
my $dash = $t->get('/')->{content};
my @links = $dash =~ /(<a\b[^>]*\bhref="[^"#][^"]*"[^>]*>)/g;
ok(scalar @links, 'the dashboard has links');
my $framed_only = 0;
for my $a (@links) {
    my ($href) = $a =~ /\bhref="([^"]*)"/;
    (my $path = $href) =~ s/&amp;/&/g;
    $path = "/$path" unless $path =~ m{^/};
    my $r = $t->get($path);
    next unless defined $r->{headers}{'x-frame-options'};
    $framed_only++;
    like($a, qr/\btarget="_top"/,
        "the dashboard's link to $href (X-Frame-Options: "
        . "$r->{headers}{'x-frame-options'}) opens in the whole window");
}
ok($framed_only, 'the dashboard links a page only the portal may frame');

for my $path ('/api/v1/dossiers/FH-1', '/api/v1/stats?period=year',
    '/widget/000.00.12.H36.svg', '/api/v1/catalog', '/api/v1/dossiers/NONE')
{
    my $r = $t->get($path);
    is($r->{headers}{'x-content-type-options'}, 'nosniff', "$path: nosniff");
    ok(!defined $r->{headers}{'x-frame-options'}, '... not a page: no X-Frame-Options');
}
my $png = $t->http('GET', '/qr/FH-1.png', headers => \%admin);
is($png->{status}, 200, 'a QR image');
is($png->{headers}{'x-content-type-options'}, 'nosniff', '... nosniff');

$t->check_log;
$t->stop;
done_testing();
