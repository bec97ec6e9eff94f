#!/usr/bin/perl

# Names in free text (issue 18): an apology's reason is published in the
# apology list, the lookup (JSON and page) and a scanned receipt's page.
# Words of the applicant's given and middle names in it are masked there
# as the lookup masks the name (the family name alone is left); the signed
# QR link, which shows the full name, shows the reason whole; an
# organization's reason is shown as written.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use Encode qw(decode_utf8);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;
my $KEY = ('5c' x 32);

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('ft-admin-key') . " * admin\n");
$t->spew('qr.key', "$KEY\n");
$t->write_standard_conf(serve => [qw(ingest lookup lookup_page apologies
    resolve)], qr_key => 1);
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer ft-admin-key');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

sub record ($code, $name, $type, $reason) {
    return {code => $code, version => 1, agency => '000.00.12.H36',
        procedure => '1.001234', channel => 'direct',
        applicant => {name => $name, type => $type},
        received_at => '2024-05-02T08:00:00+07:00',
        due_at => '2024-05-10T17:00:00+07:00',
        apology => {issued_at => '2024-05-09T10:00:00+07:00',
            new_due_at => '2024-05-20', reason => $reason}};
}

my $REASON = 'Chờ ông Trần Văn Bình (BÌNH) bổ sung; bình thường';
my $MASKED = 'Chờ ông Trần V. B. (B.) bổ sung; bình thường';
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([
        record('FT-1', 'Trần Văn Bình', 'citizen', $REASON),
        record('FT-2', 'Công ty Văn Bình', 'organization', $REASON)]));
is($r->{status}, 200, 'dossiers written') or diag($r->{content});

# the lookup, JSON and page
$r = $t->get('/api/v1/dossiers/FT-1');
my $j = $json->decode($r->{content});
is($j->{apology}{reason}, $MASKED, 'lookup JSON: the name in the reason masked');
is($j->{applicant}{name}, 'Trần V. B.', 'as the name itself is');
$r = $t->get('/tra-cuu/FT-1');
my $page = decode_utf8($r->{content});
like($page, qr/\Q$MASKED\E/, 'lookup page: masked too');
unlike($page, qr/Bình \(/, 'the given name nowhere whole');

# the apology list
$r = $t->get('/api/v1/apologies?limit=10');
my %items = map { $_->{code} => $_ } @{ $json->decode($r->{content})->{items} };
is($items{'FT-1'}{reason}, $MASKED, 'apology list: masked');
is($items{'FT-2'}{reason}, $REASON, "an organization's reason as written");

# the signed link shows the full record, the reason whole
my $tok = 'FT-1.' . encode_base64url(substr(hmac_sha256('FT-1',
    pack('H*', $KEY)), 0, 12));
$r = $t->get("/q/$tok");
is($r->{status}, 200, 'the signed link') or diag($r->{content});
$page = decode_utf8($r->{content});
like($page, qr/\Q$REASON\E/, 'a scanned receipt: the reason whole');

# a name whose words are parted by no-break spaces (pasted from a form):
# the lookup masks it on them, and so must the reason be masked on them
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([record('FT-NBSP', "Trần\x{a0}Văn\x{a0}Bình",
        'citizen', $REASON)]));
is($r->{status}, 200, 'a name with no-break spaces written')
    or diag($r->{content});
$r = $t->get('/api/v1/dossiers/FT-NBSP');
$j = $json->decode($r->{content});
is($j->{applicant}{name}, 'Trần V. B.', 'no-break spaces: the name masked');
is($j->{apology}{reason}, $MASKED, 'no-break spaces: the reason masked too');
$r = $t->get('/tra-cuu/FT-NBSP');
$page = decode_utf8($r->{content});
like($page, qr/\Q$MASKED\E/, 'no-break spaces: the page masks the reason');
$r = $t->get('/api/v1/apologies?limit=10');
%items = map { $_->{code} => $_ } @{ $json->decode($r->{content})->{items} };
is($items{'FT-NBSP'}{reason}, $MASKED, 'no-break spaces: the list masks it');

# a given name with a hyphen, an alias in parentheses: masked whole in the
# reason, as the masked name hides them
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([record('FT-HYPHEN', 'Nguyễn Thị Anh-Thư (Út)',
        'citizen', 'Chờ chị Anh-Thư (Út) bổ sung')]));
is($r->{status}, 200, 'a name with a hyphen written') or diag($r->{content});
$r = $t->get('/api/v1/dossiers/FT-HYPHEN');
$j = $json->decode($r->{content});
is($j->{applicant}{name}, 'Nguyễn T. A. (.', 'hyphen: the name masked');
is($j->{apology}{reason}, 'Chờ chị A. (Ú.) bổ sung',
    'hyphen: the given name and the alias masked in the reason');

# the name written composed, the reason decomposed (another system's
# keyboard): the same letters, masked alike
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([record('FT-NFD', 'Lê Thị Nguyệt', 'citizen',
        "Chờ chị Nguye\x{323}\x{302}t bổ sung")]));
is($r->{status}, 200, 'a reason written decomposed') or diag($r->{content});
$r = $t->get('/api/v1/dossiers/FT-NFD');
$j = $json->decode($r->{content});
is($j->{apology}{reason}, 'Chờ chị N. bổ sung',
    'decomposed: the given name masked in the reason');
$r = $t->get('/api/v1/apologies?limit=10');
%items = map { $_->{code} => $_ } @{ $json->decode($r->{content})->{items} };
is($items{'FT-NFD'}{reason}, 'Chờ chị N. bổ sung', 'decomposed: the list too');

# nothing of the name in the change of an unrelated word
unlike($MASKED, qr/b\. thường/, '"bình thường" (normal) is not the name');

$t->check_log;

done_testing;
