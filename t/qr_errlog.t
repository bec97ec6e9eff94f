#!/usr/bin/perl

# A QR token never reaches the error log (SPEC 6: the token opens the full
# record, with the applicant's name).  When a store read fails under
# /q/TOKEN, the module's line "could not read store" was written with the
# request's log, and nginx adds the request line to it: the token, whole.
# A read is made to fail as in production: another process (a second
# nginx on the same store, map_size=16m) grows the store past what this
# nginx mapped (4m), and this one's worker gets MDB_MAP_RESIZED.  Such a
# read answered 404, the page of a dossier that does not exist; it is a
# 500 now, as the lookup page's.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use Encode ();
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('qr_errlog.t did not finish') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $KEY = '3f' . ('a5' x 15) . '0c' . ('5a' x 15);
my $code = '000.00.12.H36-240601-0001';
my $token = $code . '.' . encode_base64url(substr(
    hmac_sha256($code, pack('H*', $KEY)), 0, 12));

# the nginx whose map stays at 4m
my $a = Onestop::Test->new(today => '2024-06-15', workers => 1);
$a->spew('keys', sha256_hex('errlog-admin') . " * admin\n");
$a->spew('qr.key', "$KEY\n");
$a->write_standard_conf(serve => [qw(lookup ingest resolve)], qr_key => 1,
    map_size => '4m');
ok($a->start, 'nginx A starts (map_size=4m)') or BAIL_OUT('no nginx');
my %admin = (Authorization => 'Bearer errlog-admin');
is($a->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');
is($a->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({ code => $code, version => 1,
        agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'direct', applicant => { name => 'Nguyễn Thị Hoa' },
        received_at => '2024-06-01', due_at => '2024-06-20' }))->{status},
    200, 'a dossier');
my $r = $a->get("/q/$token");
is($r->{status}, 200, '/q/TOKEN answers');
like(Encode::decode('UTF-8', $r->{content}), qr/Nguyễn Thị Hoa/,
    '... the full record');

# a second nginx on the same store grows its map and fills it past 4m
my $b = Onestop::Test->new(today => '2024-06-15', workers => 1);
rmdir $b->store;
symlink($a->store, $b->store) or die "symlink: $!";
$b->spew('keys', sha256_hex('errlog-admin') . " * admin\n");
$b->write_standard_conf(serve => [qw(ingest)], map_size => '16m');
ok($b->start, 'nginx B starts on the same store (map_size=16m)')
    or BAIL_OUT('no nginx B');
my $written = 0;
for my $batch (0 .. 19) {
    my $body = join '', map {
        $json->encode({ code => sprintf('000.00.12.H36-240602-%05d',
                $batch * 500 + $_), version => 1,
            agency => '000.00.12.H36', procedure => '1.001234',
            channel => 'online', applicant => { name => 'Lê Văn An' },
            contact => { email => 'an.le@example.vn' },
            received_at => '2024-06-02', due_at => '2024-06-21',
            apology => { issued_at => '2024-06-03',
                new_due_at => '2024-06-28', reason => 'x' x 400 } }) . "\n"
    } 1 .. 500;
    $written++ if $b->http('POST', '/api/v1/ingest/dossiers',
        headers => { %admin, 'Content-Type' => 'application/x-ndjson' },
        body => $body)->{status} == 200;
    last if -s $a->store . '/data.mdb' > 6 * 1024 * 1024;
}
cmp_ok(-s $a->store . '/data.mdb', '>', 4 * 1024 * 1024,
    "B wrote the store past A's 4m ($written batches)");

# A's worker cannot read now: the line says so, without the token
$r = $a->get("/q/$token");
is($r->{status}, 500, "A's /q/TOKEN: 500, not a page saying no such dossier");
like($a->error_log, qr/could not read store/, "A's error log says why")
    or diag($a->error_log);
my ($mac) = $token =~ /\.(.+)$/;
unlike($a->error_log, qr/\Q$mac\E/, '... and holds no QR token');

$b->stop;
$a->stop;
done_testing();
