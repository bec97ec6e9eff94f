#!/usr/bin/perl

# The pages' forms and the server agree on how long a text may be: a form
# field's maxlength counts characters (UTF-16 code units), so whatever a
# form lets a citizen type - Vietnamese with its diacritics, 2 or 3 bytes
# a character - the server takes: the question's subject, text and name
# on /hoi-dap, the evaluation's comment on the dossier's page.  One
# character more than the limit is refused.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-06-20');
my $QRKEY = ('7c' x 16) . ('b2' x 16);
$t->spew('keys', sha256_hex('fl-admin') . " * admin\n");
$t->spew('qr.key', "$QRKEY\n");
$t->write_standard_conf(serve => [qw(ingest resolve evaluate)], qr_key => 1,
    server => "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /hoi-dap { onestop_feedback html; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer fl-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

sub form ($path, %f) { $t->form($path, %f) }

# the form's limits, as the page says them
my $page = decode('UTF-8', $t->get('/hoi-dap')->{content});
my %max;
for my $f (qw(subject text name)) {
    ($max{$f}) = $page =~ /<(?:input|textarea)[^>]*name="$f"[^>]*maxlength="(\d+)"/;
    ok($max{$f}, "the form limits $f") or $max{$f} = 10;
}

# 'ệ' is 3 bytes in UTF-8, one character in a form
my %q = (kind => 'question', subject => 'ệ' x $max{subject},
    text => 'ệ' x $max{text}, name => 'ệ' x $max{name},
    contact => '0912345678', website => '');
($r, my $body) = form('/hoi-dap', %q);
is($r->{status}, 201, 'a question as long as the form allows, in '
    . 'Vietnamese: taken') or diag(substr($body, 0, 2000));

for my $f (qw(subject text)) {
    ($r, $body) = form('/hoi-dap', %q, $f => 'ệ' x ($max{$f} + 1));
    is($r->{status}, 422, "one character more in $f: refused");
}

# the same through JSON: the limits are characters
$r = $t->http('POST', '/api/v1/feedback',
    headers => {'Content-Type' => 'application/json'},
    body => $json->encode({%q, subject => 'ệ' x 200, text => 'ệ' x 4000,
        name => 'Nguyễn Văn An'}));
is($r->{status}, 201, 'JSON: 200 and 4,000 characters of 3 bytes taken')
    or diag($r->{content});

# the evaluation's comment: the dossier's page sets its limit
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({code => 'FL-1', version => 1,
        agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'direct', applicant => {name => 'Nguyễn Văn An'},
        received_at => '2024-06-03', due_at => '2024-06-10',
        resolved_at => '2024-06-07'}));
is($r->{status}, 200, 'a resolved dossier') or diag($r->{content});
my $mac = hmac_sha256('FL-1', pack('H*', $QRKEY));
$page = decode('UTF-8', $t->get('/q/FL-1.'
    . encode_base64url(substr($mac, 0, 12)))->{content});
my ($cmax) = $page =~ /<textarea[^>]*name="comment"[^>]*maxlength="(\d+)"/;
ok($cmax, "the evaluation form limits the comment") or $cmax = 10;
$r = $t->http('POST', '/api/v1/evaluations', headers => {%admin,
    'Content-Type' => 'application/json'},
    body => $json->encode({code => 'FL-1', answers => {7 => 2},
        comment => 'ệ' x $cmax}));
is($r->{status}, 201, 'a comment as long as the form allows, in '
    . 'Vietnamese: taken') or diag($r->{content});

$t->stop;
ok($t->check_log, 'no alert or crit in error.log');

done_testing();
