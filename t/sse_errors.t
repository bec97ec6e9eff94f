#!/usr/bin/perl

# A live stream of the change log (GET /api/v1/changes, Accept:
# text/event-stream) whose read fails at a tick says so in the error log,
# once for the spell of failures, with the store and the reason; it tries
# again at every tick and sends nothing meanwhile.  Before, the failure
# was dropped without a word and tried again five times a second for as
# long as the client stayed.  The entry is damaged with mdb_load while
# nginx runs, as a disk error would leave it.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

plan skip_all => 'mdb_load (lmdb-utils) is not installed'
    unless system('command -v mdb_load >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('sse_errors.t did not finish') };
alarm 60;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
$t->spew('keys', sha256_hex('sse-errors-admin') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest)], zone => '1m',
    server => "location /api/v1/changes { onestop_changes; }\n");
ok($t->start, 'nginx starts') or BAIL_OUT('no nginx');
my %admin = (Authorization => 'Bearer sse-errors-admin');
is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');

sub post ($c) {
    return $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode({ code => $c, version => 1,
            agency => '000.00.12.H36', procedure => '1.001234',
            channel => 'direct', applicant => { name => 'Trần Văn Bình' },
            received_at => '2024-06-01', due_at => '2024-06-20' }))->{status};
}
is(post('000.00.12.H36-240601-0001'), 200, 'a first dossier');
my $last = eval { $json->decode($t->get('/api/v1/changes?after=0')->{content})
    ->{next} } // 0;
ok($last > 0, "the change log ends at change $last");
my $next = $last + 1;

# the stream, after it
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $t->port,
    Proto => 'tcp') or die "connect: $!";
print $s "GET /api/v1/changes?after=$last HTTP/1.1\r\nHost: localhost\r\n"
    . "Accept: text/event-stream\r\n\r\n";
my $got = '';
my $sel = IO::Select->new($s);
sub drain ($secs) {
    my $end = time + $secs;
    while (time < $end) {
        next unless $sel->can_read(0.1);
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $got .= $buf;
    }
}
drain(0.5);
like($got, qr{^HTTP/1\.1 200}, 'the stream is open');

# the next change written, and damaged before the stream's next tick can
# read it (the writer and mdb_load follow one another: LMDB has one writer)
my $log = length $t->error_log;
my $before = length $got;
is(post('000.00.12.H36-240601-0002'), 200, "a second dossier: change $next");
open(my $load, '|-', 'mdb_load -T -s changelog ' . $t->store) or die;
printf $load "%s\n\\00\n", join('', map { sprintf('\\%02x', $_) }
    unpack('C8', pack('Q>', $next)));
close $load or die "mdb_load: $?";

drain(1.5);
my $store = $t->store;
my @lines = grep { /could not read the change log/ }
    split /\n/, substr($t->error_log, $log);
SKIP: {
    # the tick may have read the change before mdb_load damaged it
    skip "the stream read change $next before it was damaged", 3
        if substr($got, $before) =~ /^id: $next$/m;
    is(scalar(@lines), 1, 'the failing reads are said once, not at every tick')
        or diag(join("\n", @lines));
    like($lines[0] // '', qr/\[error\].*onestop_changes: a stream could not read the change log of store "\Q$store\E": the entry after change $last is damaged: restore the store from a backup; it tries again every tick/,
        '... with the store and the reason');
    unlike(substr($got, $before), qr/^id: /m, 'nothing was sent meanwhile');
}
close $s;

$t->check_log;
done_testing();
