#!/usr/bin/perl

# The change feed's figures are computed off the worker's event loop
# (issue 12: one off-loop mechanism for every heavy computation).  With
# one worker and each pass of the figures held 1.5 s where it is computed
# (ONESTOP_TEST_SLOW_FIGURES_MS, a hook for this test), lookups made
# meanwhile are answered at once, and the figures still reach Redis.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

my $SLOW = 1500;
my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
my $rport = $t->start_redis;

$t->spew('keys', sha256_hex('figures-admin-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(lookup ingest)], zone => '8m',
    redis => "127.0.0.1:$rport prefix=t interval=100",
    main => "env ONESTOP_TEST_SLOW_FIGURES_MS=$SLOW;");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer figures-admin-key');

my $res = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($res->{status}, 200, 'catalog');

sub live() {
    my $v = $t->redis('HGET', 't:stats:live', 'province');
    chomp $v;
    return $v =~ /^\{/ ? $json->decode($v) : undef;
}

# wait for the catalog's figures, so that the next pass is the dossier's
for (1 .. 100) { last if live(); sleep 0.05 }
ok(live(), 'the figures of the catalog are in Redis');
sleep 0.3;

my $code = '000.00.30.H36-240601-0001';
my $t0 = time;
$res = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({ code => $code, version => 1,
        agency => '000.30.01.H36', procedure => '1.000894',
        channel => 'online', applicant => { name => 'Trần Thị Mai' },
        received_at => '2024-06-01', due_at => '2024-06-20' }));
is($res->{status}, 200, 'a dossier');

# the dossier's pass is computing (held 1.5 s): the worker answers

my (@took, @status);
while (time - $t0 < $SLOW / 1000 + 0.5) {
    my $l0 = time;
    my $r = $t->get("/api/v1/dossiers/$code");
    push @took, time - $l0;
    push @status, $r->{status};
    sleep 0.02;
}
my $slowest = (sort { $b <=> $a } @took)[0];
is(scalar(grep { $_ != 200 } @status), 0, scalar(@took) . ' lookups: 200');
cmp_ok($slowest, '<', 0.5,
    'none waited for the figures (their pass is off the event loop)')
    or diag(sprintf('the slowest lookup took %.3f s', $slowest));

# and the figures reach Redis, once their pass is done

my $snap;
for (1 .. 200) {
    $snap = live();
    last if $snap && $snap->{all}{received};
    sleep 0.05;
}
ok($snap && $snap->{all}{received} == 1,
    'the dossier\'s figures are published');
cmp_ok(time - $t0, '>=', $SLOW / 1000 - 0.05,
    'after the pass\'s delay (the hook held it)');

$t->stop;
$t->stop_redis;
$t->check_log;

done_testing();
